"""The seat picker of a seated event: GET /events/{slug}/seats, its map data, and two forms.

The page is a real HTML form first: every seat is a checkbox grouped by section and row (for a
large venue, one section at a time: `?section=KEY`), and each category has a "Best available"
form with a quantity. Both POST here and work without JavaScript. static/seats.js draws the SVG
map from seat_map.py's compact encoding, which the page carries as JSON data (a large map is
fetched from `/events/{slug}/seats/map.json`, preloaded), and ticks the same checkboxes, so there is one submit path.
Holds go through the same service as the public createSeatReservation (web/seating_api.py:
place_seat_hold); the result is an ordinary held order and the buyer continues at
/checkout/{reference}. A seat taken meanwhile re-renders the page with a 409, the backend's
message and its nearest free seats ticked instead.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.events.models import Event
from voelgoed.domain.organizations.branding import branding_of
from voelgoed.domain.seating.holds import MAX_SEATS_PER_REQUEST
from voelgoed.domain.seating.nearest import warm_soon
from voelgoed.domain.seating.schemas import BestAvailable, SeatReservationCreate
from voelgoed.lib import ratelimit
from voelgoed.lib.digits import parse_whole_number
from voelgoed.lib.i18n import gettext as _
from voelgoed.lib.problems import AppError, Conflict
from voelgoed.settings import Settings
from voelgoed.web.buyer_api import _engine
from voelgoed.web.checkout import workflow_bridge
from voelgoed.web.checkout.branding_pages import organization_of_event
from voelgoed.web.checkout.event_listing import event_by_slug
from voelgoed.web.checkout.event_pages import RESERVES_PER_VISIT, not_found
from voelgoed.web.checkout.render import SEATS_JS_URL, render
from voelgoed.web.checkout.seat_map import (
    INLINE_MAP_UP_TO,
    SECTIONS_FIRST_OVER,
    Picker,
    load_picker,
    map_json,
    map_script_text,
)
from voelgoed.web.checkout.security import Visit, order_cookie, record_step
from voelgoed.web.seating_api import place_seat_hold

QUANTITIES = range(1, 11)


async def seats_page(
    *,
    db: AsyncSession,
    redis: Redis,
    settings: Settings,
    visit: Visit,
    event: Event,
    picker: Picker,
    section_key: str = "",
    status: int = 200,
    error: str | None = None,
    errors: list[str] | None = None,
    chosen: set[int] | None = None,
    offered: list[str] | None = None,
) -> Response[str]:
    """`chosen`: seat positions ticked (the buyer's, or the alternatives offered after a 409)."""
    sections_first = picker.seat_count > SECTIONS_FIRST_OVER and len(picker.sections) > 1
    shown = picker.sections
    if sections_first:
        shown = [s for s in picker.sections if s.key == section_key]
    chosen = chosen or set()
    on_sale = event.status == "published"
    inline_map = picker.seat_count <= INLINE_MAP_UP_TO
    listed = {s.position for sec in shown for r in sec.rows for s in r.seats}
    by_position = picker.by_position()
    org = await organization_of_event(db, event)
    return render(
        "seats.html",
        status=status,
        cookies=visit.cookies(),
        event=event,
        picker=picker,
        sections=shown,
        sections_first=sections_first,
        section_key=section_key,
        category_of={c.key: c for c in picker.categories},
        on_sale=on_sale,
        error=error,
        errors=errors or [],
        chosen=chosen,
        # ticked seats of other sections (picked on the map, or offered) travel as hidden fields
        hidden_chosen=sorted(p for p in chosen if p not in listed and p in by_position),
        offered=offered or [],
        quantities=QUANTITIES,
        csrf=visit.form_token(f"seats:{event.slug}"),
        map_url=f"/events/{event.slug}/seats/map.json",
        # the map's data in the page: seats.js draws without waiting for a second request (and the
        # server reads the plan once, not twice); a large map is preloaded instead (seat_map.py)
        map_data=map_script_text(picker) if on_sale and inline_map else "",
        preload_map=on_sale and not inline_map,
        seats_js_url=SEATS_JS_URL,
        shows_vat=org.charged_vat_rate_bp > 0,
        hold_minutes=settings.limits.hold_minutes,
        brand=branding_of(org),
        robots="noindex",
    )


def _seat_name(s: Any) -> str:
    return _("%(section)s, row %(row)s, seat %(seat)s", section=s["section"], row=s["row"], seat=s["label"])


class SeatPagesController(Controller):
    include_in_schema = False

    async def _load(self, db: AsyncSession, redis: Redis, settings: Settings, slug: str) -> tuple[Event, Picker] | None:
        event = await event_by_slug(db, slug)
        if event is None:
            return None
        picker = await load_picker(db, redis, event, cache=settings.cache.availability_seconds > 0)
        if picker is None:
            return None
        return event, picker

    @get("/events/{slug:str}/seats", opt=access(Access.PUBLIC))
    async def show(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> Response[str]:
        visit = Visit(request, settings)
        found = await self._load(db_session, redis, settings, slug)
        if found is None:
            return not_found(visit)
        event, picker = found
        warm_soon(_engine(request), event.id)  # the buyer is about to take seats
        section = str(request.query_params.get("section") or "")[:100]
        return await seats_page(
            db=db_session, redis=redis, settings=settings, visit=visit, event=event, picker=picker, section_key=section
        )

    @get("/events/{slug:str}/seats/map.json", opt=access(Access.PUBLIC))
    async def map_data(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> Response[bytes]:
        """The compact map (seat_map.py); revalidated by an ETag of its bytes (status included)."""
        found = await self._load(db_session, redis, settings, slug)
        if found is None:
            return Response(b'{"error":"not found"}', status_code=404, media_type="application/json")
        body = map_json(found[1])
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"}
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    @post("/events/{slug:str}/seats", opt=access(Access.PUBLIC), status_code=303)
    async def hold_chosen(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> Response[Any]:
        """The buyer's ticked seats (`seat` = positions, from the list or the map)."""
        form = await request.form()
        chosen: list[int] = []
        for raw in form.getall("seat") if "seat" in form else []:
            n = parse_whole_number(str(raw).strip(), max_digits=6)
            if n is not None and n not in chosen:
                chosen.append(n)
        return await self._hold(slug, request, db_session, redis, settings, form, chosen=chosen)

    @post("/events/{slug:str}/seats/best", opt=access(Access.PUBLIC), status_code=303)
    async def hold_best(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> Response[Any]:
        """Best available: `category` (its key) and `quantity`."""
        form = await request.form()
        quantity = parse_whole_number(str(form.get("quantity") or "").strip(), max_digits=3)
        category = str(form.get("category") or "")[:50]
        return await self._hold(slug, request, db_session, redis, settings, form, best=(category, quantity))

    async def _hold(
        self,
        slug: str,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        redis: Redis,
        settings: Settings,
        form: Any,
        *,
        chosen: list[int] | None = None,
        best: tuple[str, int | None] | None = None,
    ) -> Response[Any]:
        visit = Visit(request, settings)
        found = await self._load(db, redis, settings, slug)
        if found is None:
            return not_found(visit)
        event, picker = found
        section = str(form.get("section") or "")[:100]

        async def again(status: int, error: str, **kw: Any) -> Response[str]:
            kw.setdefault("chosen", set(chosen or []))
            return await seats_page(
                db=db,
                redis=redis,
                settings=settings,
                visit=visit,
                event=event,
                picker=picker,
                section_key=section,
                status=status,
                error=error,
                **kw,
            )

        if not visit.check_form_token(f"seats:{event.slug}", str(form.get("csrf") or "")):
            return await again(
                403, _("This form has expired or did not come from this site. Please choose your seats again.")
            )
        if event.status != "published":
            return await again(409, _("Tickets for this event are not on sale."))
        data: SeatReservationCreate
        if best is not None:
            category, quantity = best
            if quantity is None or quantity < 1:
                return await again(422, _("Choose how many seats you want."))
            data = SeatReservationCreate(
                best_available=BestAvailable(category=category, quantity=quantity), session_id=visit.session_id
            )
        else:
            by_position = picker.by_position()
            if not chosen:
                return await again(422, _("Choose at least one seat."))
            if len(chosen) > MAX_SEATS_PER_REQUEST or any(p not in by_position for p in chosen):
                return await again(422, _("Choose seats from the map or the list."), chosen=set())
            data = SeatReservationCreate(seat_ids=[by_position[p].seat_id for p in chosen], session_id=visit.session_id)
        csrf = str(form.get("csrf") or "")
        what = ",".join(map(str, chosen)) if chosen is not None else f"best:{best}"
        key = "site-seats:" + hashlib.sha256(f"{visit.session_id}|{csrf}|{what}".encode()).hexdigest()[:40]
        try:
            await ratelimit.hit(redis, f"site-reserve:{visit.session_id}", RESERVES_PER_VISIT, 600)
            result = await place_seat_hold(_engine(request), redis, event.id, data, key, settings)
            token = result.hold.access_token
            if token is None:  # a replay whose token is not shown again
                raise Conflict("This reservation was already made. Please check your e-mail or start again.")
        except AppError as exc:
            problem = workflow_bridge.explain(exc)
            alternatives = (exc.extensions or {}).get("alternatives") or []
            if alternatives:  # the nearest free seats, ticked for the buyer to confirm
                picker = await load_picker(db, redis, event, cache=False) or picker
                return await again(
                    exc.status,
                    problem.message,
                    errors=list(dict.fromkeys(problem.fields.values())),
                    chosen=set(picker.positions_of([a["seat_id"] for a in alternatives])),
                    offered=[_seat_name(a) for a in alternatives],
                )
            messages = [m for m in dict.fromkeys(problem.fields.values()) if m != problem.message]
            return await again(exc.status, problem.message, errors=messages)

        hold = result.hold
        await record_step(
            db, visit, "add_to_cart", organization_id=event.organization_id, event_id=event.id, order_id=hold.order_id
        )
        held = workflow_bridge.Held(
            order_id=hold.order_id,
            reference=hold.reference,
            access_token=token,
            hold_expires_at=hold.hold_expires_at,
        )
        visit.extra_cookies.append(
            order_cookie(settings, held.reference, held.access_token, max_age=held.cookie_seconds)
        )
        return Redirect(f"/checkout/{held.reference}", status_code=303, cookies=visit.cookies())
