"""Buyer details, payment hand-off, the order page and order lookup.

GET/POST /checkout/{reference}: the order's access token comes from the path-scoped HttpOnly
cookie set at reserve, never from the URL. GET /orders/{reference}?token=...: the link the buyer
returns to from the provider and finds in their e-mail. /orders/lookup e-mails that link again.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.attendees.checkout_details import Asked, asked_for_order, check, stored_details
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.pricing import order_summary
from voelgoed.domain.refunds.services import refunds_of_order
from voelgoed.domain.tickets.issuing import listed_tickets
from voelgoed.lib import ratelimit
from voelgoed.lib.client_address import client_address
from voelgoed.lib.contact import fold_email, is_email, is_phone
from voelgoed.lib.i18n import N_
from voelgoed.lib.i18n import gettext as _
from voelgoed.lib.problems import AppError
from voelgoed.settings import Settings
from voelgoed.web.checkout import attendee_form, workflow_bridge
from voelgoed.web.checkout.billing_sections import tax_section
from voelgoed.web.checkout.render import render
from voelgoed.web.checkout.seat_map import order_seat_names
from voelgoed.web.checkout.security import Visit, order_cookie_name, record_step

LOOKUPS_PER_IP = 5  # per 15 minutes
LOOKUPS_PER_REFERENCE = 3  # per hour
ENTER_EMAIL = N_("Enter an e-mail address like name@example.co.za.")
CORRECT_BELOW = N_("Please correct the details below.")
FORM_EXPIRED = N_("This form has expired or did not come from this site. Please try again.")


def _gone(visit: Visit) -> Response[str]:
    return render(
        "message.html",
        status=404,
        cookies=visit.cookies(),
        heading=_("We cannot find this checkout"),
        paragraphs=[
            _("Checkouts continue only in the browser where the tickets were reserved."),
            _("If you already paid, use the link in your e-mail, or find your order below."),
        ],
        link=("/orders/lookup", _("Find my order")),
        robots="noindex",
    )


def _order_url(reference: str, token: str) -> str:
    return f"/orders/{reference}?token={token}"


async def _checkout_page(
    db: AsyncSession,
    settings: Settings,
    visit: Visit,
    order: Order,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    asked: Asked | None = None,
    answers: dict[str, str] | None = None,
) -> Response[str]:
    event = await workflow_bridge.event_of(db, order)
    asked = asked or await asked_for_order(db, order)
    if answers is None:  # back at the details step: what the buyer sent before
        answers = attendee_form.values_from_details(asked, await stored_details(db, order))
    providers = await workflow_bridge.providers_for(db, settings, order.organization_id)
    shown = {
        "buyer_name": order.buyer_name or "",
        "buyer_email": order.buyer_email or "",
        "buyer_phone": order.buyer_phone or "",
        "provider": providers[0].name if providers else "",
        **(values or {}),
    }
    return render(
        "checkout.html",
        status=status,
        cookies=visit.cookies(),
        order=order,
        event=event,
        summary=await order_summary(db, order),
        seats=await order_seat_names(db, order.id),
        providers=providers,
        values=shown,
        errors=errors or {},
        error=error,
        order_fields=attendee_form.order_fields(asked),
        ticket_fields=attendee_form.ticket_fields(asked),
        holder_names=asked.holder_names,
        answers=answers,
        csrf=visit.form_token(f"checkout:{order.reference}"),
        robots="noindex",
    )


def _validate_buyer(values: dict[str, str], providers: list[str], free: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = values["buyer_name"]
    if not name:
        errors["buyer_name"] = _("Enter your full name.")
    elif len(name) > 200:
        errors["buyer_name"] = _("Your name can be at most %(n)s characters.", n=200)
    if not values["buyer_email"]:
        errors["buyer_email"] = _("Enter your e-mail address: your tickets are sent there.")
    elif not is_email(fold_email(values["buyer_email"])):
        errors["buyer_email"] = _(ENTER_EMAIL)
    if values["buyer_phone"] and not is_phone(values["buyer_phone"]):
        errors["buyer_phone"] = _("Enter a phone number like 082 123 4567, or leave it empty.")
    if not free and values["provider"] not in providers:
        errors["provider"] = _("Choose how to pay.")
    return errors


async def order_page(
    db: AsyncSession,
    visit: Visit,
    order: Order,
    token: str,
    *,
    status: int = 200,
    billing: dict[str, Any] | None = None,
) -> Response[str]:
    """The order page (the buyer holds `token`); `billing` carries a billing form's values and
    errors back (billing_pages.py)."""
    event = await workflow_bridge.event_of(db, order)
    tickets = [
        {
            "code": t.code,
            "holder_name": t.ticket.holder_name,
            "status": t.ticket.status,
            "type_name": t.type_name,
            "seat": t.seat,
        }
        for t in await listed_tickets(db, order.id)  # the order the PDF and e-mail use
    ]
    failed = await workflow_bridge.last_payment_failed(db, order)
    return render(
        "order.html",
        status=status,
        cookies=visit.cookies(),
        order=order,
        event=event,
        summary=await order_summary(db, order),
        seats=await order_seat_names(db, order.id),
        tickets=tickets if order.paid_at is not None else [],  # revoked ones too, marked
        refunds=await refunds_of_order(db, order.id),
        pdf_url=f"/orders/{order.reference}/tickets.pdf?token={token}",
        refresh=order.status == "awaiting_payment" and not failed,
        failed=failed,
        retry=f"/checkout/{order.reference}",
        tax=await tax_section(db, visit, order, token, **(billing or {})),
        robots="noindex",
        headers={"Referrer-Policy": "no-referrer"},
    )


class CheckoutController(Controller):
    include_in_schema = False

    @get("/checkout/{reference:str}", opt=access(Access.PUBLIC))
    async def details(
        self, reference: str, request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
    ) -> Response[Any]:
        visit = Visit(request, settings)
        token = request.cookies.get(order_cookie_name(reference))
        order = await workflow_bridge.order_for_token(db_session, reference, token)
        if order is None or token is None:
            return _gone(visit)
        if order.status not in HOLDING_STATUSES:
            return Redirect(_order_url(order.reference, token), status_code=303, cookies=visit.cookies())
        return await _checkout_page(db_session, settings, visit, order)

    @post("/checkout/{reference:str}", opt=access(Access.PUBLIC), status_code=303)
    async def pay(
        self,
        reference: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
    ) -> Response[Any]:
        visit = Visit(request, settings)
        token = request.cookies.get(order_cookie_name(reference))
        order = await workflow_bridge.order_for_token(db_session, reference, token)
        if order is None or token is None:
            return _gone(visit)
        form = await request.form()
        values = {
            k: " ".join(str(form.get(k) or "").split())
            for k in ("buyer_name", "buyer_email", "buyer_phone", "provider")
        }
        values["buyer_email"] = values["buyer_email"].replace(" ", "")
        asked = await asked_for_order(db_session, order)
        answers = attendee_form.values_from_form(asked, form)
        details = attendee_form.details_from_values(asked, answers)
        if not visit.check_form_token(f"checkout:{order.reference}", str(form.get("csrf") or "")):
            return await _checkout_page(
                db_session,
                settings,
                visit,
                order,
                status=403,
                values=values,
                asked=asked,
                answers=answers,
                error=_(
                    "This form has expired or did not come from this site. Please check your details and try again."
                ),
            )
        if order.status not in HOLDING_STATUSES:
            return Redirect(_order_url(order.reference, token), status_code=303, cookies=visit.cookies())
        providers = [p.name for p in await workflow_bridge.providers_for(db_session, settings, order.organization_id)]
        free = order.total_cents == 0
        if free and not values["provider"]:
            values["provider"] = providers[0] if providers else "simulated"
        errors = _validate_buyer(values, providers, free) | check(asked, details)[1]
        if errors:
            return await _checkout_page(
                db_session,
                settings,
                visit,
                order,
                status=422,
                values=values,
                asked=asked,
                answers=answers,
                errors=errors,
                error=_(CORRECT_BELOW),
            )
        # The buyer's e-mails and ticket PDF are written in the language they checked out in.
        order.locale = visit.locale
        try:
            redirect = await workflow_bridge.start_checkout(
                db_session,
                order=order,
                token=token,
                buyer_name=values["buyer_name"],
                buyer_email=values["buyer_email"],
                buyer_phone=values["buyer_phone"] or None,
                provider=values["provider"],
                settings=settings,
                details=details,
            )
        except AppError as exc:
            problem = workflow_bridge.explain(exc)
            await db_session.rollback()
            fresh = await workflow_bridge.order_for_token(db_session, reference, token)
            if fresh is None or fresh.status not in HOLDING_STATUSES:
                return Redirect(_order_url(reference, token), status_code=303, cookies=visit.cookies())
            return await _checkout_page(
                db_session,
                settings,
                visit,
                fresh,
                status=exc.status,
                values=values,
                answers=answers,
                errors={k: v for k, v in problem.fields.items() if k in values or k in answers},
                error=problem.message,
            )
        await record_step(
            db_session,
            visit,
            "checkout_started",
            organization_id=order.organization_id,
            event_id=order.event_id,
            order_id=order.id,
        )
        if redirect.method.upper() == "POST":
            return render(
                "redirect.html",
                cookies=visit.cookies(),
                url=redirect.url,
                fields=redirect.fields,
                reference=order.reference,
                amount=order.total_cents,
                provider_label=workflow_bridge.provider_label(values["provider"]),
                robots="noindex",
            )
        return Redirect(redirect.url, status_code=303, cookies=visit.cookies())


class OrderPagesController(Controller):
    include_in_schema = False

    @get("/orders/{reference:str}", opt=access(Access.PUBLIC))
    async def order(
        self,
        reference: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
        token: str | None = None,
        billing: str | None = Parameter(default=None, max_length=20),
    ) -> Response[str]:
        visit = Visit(request, settings)
        order = await workflow_bridge.order_for_token(db_session, reference, token)
        if order is None or token is None:
            return render(
                "message.html",
                status=404,
                cookies=visit.cookies(),
                heading=_("Order not found"),
                paragraphs=[_("This link is not valid, or it has been replaced by a newer one.")],
                link=("/orders/lookup", _("E-mail me a new link")),
                robots="noindex",
            )
        saved = billing if billing in ("saved", "reissued") else None
        return await order_page(db_session, visit, order, token, billing={"saved": saved})

    @get("/orders/lookup", opt=access(Access.PUBLIC))
    async def lookup_form(self, request: Request[Any, Any, Any], settings: Settings) -> Response[str]:
        visit = Visit(request, settings)
        return render(
            "lookup.html",
            cookies=visit.cookies(),
            csrf=visit.form_token("lookup"),
            values={"reference": "", "email": ""},
            errors={},
            sent=False,
        )

    @post("/orders/lookup", opt=access(Access.PUBLIC), status_code=200)
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        queue: Queue,
        settings: Settings,
    ) -> Response[str]:
        visit = Visit(request, settings)
        form = await request.form()
        values = {
            "reference": str(form.get("reference") or "").strip().upper()[:20],
            "email": str(form.get("email") or "").strip()[:320],
        }
        errors: dict[str, str] = {}
        if not re.fullmatch(r"(VG-)?[A-Z0-9]{8}", values["reference"]):
            errors["reference"] = _("Enter the reference from your e-mail, like VG-7K3M9QX2.")
        if not is_email(fold_email(values["email"])):
            errors["email"] = _(ENTER_EMAIL)

        def page(status: int, *, sent: bool = False, error: str | None = None) -> Response[str]:
            return render(
                "lookup.html",
                status=status,
                cookies=visit.cookies(),
                csrf=visit.form_token("lookup"),
                values=values,
                errors=errors,
                sent=sent,
                error=error,
            )

        if not visit.check_form_token("lookup", str(form.get("csrf") or "")):
            return page(403, error=_(FORM_EXPIRED))
        if errors:
            return page(422, error=_(CORRECT_BELOW))
        client_ip = client_address(request)
        try:
            await ratelimit.hit(redis, f"site-lookup-ip:{client_ip}", LOOKUPS_PER_IP, 900)
            await ratelimit.hit(redis, f"site-lookup-ref:{values['reference']}", LOOKUPS_PER_REFERENCE, 3600)
        except AppError as exc:
            return page(exc.status, error=workflow_bridge.explain(exc).message)
        # The same answer whether or not the pair exists: nothing about orders leaks from here.
        await workflow_bridge.send_order_link(db_session, queue, settings, values["reference"], values["email"])
        return page(200, sent=True)
