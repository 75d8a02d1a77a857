"""The event page and ticket selection: GET /events/{slug}, POST /events/{slug}/reserve.

Thin: what is listed comes from event_listing.py, the reservation from the checkout workflow (workflow_bridge.py),
funnel steps from domain/analytics. Every failure re-renders the page with the buyer's choices
kept and the reason shown, with a 4xx status; never a 500 page for bad input. Errors appear once
in a summary at the top (focused on load, each linking to its field) and once next to the field.

`?access=CODE` (the organiser's secret link, or the "Have an access code?" form) shows the hidden
type that code unlocks; the reserve form carries the code on, and the workflow checks it again.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.catalog.services import public_types
from voelgoed.domain.events.models import Event
from voelgoed.domain.events.schemas import event_image_read
from voelgoed.domain.organizations.branding import branding_of
from voelgoed.domain.waiting_list.services import settings_of
from voelgoed.lib import ratelimit
from voelgoed.lib.digits import parse_whole_number
from voelgoed.lib.i18n import N_
from voelgoed.lib.i18n import gettext as _
from voelgoed.lib.problems import AppError
from voelgoed.settings import Settings
from voelgoed.web.checkout import workflow_bridge
from voelgoed.web.checkout.branding_pages import HERO_SIZES, absolute, organization_of_event, share_links, srcset
from voelgoed.web.checkout.event_listing import event_by_slug, ticket_types
from voelgoed.web.checkout.render import render
from voelgoed.web.checkout.seat_map import seated_type_ids
from voelgoed.web.checkout.security import Visit, order_cookie, record_step

RESERVES_PER_VISIT = 30  # per 10 minutes: plenty for a person, a brake for a script
COUPON_MAX = 40
ACCESS_MAX = 40
BAD_ACCESS_CODE = N_("This access code is not valid for this event.")


def not_found(visit: Visit | None = None) -> Response[str]:
    return render(
        "message.html",
        status=404,
        cookies=visit.cookies() if visit else None,
        heading=_("Page not found"),
        paragraphs=[_("We could not find that page. The link may be mistyped, or the event is no longer listed.")],
        link=("/", _("See upcoming events")),
        robots="noindex",
    )


def _address(event: Event) -> str:
    v = event.venue
    if v is None:
        return ""
    parts = [v.address_line1, v.address_line2, v.city, v.province, v.postal_code]
    return ", ".join(p for p in parts if p)


def _summary(event: Event) -> str:
    text = " ".join((event.description or "").split())
    if len(text) > 180:
        text = text[:177].rsplit(" ", 1)[0] + "…"
    return text or _("Tickets for %(event)s.", event=event.name)


async def event_page(
    *,
    db: AsyncSession,
    redis: Redis,
    settings: Settings,
    visit: Visit,
    event: Event,
    status: int = 200,
    error: str | None = None,
    other_errors: list[str] | None = None,
    chosen: dict[uuid.UUID, int] | None = None,
    type_errors: dict[uuid.UUID, str] | None = None,
    coupon: str = "",
    coupon_error: str | None = None,
    access: str = "",
    access_error: str | None = None,
    waitlist: dict[str, Any] | None = None,
) -> Response[str]:
    """`waitlist`: the waiting-list form sent back with its values and field errors
    (waiting_list_pages.py); the form shows for sold-out types when the event has a waiting list."""
    shown = await public_types(db, event.id, access[:ACCESS_MAX] or None)
    if shown.accepted is False and access_error is None:
        access_error = _(BAD_ACCESS_CODE)
    types = await ticket_types(db, redis, event, ttl=settings.cache.availability_seconds, shown=shown)
    visible = {t.id for t in types}
    other_errors = list(other_errors or [])
    other_errors += [m for k, m in (type_errors or {}).items() if k not in visible]  # no field to show it at
    type_errors = {k: m for k, m in (type_errors or {}).items() if k in visible}
    for t in types:
        t.selected = (chosen or {}).get(t.id, 0)
        if t.choices and t.selected not in t.choices:  # keep what the buyer sent, even if now too many
            t.choices = sorted({*t.choices, t.selected})
    on_sale = any(t.state == "on_sale" for t in types)
    notice = None
    if event.status == "cancelled":
        notice = _("This event has been cancelled.")
    elif event.status == "closed":
        notice = _("Ticket sales for this event have closed.")
    elif types and not on_sale:
        notice = _("No tickets are on sale right now.")
    waitlist_types = []
    if event.status == "published" and any(t.state == "sold_out" for t in types):
        cfg = await settings_of(db, event.id, unscoped=True)
        if cfg is not None and cfg.enabled:
            waitlist_types = [t for t in types if t.state == "sold_out"]
    canonical = f"{settings.server.public_url}/events/{event.slug}"
    seated = await seated_type_ids(db, event.id)  # sold through the seat picker (seat_pages.py)
    image = event_image_read(event, absolute=False)
    org = await organization_of_event(db, event)
    return render(
        "event.html",
        status=status,
        # "VAT incl." only where the organiser is a VAT vendor (a seller who is not must not show VAT)
        shows_vat=org.charged_vat_rate_bp > 0,
        cookies=visit.cookies(),
        event=event,
        address=_address(event),
        types=types,
        seated=seated,
        ga_on_sale=any(t.state == "on_sale" and t.id not in seated for t in types),
        on_sale=on_sale and event.status == "published",
        notice=notice,
        error=error,
        other_errors=other_errors,
        type_errors=type_errors,
        coupon=coupon,
        coupon_error=coupon_error,
        access=access,
        access_code=next((t.access_code for t in shown.types if t.id in shown.unlocked), None),
        access_error=access_error,
        offer_access=shown.has_hidden and event.status == "published",
        robots="noindex" if access else None,  # a secret link's page stays out of search engines
        csrf=visit.form_token(f"reserve:{event.slug}"),
        waitlist_types=waitlist_types,
        waitlist=waitlist or {"values": {}, "errors": {}},
        waitlist_csrf=visit.form_token(f"waitlist:{event.slug}") if waitlist_types else "",
        hold_minutes=settings.limits.hold_minutes,
        description=_summary(event),
        canonical=canonical,
        # Branding (web/checkout/branding_pages.py): the organiser's colour, logo and page; the image.
        brand=branding_of(org),
        image=image,
        hero_srcset=srcset(image) if image else None,
        hero_sizes=HERO_SIZES,
        og_image=absolute(image.sizes[-1].url, settings.server.public_url) if image else None,
        share=share_links(canonical, event.name),
        ends_fmt="%H:%M" if event.starts_at.date() == event.ends_at.date() else "%a %-d %b %Y, %H:%M %Z",
    )


class EventPagesController(Controller):
    include_in_schema = False

    @get("/events/{slug:str}", opt=access(Access.PUBLIC))
    async def show(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> Response[str]:
        visit = Visit(request, settings)
        event = await event_by_slug(db_session, slug)
        if event is None:
            return not_found(visit)
        await record_step(db_session, visit, "page_view", organization_id=event.organization_id, event_id=event.id)
        access = " ".join(str(request.query_params.get("access") or "").split())
        return await event_page(db=db_session, redis=redis, settings=settings, visit=visit, event=event, access=access)

    @post("/events/{slug:str}/reserve", opt=access(Access.PUBLIC), status_code=303)
    async def reserve(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> Response[Any]:
        visit = Visit(request, settings)
        event = await event_by_slug(db_session, slug)
        if event is None:
            return not_found(visit)
        form = await request.form()

        chosen: dict[uuid.UUID, int] = {}
        other_errors: list[str] = []
        type_errors: dict[uuid.UUID, str] = {}
        for key, raw in form.items():
            if not key.startswith("qty_"):
                continue
            try:
                type_id = uuid.UUID(key[4:])
            except ValueError:
                continue
            quantity = parse_whole_number(str(raw).strip() or "0", max_digits=4)
            if quantity is None or quantity > 1000:
                type_errors[type_id] = _("Choose a quantity from the list.")
                continue
            if quantity > 0:
                chosen[type_id] = quantity
        coupon = " ".join(str(form.get("coupon") or "").split()).upper()
        access = " ".join(str(form.get("access") or "").split())[:ACCESS_MAX]

        def again(status: int, error: str, **kw: Any) -> Any:
            return event_page(
                db=db_session,
                redis=redis,
                settings=settings,
                visit=visit,
                event=event,
                status=status,
                error=error,
                other_errors=other_errors,
                chosen=chosen,
                type_errors=type_errors,
                coupon=coupon,
                access=access,
                **kw,
            )

        if not visit.check_form_token(f"reserve:{event.slug}", str(form.get("csrf") or "")):
            return await again(
                403, _("This form has expired or did not come from this site. Please choose your tickets again.")
            )
        if len(coupon) > COUPON_MAX:
            return await again(
                422, _("That coupon code is too long."), coupon_error=_("At most %(n)s characters.", n=COUPON_MAX)
            )
        if type_errors:
            return await again(422, _("Some quantities are not valid."))
        if not chosen:
            return await again(422, _("Choose at least one ticket."))
        if event.status != "published":
            return await again(409, _("Tickets for this event are not on sale."))
        try:
            await ratelimit.hit(redis, f"site-reserve:{visit.session_id}", RESERVES_PER_VISIT, 600)
            held = await workflow_bridge.reserve(
                db_session,
                redis=redis,
                settings=settings,
                event=event,
                items=chosen,
                coupon_code=coupon or None,
                access_code=access or None,
                session_id=visit.session_id,
                form_token=str(form.get("csrf") or ""),
            )
        except AppError as exc:
            problem = workflow_bridge.explain(exc)
            # The workflow names cart fields `items.<index>.<field>`, in the order sent.
            order = list(chosen)
            for name, message in problem.fields.items():
                parts = name.split(".")
                index = parse_whole_number(parts[1]) if len(parts) >= 2 and parts[0] == "items" else None
                if index is not None and index < len(order):
                    type_errors[order[index]] = message
                elif name not in ("coupon_code", "access_code"):
                    other_errors.append(message)
            # Said once: a headline that only repeats the one field message gives way to a general one.
            headline = problem.message
            if headline in problem.fields.values():
                headline = _("There is a problem with your choice.")
            return await again(
                exc.status,
                headline,
                coupon_error=problem.fields.get("coupon_code"),
                access_error=problem.fields.get("access_code"),
            )

        await record_step(
            db_session,
            visit,
            "add_to_cart",
            organization_id=event.organization_id,
            event_id=event.id,
            order_id=held.order_id,
        )
        visit.extra_cookies.append(
            order_cookie(settings, held.reference, held.access_token, max_age=held.cookie_seconds)
        )
        return Redirect(f"/checkout/{held.reference}", status_code=303, cookies=visit.cookies())
