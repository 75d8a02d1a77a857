"""The checkout workflow: the one place that crosses catalog, orders, payments and tickets.

- `reserve(...)`: validate the cart and hold stock; an order in `reserved` with a hold expiry.
  Group-committed with concurrent holds of the same event (domain/orders/holds.py), so it
  commits on its own (the session passed in only tells which database to use).
- `start_checkout(...)`: buyer details, order reserved -> awaiting_payment, a payment transaction
  opened, and the provider's redirect. Runs in the caller's transaction.
- `complete_checkout(...)`: confirm (or fail) a payment, idempotently, in one transaction.
- `cancel_order(...)`: the buyer gives the hold back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from redis.asyncio import Redis
from saq import Queue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.db.timeouts import request_connect_args
from voelgoed.domain.analytics.services import record
from voelgoed.domain.attendees.checkout_details import Details, record_details
from voelgoed.domain.catalog import inventory
from voelgoed.domain.events.models import Event
from voelgoed.domain.invoices.issuing import issue_invoice
from voelgoed.domain.ledger.posting import record_payment
from voelgoed.domain.orders import availability
from voelgoed.domain.orders.holds import CartItem, HoldBatcher, HoldRequest, HoldResult
from voelgoed.domain.orders.machines import HOLDING_STATUSES, OrderLifecycle
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.services import normalise_reference, token_matches
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.domain.payments.providers.base import PaymentContext, PaymentRedirect
from voelgoed.domain.refunds.jobs import enqueue_late_payment_refund
from voelgoed.domain.seating import sales as seat_sales
from voelgoed.domain.tickets.issuing import issue_for_order
from voelgoed.domain.tickets.jobs import enqueue_delivery
from voelgoed.domain.webhooks import payloads
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.recording import record_each, subscribers
from voelgoed.lib.contact import clean_phone, is_phone, normalise_email
from voelgoed.lib.metrics import count_hold, count_sale
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable
from voelgoed.settings import Settings

log = logging.getLogger(__name__)


_batchers: dict[tuple[int, type[HoldBatcher]], HoldBatcher] = {}
B = TypeVar("B", bound=HoldBatcher)


def _engine_of(db: AsyncSession | AsyncEngine) -> AsyncEngine:
    if isinstance(db, AsyncEngine):
        return db
    bind = db.bind
    if isinstance(bind, AsyncEngine):
        return bind
    raise RuntimeError("reserve() needs a session bound to an AsyncEngine")


def get_batcher(
    engine: AsyncEngine,
    settings: Settings,
    redis: Redis | None = None,
    kind: type[B] = HoldBatcher,  # type: ignore[assignment]
) -> B:
    """The process's group-commit batcher of this kind (GA holds; seat holds: domain/seating/
    seat_batcher.py) for this database, created on first use."""
    batcher = _batchers.get((id(engine), kind))
    if not isinstance(batcher, kind) or batcher.engine is not engine:
        batcher = kind(
            engine,
            window_ms=settings.limits.reserve_batch_window_ms,
            max_batch=settings.limits.reserve_batch_max,
            redis=redis,
            pool_size=settings.database.hold_pool_size,
            pool_timeout=settings.database.pool_timeout_seconds,
            connect_args=request_connect_args(
                statement_timeout_ms=settings.database.statement_timeout_ms,
                lock_timeout_ms=settings.database.lock_timeout_ms,
            ),
        )
        _batchers[(id(engine), kind)] = batcher
    elif batcher.redis is None and redis is not None:
        batcher.redis = redis
    return batcher


async def reserve(
    db: AsyncSession | AsyncEngine,
    *,
    event_id: uuid.UUID,
    items: Sequence[CartItem] | Mapping[uuid.UUID, int],
    coupon_code: str | None = None,
    idempotency_key: str | None = None,
    session_id: str | None = None,
    settings: Settings,
    redis: Redis | None = None,
    access_code: str | None = None,
) -> HoldResult:
    """Hold tickets: an order in `reserved` until now + HOLD_MINUTES. Raises 404 (unknown or
    unpublished event), 422 (a rule says no: window, min/max, wrong type, a hidden type without
    its `access_code`, coupon) or 409 (sold out, coupon used up). Idempotent per `idempotency_key`."""
    cart = (
        [CartItem(ticket_type_id=k, quantity=v) for k, v in items.items()]
        if isinstance(items, Mapping)
        else list(items)
    )
    request = HoldRequest(
        event_id=event_id,
        items=cart,
        coupon_code=coupon_code,
        idempotency_key=idempotency_key,
        session_id=session_id,
        hold_minutes=settings.limits.hold_minutes,
        access_code=access_code,
    )
    try:
        held = await get_batcher(_engine_of(db), settings, redis).submit(request)
    except (Unprocessable, Conflict):  # sold out, a rule said no: the batcher committed nothing
        # (A 404 is no refusal: buyer_api.py asks again after one, when its cached slug was stale.)
        count_hold(made=False)
        raise
    if not held.replayed:  # committed by the batcher before it answers
        count_hold(made=True)
    return held


# --- loading an order the buyer holds the token of ---------------------------------------------
async def order_for_buyer(db: AsyncSession, reference: str, token: str | None, *, lock: bool = False) -> Order:
    stmt = select(Order).where(Order.reference == normalise_reference(reference))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    order = await db.scalar(stmt.execution_options(**UNSCOPED))
    if order is None or not token_matches(order, token):
        raise NotFound("No such order, or the link is not valid.")  # same answer: nothing leaks
    return order


async def _relock(db: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await db.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True, **UNSCOPED)
    )
    assert order is not None
    return order


def _line_counts(order: Order) -> dict[uuid.UUID, int]:
    counts: dict[uuid.UUID, int] = {}
    for line in order.lines:
        counts[line.ticket_type_id] = counts.get(line.ticket_type_id, 0) + line.quantity
    return counts


async def cancel_order(db: AsyncSession, *, reference: str, token: str | None) -> Order:
    """The buyer cancels a hold: stock and the coupon use go back at once."""
    order = await order_for_buyer(db, reference, token)
    conn = await db.connection()
    inv = await inventory.lock_inventory(conn, order.event_id)  # lock order: inventory first
    assert inv is not None
    order = await _relock(db, order.id)
    OrderLifecycle(order).send("cancel")  # 409 unless reserved / awaiting payment
    await record_order_event(db, order, WebhookEventType.ORDER_CANCELLED)
    if seat_sales.seats_of_lines(order.lines):
        await seat_sales.release_seats(conn, order.id)  # reserved seats: on sale again at once
    counts = _line_counts(order)
    await inventory.move_type_counters(conn, {t: (-n, 0) for t, n in counts.items()}, check=False)
    await inventory.move_event_counters(conn, inv, -sum(counts.values()), 0)
    if order.coupon_id is not None:
        await conn.execute(
            inventory.CPN.update()
            .where(inventory.CPN.c.id == order.coupon_id, inventory.CPN.c.used > 0)
            .values(used=inventory.CPN.c.used - 1)
        )
    await db.flush()
    return order


# --- start checkout ----------------------------------------------------------------------------
@dataclass
class CheckoutStarted:
    order: Order
    transaction: PaymentTransaction
    redirect: PaymentRedirect


def clean_buyer(name: str, email: str, phone: str | None) -> tuple[str, str, str | None]:
    name = " ".join(name.split())
    phone = clean_phone(phone)
    if not name:
        raise Unprocessable.field("buyer_name", "Tell us the name for the tickets.")
    email = normalise_email(
        email, field="buyer_email", message="Enter a valid e-mail address; the tickets are sent there."
    )
    if phone is not None and not is_phone(phone):
        raise Unprocessable.field("buyer_phone", "Enter a phone number of digits, optionally starting with +.")
    return name, email, phone


async def start_checkout(
    db: AsyncSession,
    *,
    reference: str,
    token: str | None,
    buyer_name: str,
    buyer_email: str,
    buyer_phone: str | None = None,
    settings: Settings,
    provider: str = "simulated",
    return_url: str | None = None,
    cancel_url: str | None = None,
    details: Details | None = None,
) -> CheckoutStarted:
    """Order reserved -> awaiting_payment, a payment transaction opened (initiated -> pending) and
    the provider's redirect. Calling it again while a transaction is open reuses that
    transaction (a retried request opens no second payment). `details`: the answers to the
    event's questions and the ticket holders' names, checked and stored with the buyer's details
    (422 at the field, nothing stored, when one is wrong)."""
    from voelgoed.domain.payments.machines import OPEN_STATUSES, PaymentLifecycle
    from voelgoed.domain.payments.providers import get_provider
    from voelgoed.domain.payments.services import provider_setup

    name, email, phone = clean_buyer(buyer_name, buyer_email, buyer_phone)
    order = await order_for_buyer(db, reference, token, lock=True)
    if order.status == "paid":
        raise Conflict("This order is already paid.")
    if order.status not in HOLDING_STATUSES:
        raise Conflict(f"This order is {order.status.replace('_', ' ')}; choose your tickets again.")
    if order.hold_expires_at <= datetime.now(UTC):
        raise Conflict("Your hold on these tickets has expired; choose your tickets again.")
    chosen = get_provider(provider, settings)  # 422 at `provider` when unknown or switched off
    setup = await provider_setup(db, order.organization_id, provider, settings)

    await record_details(db, order, details or Details())
    order.buyer_name, order.buyer_email, order.buyer_phone = name, email, phone
    created = order.status == "reserved"  # the first start: the hold becomes an order with a buyer
    OrderLifecycle(order).send("start_payment")
    tx = await db.scalar(
        select(PaymentTransaction)
        .where(
            PaymentTransaction.order_id == order.id,
            PaymentTransaction.provider == provider,
            PaymentTransaction.status.in_(OPEN_STATUSES),
            PaymentTransaction.amount_cents == order.total_cents,
        )
        .order_by(PaymentTransaction.created_at.desc())
        .limit(1)
        .execution_options(**UNSCOPED)
    )
    if tx is None:
        tx = PaymentTransaction(
            organization_id=order.organization_id,
            order_id=order.id,
            provider=provider,
            status="initiated",
            amount_cents=order.total_cents,
        )
        db.add(tx)
        await db.flush()
    event = await db.scalar(select(Event).where(Event.id == order.event_id).execution_options(**UNSCOPED))
    tickets = sum(line.quantity for line in order.lines)
    base = settings.server.public_url
    page = f"{base}/orders/{order.reference}?token={token}"
    redirect = await chosen.begin(
        PaymentContext(
            transaction_id=tx.id,
            order_reference=order.reference,
            amount_cents=order.total_cents,
            item_name=f"{event.name if event else 'Tickets'}: {tickets} ticket{'s' if tickets != 1 else ''}"[:100],
            buyer_name=name,
            buyer_email=email,
            return_url=return_url or page,
            cancel_url=cancel_url or page,
            notify_url=setup.notify_url,
            credentials=setup.credentials,
            sandbox=setup.sandbox,
        )
    )
    if tx.status == "initiated":
        PaymentLifecycle(tx).send("begin")
    await db.flush()
    if created:
        await record_order_event(db, order, WebhookEventType.ORDER_CREATED)
    return CheckoutStarted(order=order, transaction=tx, redirect=redirect)


# --- complete checkout -------------------------------------------------------------------------
@dataclass
class CompletionResult:
    transaction_id: uuid.UUID
    transaction_status: str  # succeeded | failed
    order_id: uuid.UUID
    order_reference: str
    order_status: str
    event_id: uuid.UUID
    already_completed: bool = False  # a repeated call: nothing changed
    needs_refund: bool = False
    tickets_issued: int = 0
    failure_reason: str | None = None
    paid_cents: int | None = None  # set when this call made the order paid (counted after commit)

    @property
    def deliver_tickets(self) -> bool:
        """True when the caller should enqueue `deliver_order_tickets` after commit."""
        return self.transaction_status == "succeeded" and self.order_status == "paid"

    async def after_commit(self, *, queue: Queue | None = None, redis: Redis | None = None) -> None:
        """Refresh the availability cache and queue the ticket e-mail (call after commit). A
        payment that could not be a sale (`needs_refund`) is refunded by a job (and, should the
        enqueue be lost, by the refunds sweep)."""
        if self.paid_cents is not None and not self.already_completed:
            count_sale(self.paid_cents)  # after the commit: a rolled-back payment is no sale
        await availability.invalidate_availability(redis, self.event_id)
        if queue is not None and self.deliver_tickets:
            await enqueue_delivery(queue, self.order_id)
        if queue is not None and self.needs_refund and self.transaction_status == "succeeded":
            await enqueue_late_payment_refund(queue, self.order_id)


def _result(tx: PaymentTransaction, order: Order, **kw: Any) -> CompletionResult:
    return CompletionResult(
        transaction_id=tx.id,
        transaction_status=tx.status,
        order_id=order.id,
        order_reference=order.reference,
        order_status=order.status,
        event_id=order.event_id,
        needs_refund=order.needs_refund,
        failure_reason=tx.failure_reason,
        **kw,
    )


async def complete_checkout(
    db: AsyncSession,
    *,
    transaction_id: uuid.UUID,
    provider_reference: str | None,
    amount_cents: int,
    succeeded: bool,
    failure_reason: str | None = None,
    fee_cents: int | None = None,
) -> CompletionResult:
    """Confirm or fail a payment, in one transaction, idempotently.

    On success: transaction -> succeeded, order -> paid, counters reserved -> sold (a payment that
    lands after its hold was released is re-reserved if stock allows, else the order is flagged
    `needs_refund`; never an oversell), tickets issued, analytics `checkout_success` recorded.
    A wrong amount fails the transaction. A repeated call changes nothing and answers the same.
    The money is booked in the ledger in the same transaction, once per payment transaction: a
    sale (with `fee_cents`, the provider's fee when it said) when the order became paid, money
    owed back when it was flagged `needs_refund`.
    The caller commits, then calls `result.after_commit(queue=..., redis=...)`."""
    from voelgoed.domain.payments.machines import PaymentLifecycle
    from voelgoed.domain.payments.services import lock_transaction

    # Lock order, the same for every provider (workflows/payment_confirmation.py says why): the
    # payment transaction first, then the event's inventory, then the order. A concurrent
    # confirmation of the same transaction waits at the first lock holding nothing else.
    tx = await lock_transaction(db, transaction_id)
    if tx is None:
        raise NotFound("No such payment transaction.")
    event_id = await db.scalar(select(Order.event_id).where(Order.id == tx.order_id).execution_options(**UNSCOPED))
    assert event_id is not None
    conn = await db.connection()
    inv = await inventory.lock_inventory(conn, event_id)
    assert inv is not None
    order = await _relock(db, tx.order_id)

    if tx.status in ("succeeded", "failed"):
        result = _result(tx, order, already_completed=True)
        if tx.status == "succeeded" and order.status == "paid":
            result.tickets_issued = len(await _issue(db, order))
        return result

    machine = PaymentLifecycle(tx)
    if tx.status == "initiated":
        machine.send("begin")
    if not succeeded:
        machine.send("fail", failure_reason=failure_reason or "declined", provider_reference=provider_reference)
        await db.flush()
        return _result(tx, order)
    if amount_cents != order.total_cents or amount_cents != tx.amount_cents:
        reason = f"amount mismatch: paid {amount_cents} cents, order total {order.total_cents} cents"
        machine.send("fail", failure_reason=reason, provider_reference=provider_reference)
        await db.flush()
        log.warning("payment %s failed: %s", tx.id, reason)
        return _result(tx, order)

    machine.send("succeed", provider_reference=provider_reference)
    allocated = await _settle(db, conn, inv, order)
    await db.flush()
    await record_payment(
        db,
        organization_id=order.organization_id,
        event_id=order.event_id,
        order_id=order.id,
        transaction_id=tx.id,
        provider=tx.provider,
        amount_cents=amount_cents,
        vat_cents=order.vat_cents if allocated else 0,
        fee_cents=abs(fee_cents) if fee_cents is not None else None,  # PayFast's amount_fee is negative
        allocated=allocated,
        occurred_at=tx.completed_at,
    )
    tickets = await _issue(db, order) if order.status == "paid" else []
    if allocated:  # this payment paid the order (not a second payment of a paid one)
        await _record_success(db, order)
        # Tax: the order's invoice, numbered in payment order, in this transaction (docs/tax.md).
        await issue_invoice(db, order)
        await _record_paid(db, order)
    paid_cents = amount_cents if allocated else None
    return _result(tx, order, tickets_issued=len(tickets), paid_cents=paid_cents)


async def _settle(db: AsyncSession, conn: Any, inv: inventory.InventoryRow, order: Order) -> bool:
    """Move the order to paid and its counters from reserved to sold (or re-reserve them). True
    when this payment paid the order; False when it was flagged `needs_refund` (money owed back)."""
    counts = _line_counts(order)
    lifecycle = OrderLifecycle(order)
    seats = seat_sales.seats_of_lines(order.lines)  # reserved seats (domain/seating); none for GA
    if order.status in HOLDING_STATUSES:  # still held (even if the time ran out, nobody released it)
        if seats and not await _sell_seats(db, conn, order.id, seats):
            # The hold lapsed and another buyer took a seat: this payment cannot be a sale.
            await inventory.move_type_counters(conn, {t: (-n, 0) for t, n in counts.items()}, check=False)
            await inventory.move_event_counters(conn, inv, -sum(counts.values()), 0)
            lifecycle.send("expire")
            order.needs_refund = True
            log.warning("payment for %s: a seat was taken after the hold lapsed, flagged for refund", order.reference)
            return False
        await inventory.move_type_counters(conn, {t: (-n, n) for t, n in counts.items()})
        await inventory.move_event_counters(conn, inv, -sum(counts.values()), sum(counts.values()))
        if order.status == "reserved":
            lifecycle.send("start_payment")
        lifecycle.send("pay")
        return True
    if order.status == "expired":  # the hold was released: sell only if the stock is still there
        try:
            async with db.begin_nested():
                await inventory.move_type_counters(conn, {t: (0, n) for t, n in counts.items()})
                await inventory.move_event_counters(conn, inv, 0, sum(counts.values()))
                if seats and not await seat_sales.sell_seats(conn, order.id, seats):
                    raise inventory.StockShort("seats")  # a seat was taken meanwhile
        except inventory.StockShort:  # the savepoint undid any partial move
            order.needs_refund = True
            log.warning("late payment for %s: stock gone, flagged for refund", order.reference)
            return False
        if order.coupon_id is not None:
            await conn.execute(
                inventory.CPN.update()
                .where(
                    inventory.CPN.c.id == order.coupon_id,
                    (inventory.CPN.c.usage_limit.is_(None)) | (inventory.CPN.c.used < inventory.CPN.c.usage_limit),
                )
                .values(used=inventory.CPN.c.used + 1)
            )
        lifecycle.send("pay_late")
        return True
    # paid already (a second payment) or cancelled: keep the money's trail, flag the refund.
    order.needs_refund = True
    log.warning("payment for %s order %s: flagged for refund", order.status, order.reference)
    return False


async def _sell_seats(db: AsyncSession, conn: Any, order_id: uuid.UUID, seats: list[uuid.UUID]) -> bool:
    """Mark the order's seats sold, or change nothing (savepoint) when one is no longer its own."""
    try:
        async with db.begin_nested():
            if not await seat_sales.sell_seats(conn, order_id, seats):
                raise inventory.StockShort("seats")
    except inventory.StockShort:
        return False
    return True


async def _issue(db: AsyncSession, order: Order) -> list[Any]:
    return list(await issue_for_order(db, order))


async def record_order_event(db: AsyncSession, order: Order, event_type: WebhookEventType) -> None:
    """A webhook event about the order, in this transaction (nothing built when nobody listens).
    Every order event of the workflows goes through here (the box office too)."""
    await payloads.record_order_event(db, event_type, organization_id=order.organization_id, order_id=order.id)


async def _record_paid(db: AsyncSession, order: Order) -> None:
    """order.paid, then ticket.issued per ticket: one subscriber check for both."""
    await db.flush()
    subs = await subscribers(db, order.organization_id, [WebhookEventType.ORDER_PAID, WebhookEventType.TICKET_ISSUED])
    if not subs:
        return
    await record_each(
        db,
        organization_id=order.organization_id,
        event_type=WebhookEventType.ORDER_PAID,
        items=[payloads.order(db, order.id)],
        subs=subs,
    )
    await payloads.record_ticket_events(db, order, WebhookEventType.TICKET_ISSUED, subs)


async def _record_success(db: AsyncSession, order: Order) -> None:
    await record(
        db,
        organization_id=order.organization_id,
        event_id=order.event_id,
        name="checkout_success",
        session_id=order.session_id or f"order-{order.id.hex[:16]}",
        order_id=order.id,
    )
