"""The public JSON API for buyers: event with availability, reservations, checkout, order view,
cancel. No session; rate limited per client IP (PUBLIC_RATE_LIMIT per PUBLIC_RATE_WINDOW_SECONDS).
Orders are reached with their reference plus the access token (header `X-Order-Token`)."""

from __future__ import annotations

import time
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.datastructures import ResponseHeader
from litestar.params import Parameter
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.attendees.checkout_details import asked_for_order, details_from_json
from voelgoed.domain.attendees.schemas import (
    AskedTicketRead,
    CheckoutQuestionsRead,
    asked_question_read,
)
from voelgoed.domain.catalog import inventory
from voelgoed.domain.catalog.schemas import PublicEventRead, PublicTicketTypeRead
from voelgoed.domain.catalog.services import public_types
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders import availability
from voelgoed.domain.orders.holds import CartItem
from voelgoed.domain.orders.machines import OrderLifecycle
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.pricing import order_summary, vat_of
from voelgoed.domain.orders.schemas import (
    CheckoutRead,
    CheckoutStart,
    PaymentRedirectRead,
    PublicOrderRead,
    ReservationCreate,
    ReservationRead,
    reservation_read,
)
from voelgoed.domain.organizations.services import charged_vat_rate_bp
from voelgoed.domain.refunds.schemas import refund_brief
from voelgoed.domain.refunds.services import refunds_of_order
from voelgoed.domain.waiting_list.jobs import enqueue_offer_run
from voelgoed.lib import i18n, ratelimit
from voelgoed.lib.client_address import client_address
from voelgoed.lib.openapi_answers import ORDER_ACCESS_HEADER_HELP, ORDER_TOKEN_HEADER
from voelgoed.lib.problems import NotFound, Unprocessable
from voelgoed.settings import Settings
from voelgoed.workflows import checkout

IDEMPOTENCY_HEADER = "Idempotency-Key"
_SLUG_TTL = 5.0
_slugs: dict[str, tuple[float, uuid.UUID]] = {}


def _engine(request: Request[Any, Any, Any]) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.alchemy.get_engine()
    return engine


async def _limit(request: Request[Any, Any, Any], redis: Redis, settings: Settings) -> None:
    if settings.limits.public_rate_limit > 0:
        ip = client_address(request)
        await ratelimit.hit(
            redis, f"public:{ip}", settings.limits.public_rate_limit, settings.limits.public_rate_window_seconds
        )


async def _event_id_for(engine: AsyncEngine, slug: str) -> uuid.UUID:
    """Slug -> event id, cached in-process for a few seconds (the hold itself re-checks the event)."""
    now = time.monotonic()
    hit = _slugs.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    async with engine.connect() as conn:
        event_id = await conn.scalar(select(Event.id).where(Event.slug == slug, Event.status == "published"))
    if event_id is None:
        raise NotFound("No such event, or it is not on sale.")
    if len(_slugs) > 10_000:
        _slugs.clear()
    _slugs[slug] = (now + _SLUG_TTL, event_id)
    return event_id


def _idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not 8 <= len(key) <= 100 or not key.isprintable():
        raise Unprocessable.field(IDEMPOTENCY_HEADER, "8 to 100 printable characters (a UUID is ideal)")
    return key


async def public_order_read(db: AsyncSession, order: Order) -> PublicOrderRead:
    event = await db.scalar(select(Event).where(Event.id == order.event_id).execution_options(**UNSCOPED))
    assert event is not None
    summary = await order_summary(db, order)
    return PublicOrderRead(
        order_id=order.id,
        reference=order.reference,
        status=order.status,
        event_id=event.id,
        event_name=event.name,
        event_slug=event.slug,
        hold_expires_at=order.hold_expires_at,
        buyer_name=order.buyer_name,
        buyer_email=order.buyer_email,
        subtotal_cents=summary.subtotal_cents,
        discount_cents=summary.discount_cents,
        total_cents=summary.total_cents,
        vat_cents=summary.vat_cents,
        paid_at=order.paid_at,
        needs_refund=order.needs_refund,
        lines=summary.lines,
        allowed_transitions=[t for t in OrderLifecycle(order).allowed() if t == "cancel"],
        coupon_code=summary.coupon_code,
        vat_rate_bp=summary.vat_rate_bp,
        refunded_cents=order.refunded_cents,
        refunds=[refund_brief(r) for r in await refunds_of_order(db, order.id)],
    )


