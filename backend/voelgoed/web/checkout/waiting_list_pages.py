"""The waiting list on the checkout site: the join form of a sold-out type (on the event page), and
the offer link of the e-mail.

The link's GET only shows the offer with a button: mail scanners and link previews open links, and
a GET that used the offer would spend it before the buyer saw it. The button's POST claims the
offer once (workflows/waiting_list_offers.py), puts the held order's new token in the order cookie
and continues at the usual checkout page. A second use answers 409, an expired offer 410, each as
a page saying so.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.models import Order
from voelgoed.domain.waiting_list.schemas import WaitingListJoin
from voelgoed.lib.client_address import client_address
from voelgoed.lib.digits import parse_whole_number
from voelgoed.lib.i18n import N_
from voelgoed.lib.i18n import gettext as _
from voelgoed.lib.problems import AppError
from voelgoed.lib.templates import local_time
from voelgoed.settings import Settings
from voelgoed.web.checkout import workflow_bridge
from voelgoed.web.checkout.event_listing import event_by_slug
from voelgoed.web.checkout.event_pages import event_page, not_found
from voelgoed.web.checkout.render import render
from voelgoed.web.checkout.security import Visit, order_cookie
from voelgoed.web.waiting_list_api import join_waiting_list, limit_joins
from voelgoed.workflows.waiting_list_offers import claim_offer, find_offer, refuse_unusable

FIELDS = ("ticket_type_id", "quantity", "name", "email")
OFFER_HEADINGS = {404: N_("Offer not found"), 409: N_("Offer already used"), 410: N_("Offer expired")}
CHECK_THE_FORM = N_("Please check the waiting-list form.")


def _offer_problem(exc: AppError, visit: Visit) -> Response[str]:
    return render(
        "message.html",
        status=exc.status,
        cookies=visit.cookies(),
        heading=_(OFFER_HEADINGS.get(exc.status, N_("Offer not available"))),
        paragraphs=[workflow_bridge.translate_problem(exc.detail)],
        link=("/", _("See upcoming events")),
        robots="noindex",
    )


class WaitingListPagesController(Controller):
    include_in_schema = False

    @post("/events/{slug:str}/waiting-list", opt=access(Access.PUBLIC), status_code=200)
    async def join(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> Response[str]:
        visit = Visit(request, settings)
        event = await event_by_slug(db_session, slug)
        if event is None:
            return not_found(visit)
        form = await request.form()
        values = {k: " ".join(str(form.get(k) or "").split())[:320] for k in FIELDS}

        async def again(status: int, error: str, errors: dict[str, str]) -> Response[str]:
            page = {"values": values, "errors": errors, "error": error}
            return await event_page(
                db=db_session, redis=redis, settings=settings, visit=visit, event=event, status=status, waitlist=page
            )

        if not visit.check_form_token(f"waitlist:{event.slug}", str(form.get("csrf") or "")):
            return await again(403, _("This form has expired or did not come from this site. Please try again."), {})
        errors: dict[str, str] = {}
        try:
            type_id = uuid.UUID(values["ticket_type_id"])
        except ValueError:
            errors["ticket_type_id"] = _("Choose a ticket type.")
        quantity = parse_whole_number(values["quantity"] or "1", max_digits=4)
        if quantity is None or not 1 <= quantity <= 1000:
            errors["quantity"] = _("Choose how many tickets from the list.")
        if not values["name"]:
            errors["name"] = _("Tell us your name.")
        if not values["email"]:
            errors["email"] = _("Enter your e-mail address; the offer is sent there.")
        if errors:
            return await again(422, _(CHECK_THE_FORM), errors)
        try:
            await limit_joins(redis, client_address(request))
            data = msgspec.convert(
                {"ticket_type_id": type_id, "quantity": quantity, "name": values["name"], "email": values["email"]},
                WaitingListJoin,
            )
            joined, _created = await join_waiting_list(db_session, event, data)
        except AppError as exc:
            fields = {
                e.field: workflow_bridge.translate_problem(e.message) for e in exc.errors or [] if e.field in FIELDS
            }
            return await again(exc.status, workflow_bridge.translate_problem(exc.detail), fields)
        except msgspec.ValidationError:
            return await again(422, _(CHECK_THE_FORM), {"email": _("Enter a valid e-mail address.")})
        tt_name = await db_session.scalar(
            select(TicketType.name).where(TicketType.id == joined.ticket_type_id).execution_options(**UNSCOPED)
        )
        return render(
            "message.html",
            cookies=visit.cookies(),
            heading=_("You are on the waiting list"),
            paragraphs=[
                _(
                    "We will e-mail %(email)s when %(quantity)s %(type)s ticket(s) for %(event)s come back."
                    " The first in line gets them first.",
                    email=values["email"].lower(),
                    quantity=joined.quantity,
                    type=tt_name,
                    event=event.name,
                ),
            ],
            link=(f"/events/{event.slug}", _("Back to the event")),
            robots="noindex",
        )

    @get("/waiting-list/offers/{token:str}", opt=access(Access.PUBLIC))
    async def show_offer(
        self, token: str, request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
    ) -> Response[str]:
        visit = Visit(request, settings)
        try:
            entry = await find_offer(db_session, token[:100])
            order = (
                await db_session.scalar(select(Order).where(Order.id == entry.order_id).execution_options(**UNSCOPED))
                if entry.order_id
                else None
            )
            refuse_unusable(entry, order, datetime.now(UTC))
        except AppError as exc:
            return _offer_problem(exc, visit)
        event = await db_session.scalar(select(Event).where(Event.id == entry.event_id).execution_options(**UNSCOPED))
        tt = await db_session.scalar(
            select(TicketType).where(TicketType.id == entry.ticket_type_id).execution_options(**UNSCOPED)
        )
        assert event is not None and tt is not None and entry.offer_expires_at is not None
        return render(
            "waiting_list_offer.html",
            cookies=visit.cookies(),
            event=event,
            entry=entry,
            type_name=tt.name,
            expires_local=local_time(entry.offer_expires_at, event.timezone),
            token=token,
            csrf=visit.form_token(f"offer:{token[:24]}"),
            robots="noindex",
        )

    @post("/waiting-list/offers/{token:str}", opt=access(Access.PUBLIC), status_code=303)
    async def claim(
        self, token: str, request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
    ) -> Response[Any]:
        visit = Visit(request, settings)
        form = await request.form()
        if not visit.check_form_token(f"offer:{token[:24]}", str(form.get("csrf") or "")):
            return render(
                "message.html",
                status=403,
                cookies=visit.cookies(),
                heading=_("Please open the link again"),
                paragraphs=[
                    _("This form has expired or did not come from this site. Open the link from the e-mail again.")
                ],
                robots="noindex",
            )
        try:
            claimed = await claim_offer(db_session, token[:100])
        except AppError as exc:
            return _offer_problem(exc, visit)
        reference = claimed.order.reference
        left = int((claimed.order.hold_expires_at - datetime.now(UTC)).total_seconds())
        await db_session.commit()
        visit.extra_cookies.append(order_cookie(settings, reference, claimed.access_token, max_age=left + 24 * 3600))
        return Redirect(f"/checkout/{reference}", status_code=303, cookies=visit.cookies())