class PublicApiController(Controller):
    path = "/api/public"
    tags = ["public"]

    @get(
        "/events/{slug:str}",
        operation_id="getPublicEvent",
        opt=access(Access.PUBLIC),
        # Any site may read it: the ticket widget (web/widget.py) runs on organisers' own sites.
        # Only this read; no credentials (the app's CORS config, app.py, is for the scanner).
        response_headers=[ResponseHeader(name="Access-Control-Allow-Origin", value="*")],
    )
    async def get_event(
        self,
        slug: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
        access_code: str | None = Parameter(query="access", default=None, max_length=60),
    ) -> PublicEventRead:
        """Get a published event

        A published event with its listed ticket types and live availability (cached). With
        `?access=CODE` (a hidden type's access code) that hidden type is included too."""
        await _limit(request, redis, settings)
        event = await db_session.scalar(
            select(Event).where(Event.slug == slug, Event.status.in_(("published", "closed")))
        )
        if event is None:
            raise NotFound("No such event.")
        shown = await public_types(db_session, event.id, access_code)
        types = shown.types
        avail = await availability.availability(
            await db_session.connection(), redis, event.id, ttl=settings.cache.availability_seconds
        )
        now = inventory.utcnow()
        selling = event.status == "published" and event.ends_at > now
        tz = ZoneInfo(event.timezone)
        vat_rate = await charged_vat_rate_bp(db_session, event.organization_id)
        return PublicEventRead(
            id=event.id,
            slug=event.slug,
            name=event.name,
            description=event.description,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            starts_at_local=event.starts_at.astimezone(tz),
            ends_at_local=event.ends_at.astimezone(tz),
            timezone=event.timezone,
            venue_name=event.venue.name if event.venue else None,
            venue_city=event.venue.city if event.venue else None,
            status=event.status,
            available=avail.event_available,
            ticket_types=[
                PublicTicketTypeRead(
                    id=t.id,
                    name=t.name,
                    description=t.description,
                    price_cents=t.price_cents,
                    vat_cents=vat_of(t.price_cents, vat_rate),
                    available=avail.of(t.id),
                    sold_out=avail.of(t.id) <= 0,
                    on_sale=selling
                    and (t.sales_start_at is None or t.sales_start_at <= now)
                    and (t.sales_end_at is None or now < t.sales_end_at),
                    sales_start_at=t.sales_start_at,
                    sales_end_at=t.sales_end_at,
                    min_per_order=t.min_per_order,
                    max_per_order=t.max_per_order,
                    unlocked=t.id in shown.unlocked,
                )
                for t in types
            ],
            access_code_accepted=shown.accepted,
            vat_rate_bp=vat_rate,
        )

    @post(
        "/events/{slug:str}/reservations",
        operation_id="createReservation",
        opt=access(Access.PUBLIC),
        status_code=201,
    )
    async def create_reservation(
        self,
        slug: str,
        data: ReservationCreate,
        request: Request[Any, Any, Any],
        redis: Redis,
        settings: Settings,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, max_length=100),
    ) -> ReservationRead:
        """Reserve tickets

        Hold tickets (HOLD_MINUTES). The `access_token` in the answer is shown once: send it as
        `X-Order-Token` to see, pay or cancel the order. The same `Idempotency-Key` returns the
        same order."""
        await _limit(request, redis, settings)
        engine = _engine(request)
        key = _idempotency_key(idempotency_key)
        for attempt in (1, 2):
            event_id = await _event_id_for(engine, slug)
            try:
                held = await checkout.reserve(
                    engine,
                    event_id=event_id,
                    items=[CartItem(i.ticket_type_id, i.quantity) for i in data.items],
                    coupon_code=data.coupon_code,
                    access_code=data.access_code,
                    idempotency_key=key,
                    session_id=data.session_id,
                    redis=redis,
                    settings=settings,
                )
            except NotFound:
                _slugs.pop(slug, None)  # the cached slug may be stale (renamed, unpublished)
                if attempt == 2:
                    raise
                continue
            return reservation_read(held)
        raise NotFound("No such event.")  # not reached

    @post(
        "/orders/{reference:str}/checkout",
        operation_id="startCheckout",
        opt=access(Access.PUBLIC),
        status_code=200,
    )
    async def start_checkout(
        self,
        reference: str,
        data: CheckoutStart,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
        order_token: str = Parameter(header=ORDER_TOKEN_HEADER, description=ORDER_ACCESS_HEADER_HELP, min_length=1),
    ) -> CheckoutRead:
        """Check out and pay

        Buyer details and payment: answers where to send the buyer (GET link or POST form).
        Retrying while a payment is open answers the same transaction. The buyer's e-mails and
        ticket PDF are written in the language of the request's Accept-Language (English or
        Afrikaans; English when it names neither)."""
        await _limit(request, redis, settings)
        started = await checkout.start_checkout(
            db_session,
            reference=reference,
            token=order_token,
            buyer_name=data.buyer_name,
            buyer_email=data.buyer_email,
            buyer_phone=data.buyer_phone,
            provider=data.provider,
            settings=settings,
            details=details_from_json(data.answers, data.tickets),
        )
        # The language of the buyer's e-mails and PDF (docs/i18n.md), as the checkout site records it.
        started.order.locale = i18n.negotiate(request.headers.get("accept-language")) or i18n.DEFAULT_LOCALE
        r = started.redirect
        return CheckoutRead(
            order=await public_order_read(db_session, started.order),
            payment=PaymentRedirectRead(
                transaction_id=started.transaction.id,
                provider=started.transaction.provider,
                url=r.url,
                method=r.method,
                fields=dict(r.fields),
            ),
        )

    @get("/orders/{reference:str}/questions", operation_id="getCheckoutQuestions", opt=access(Access.PUBLIC))
    async def get_questions(
        self,
        reference: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
        order_token: str = Parameter(header=ORDER_TOKEN_HEADER, description=ORDER_ACCESS_HEADER_HELP, min_length=1),
    ) -> CheckoutQuestionsRead:
        """Get the checkout questions for my order

        What `startCheckout` asks for this order: the organiser's questions per order and per
        ticket (with why each is asked), and whether each ticket needs its holder's name."""
        await _limit(request, redis, settings)
        order = await checkout.order_for_buyer(db_session, reference, order_token)
        asked = await asked_for_order(db_session, order)
        return CheckoutQuestionsRead(
            holder_names=asked.holder_names,
            order_questions=[asked_question_read(q) for q in asked.order_questions],
            tickets=[
                AskedTicketRead(
                    ticket_type_id=t.ticket_type_id,
                    ticket_type_name=t.type_name,
                    number=t.number,
                    questions=[asked_question_read(q) for q in t.questions],
                )
                for t in asked.tickets
            ],
        )

    @get("/orders/{reference:str}", operation_id="getPublicOrder", opt=access(Access.PUBLIC))
    async def get_order(
        self,
        reference: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
        order_token: str = Parameter(header=ORDER_TOKEN_HEADER, description=ORDER_ACCESS_HEADER_HELP, min_length=1),
    ) -> PublicOrderRead:
        """Get my order

        The order as its buyer sees it: status, lines, totals, hold expiry and, once paid, where to download the
        tickets. Needs the order's token in X-Order-Token (from `createReservation`); a wrong reference or token is
        a 404 either way. Rate limited per client address."""
        await _limit(request, redis, settings)
        order = await checkout.order_for_buyer(db_session, reference, order_token)
        return await public_order_read(db_session, order)

    @post(
        "/orders/{reference:str}/cancel",
        operation_id="cancelPublicOrder",
        opt=access(Access.PUBLIC),
        status_code=200,
    )
    async def cancel_order(
        self,
        reference: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
        queue: Queue,
        order_token: str = Parameter(header=ORDER_TOKEN_HEADER, description=ORDER_ACCESS_HEADER_HELP, min_length=1),
    ) -> PublicOrderRead:
        """Cancel my unpaid order

        Give the hold back (reserved or awaiting payment): the tickets are free again at once."""
        await _limit(request, redis, settings)
        order = await checkout.cancel_order(db_session, reference=reference, token=order_token)
        read = await public_order_read(db_session, order)
        await db_session.commit()
        await availability.invalidate_availability(redis, order.event_id)
        await enqueue_offer_run(queue, order.event_id)  # the next on a waiting list gets them
        return read
