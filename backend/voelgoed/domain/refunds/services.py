"""Refund rules: how much a request refunds, its VAT part, what is left, and the order's sums.

Everything here runs in the caller's transaction on an order row the caller has locked (the
workflow in workflows/refunds.py takes the locks: the event's inventory first, then the order).
The order's `refunded_cents + refund_pending_cents` can never pass `total_cents`: checked here
with a clear 422, and by a CHECK constraint on `ticket_order` should the code ever be wrong.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.orders.machines import OrderLifecycle
from voelgoed.domain.orders.models import Order, OrderLine
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.domain.refunds.machines import OPEN_REFUND_STATUSES, RefundLifecycle
from voelgoed.domain.refunds.models import Refund, RefundTicket
from voelgoed.domain.tickets.models import Ticket
from voelgoed.lib.closed_sets import closed_set
from voelgoed.lib.metrics import count_refund
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable

REFUND_KINDS = ("whole_order", "tickets", "amount")
REFUND_METHODS = ("provider", "manual")
if TYPE_CHECKING:
    RefundKind = str
    RefundMethod = str
else:
    RefundKind = closed_set(
        "RefundKind", REFUND_KINDS, "What a refund pays back: the whole order, chosen tickets, or an amount."
    )
    RefundMethod = closed_set(
        "RefundMethod",
        REFUND_METHODS,
        "provider: through the payment provider's refund API; manual: the organiser pays it out and confirms.",
    )

# Orders a refund may be asked for: paid, or paid and then cancelled by the organiser.
REFUNDABLE_ORDER_STATUSES = ("paid", "cancelled")
# Backoff between provider attempts after a network failure or timeout: 2 s, 4 s, 8 s ... at most an hour.
FIRST_RETRY_SECONDS = 2
MAX_RETRY_SECONDS = 3600


def provider_refunds(provider: str) -> bool:
    """Whether refunds of this provider's payments go through its refund API (else manual)."""
    from voelgoed.domain.payments.providers import get_provider
    from voelgoed.settings import get_settings

    try:
        return bool(get_provider(provider, get_settings()).supports_refunds)
    except Unprocessable:  # a provider switched off here (the simulated one in production)
        return False


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RefundRequest:
    kind: str  # a RefundKind
    reason: str
    amount_cents: int | None = None  # kind amount
    ticket_ids: tuple[uuid.UUID, ...] = ()  # kind tickets
    method: str | None = None  # None: the provider's API where it has one, else manual
    idempotency_key: str | None = None

    def fingerprint(self, order_id: uuid.UUID) -> str:
        """What makes two requests with one Idempotency-Key the same request."""
        body = {
            "order": str(order_id),
            "kind": self.kind,
            "amount": self.amount_cents,
            "tickets": sorted(str(t) for t in self.ticket_ids),
            "method": self.method,
            "reason": self.reason,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass
class RefundPlan:
    """What one request will do: the amount, its VAT part, and the tickets it voids."""

    amount_cents: int
    vat_cents: int
    tickets: list[tuple[Ticket, int]] = field(default_factory=list)  # (ticket, its price)
    covers_rest: bool = False  # after it, nothing of the order is left to refund


def clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise Unprocessable.field("reason", "Say why the money goes back; the buyer reads it in the e-mail.")
    if len(reason) > 500:
        raise Unprocessable.field("reason", "Keep the reason under 500 characters.")
    return reason


def left_to_refund(order: Order) -> int:
    """What can still be refunded of what the buyer paid (open refunds count as taken)."""
    if order.paid_at is None:
        return 0
    return max(order.total_cents - order.refunded_cents - order.refund_pending_cents, 0)


def ticket_price(line: OrderLine, position: int) -> int:
    """A ticket's share of its line's total after discount; the cents that do not divide evenly go
    to the first tickets, so a line's tickets add up to the line exactly."""
    base, extra = divmod(line.line_total_cents, line.quantity)
    return base + (1 if position <= extra else 0)


async def order_tickets(db: AsyncSession, order_id: uuid.UUID) -> list[Ticket]:
    return list(
        await db.scalars(
            select(Ticket).where(Ticket.order_id == order_id).order_by(Ticket.order_line_id, Ticket.position)
        )
    )


async def refunded_ticket_ids(db: AsyncSession, order_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await db.scalars(
        select(RefundTicket.ticket_id)
        .join(Refund, Refund.id == RefundTicket.refund_id)
        .where(Refund.order_id == order_id)
    )
    return set(rows)


async def refunds_vat(db: AsyncSession, order_id: uuid.UUID) -> int:
    """The VAT of the order's refunds that did not fail (allocated ones only)."""
    total = await db.scalar(
        select(func.coalesce(func.sum(Refund.vat_cents), 0)).where(
            Refund.order_id == order_id, Refund.allocated.is_(True), Refund.status != "failed"
        )
    )
    return int(total or 0)


def check_refundable(order: Order) -> None:
    if order.paid_at is None or order.status not in REFUNDABLE_ORDER_STATUSES:
        raise Conflict(f"Only paid orders can be refunded; this one is {order.status.replace('_', ' ')}.")


async def plan_refund(db: AsyncSession, order: Order, request: RefundRequest) -> RefundPlan:
    """The amount, VAT and tickets of a request, checked against what is left (422 when it asks
    for more, names tickets not on the order, or tickets already refunded or voided)."""
    check_refundable(order)
    left = left_to_refund(order)
    if left <= 0:
        raise Unprocessable("Everything the buyer paid for this order has been refunded (or is being refunded).")
    tickets = await order_tickets(db, order.id)
    lines = {ln.id: ln for ln in order.lines}
    plan: RefundPlan
    if request.kind == "amount":
        amount = request.amount_cents or 0
        if amount <= 0:
            raise Unprocessable.field("amount_cents", "Enter an amount of at least 1 cent.")
        if amount > left:
            raise Unprocessable.field("amount_cents", f"At most {left} cents are left to refund on this order.")
        plan = RefundPlan(amount_cents=amount, vat_cents=0)
    elif request.kind == "tickets":
        if not request.ticket_ids:
            raise Unprocessable.field("ticket_ids", "Choose at least one ticket to refund.")
        by_id = {t.id: t for t in tickets}
        already = await refunded_ticket_ids(db, order.id)
        chosen: list[tuple[Ticket, int]] = []
        for tid in dict.fromkeys(request.ticket_ids):
            ticket = by_id.get(tid)
            if ticket is None:
                raise Unprocessable.field("ticket_ids", f"Ticket {tid} is not on this order.")
            if ticket.id in already or ticket.status != "valid":
                raise Unprocessable.field("ticket_ids", f"Ticket {tid} was refunded or voided already.")
            chosen.append((ticket, ticket_price(lines[ticket.order_line_id], ticket.position)))
        amount = sum(price for _, price in chosen)
        if amount > left:
            raise Unprocessable.field(
                "ticket_ids", f"These tickets come to {amount} cents; only {left} cents are left to refund."
            )
        plan = RefundPlan(amount_cents=amount, vat_cents=0, tickets=chosen)
        if amount <= 0:  # free tickets: void them, no money moves
            raise Unprocessable.field("ticket_ids", "These tickets were free: there is nothing to refund.")
    elif request.kind == "whole_order":
        already = await refunded_ticket_ids(db, order.id)
        rest = [
            (t, ticket_price(lines[t.order_line_id], t.position))
            for t in tickets
            if t.status == "valid" and t.id not in already
        ]
        plan = RefundPlan(amount_cents=left, vat_cents=0, tickets=rest)
    else:
        raise Unprocessable.field("kind", f"Unknown refund kind {request.kind!r}.")
    plan.covers_rest = plan.amount_cents == left
    if plan.covers_rest and request.kind == "amount":
        # Paying back everything that is left ends the order: its remaining tickets go too.
        already = await refunded_ticket_ids(db, order.id)
        plan.tickets = [(t, 0) for t in tickets if t.status == "valid" and t.id not in already]
    plan.vat_cents = await vat_part(db, order, plan.amount_cents, plan.covers_rest)
    return plan


async def vat_part(db: AsyncSession, order: Order, amount_cents: int, covers_rest: bool) -> int:
    """The VAT in a refund: proportional to the order's VAT (half up); the refund that takes the
    rest takes the rest of the VAT, so an order's refunds add up to its VAT exactly."""
    taken = await refunds_vat(db, order.id)
    if covers_rest:
        return max(order.vat_cents - taken, 0)
    if order.total_cents <= 0:
        return 0
    share = (2 * amount_cents * order.vat_cents + order.total_cents) // (2 * order.total_cents)
    return max(min(share, order.vat_cents - taken, amount_cents), 0)


async def paid_transaction(db: AsyncSession, order_id: uuid.UUID) -> PaymentTransaction | None:
    """The payment that paid the order (the first that succeeded)."""
    return await db.scalar(
        select(PaymentTransaction)
        .where(PaymentTransaction.order_id == order_id, PaymentTransaction.status == "succeeded")
        .order_by(PaymentTransaction.completed_at, PaymentTransaction.created_at)
        .limit(1)
    )


async def by_idempotency_key(db: AsyncSession, organization_id: uuid.UUID, key: str) -> Refund | None:
    return await db.scalar(
        select(Refund).where(Refund.organization_id == organization_id, Refund.idempotency_key == key)
    )


def same_request(existing: Refund, fingerprint: str) -> Refund:
    if existing.request_fingerprint != fingerprint:
        raise Unprocessable.field(
            "Idempotency-Key", "This Idempotency-Key was used for a different refund; use a new key for a new refund."
        )
    return existing


def open_refund(
    db: AsyncSession,
    *,
    order: Order,
    transaction: PaymentTransaction,
    kind: str,
    method: str,
    plan: RefundPlan,
    reason: str,
    allocated: bool = True,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    requested_by: uuid.UUID | None = None,
    notify_buyer: bool = True,
) -> Refund:
    """Record a refund (requested; a manual one waits, pending, for the organiser's confirmation)
    and count it in the order's open refunds."""
    refund = Refund(
        id=uuid.uuid4(),
        organization_id=order.organization_id,
        event_id=order.event_id,
        order_id=order.id,
        transaction_id=transaction.id,
        provider=transaction.provider,
        method=method,
        kind=kind,
        allocated=allocated,
        amount_cents=plan.amount_cents,
        vat_cents=plan.vat_cents,
        reason=reason,
        status="requested",
        attempts=0,
        next_attempt_at=utcnow() if method == "provider" else None,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        requested_by=requested_by,
        notify_buyer=notify_buyer,
    )
    refund.tickets = [
        RefundTicket(organization_id=order.organization_id, ticket_id=t.id, amount_cents=price)
        for t, price in plan.tickets
    ]
    count_refund("requested")  # /metrics: refunds by status (the machine counts the later moves)
    if method == "manual":
        RefundLifecycle(refund).send("submit")
    db.add(refund)
    if allocated:
        order.refund_pending_cents += plan.amount_cents
    return refund


def settle_succeeded(refund: Refund, order: Order, provider_refund_id: str | None = None) -> None:
    """The provider (or the organiser, for a manual refund) says the money went back."""
    machine = RefundLifecycle(refund)
    if refund.status == "requested":
        machine.send("submit")
    machine.send("succeed", provider_refund_id=provider_refund_id)
    if refund.allocated:
        order.refund_pending_cents -= refund.amount_cents
        order.refunded_cents += refund.amount_cents
        if order.status == "paid" and order.refunded_cents >= order.total_cents:
            OrderLifecycle(order).send("refund")


def settle_failed(refund: Refund, order: Order, reason: str) -> None:
    """Refused for good: the amount is free to refund again (the voided tickets stay void)."""
    RefundLifecycle(refund).send("fail", failure_reason=reason)
    if refund.allocated:
        order.refund_pending_cents -= refund.amount_cents


async def lock_refund(db: AsyncSession, refund_id: uuid.UUID, *, unscoped: bool = False) -> Refund | None:
    stmt = select(Refund).where(Refund.id == refund_id).with_for_update().execution_options(populate_existing=True)
    if unscoped:
        stmt = stmt.execution_options(**UNSCOPED)
    return await db.scalar(stmt)


async def lock_order(db: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await db.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True, **UNSCOPED)
    )
    if order is None:
        raise NotFound("No such order.")
    return order


async def get_refund(db: AsyncSession, refund_id: uuid.UUID) -> Refund:
    refund = await db.scalar(select(Refund).where(Refund.id == refund_id))
    if refund is None:
        raise NotFound("No such refund.")
    return refund


async def refunds_of_order(db: AsyncSession, order_id: uuid.UUID) -> list[Refund]:
    return list(await db.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at)))


async def refunds_of_event(db: AsyncSession, event_id: uuid.UUID, limit: int, offset: int) -> tuple[list[Refund], int]:
    total = await db.scalar(select(func.count()).select_from(Refund).where(Refund.event_id == event_id))
    rows = await db.scalars(
        select(Refund).where(Refund.event_id == event_id).order_by(Refund.created_at.desc()).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


async def unrefunded_late_payments(db: AsyncSession, order: Order) -> list[PaymentTransaction]:
    """Succeeded payments of an order flagged `needs_refund` that were never a sale (a payment
    after the stock was gone, or a second payment) and have no open or succeeded refund yet."""
    if not order.needs_refund:
        return []
    paid = list(
        await db.scalars(
            select(PaymentTransaction)
            .where(PaymentTransaction.order_id == order.id, PaymentTransaction.status == "succeeded")
            .order_by(PaymentTransaction.completed_at, PaymentTransaction.created_at)
            .execution_options(**UNSCOPED)
        )
    )
    if order.paid_at is not None and paid:
        paid = paid[1:]  # the first one paid the order
    refunded = set(
        await db.scalars(
            select(Refund.transaction_id)
            .where(Refund.order_id == order.id, Refund.allocated.is_(False), Refund.status != "failed")
            .execution_options(**UNSCOPED)
        )
    )
    return [tx for tx in paid if tx.id not in refunded]


def open_late_payment_refund(db: AsyncSession, order: Order, tx: PaymentTransaction) -> Refund:
    """The automatic refund of a late payment: all of it, through the provider where it can."""
    method = "provider" if provider_refunds(tx.provider) else "manual"
    return open_refund(
        db,
        order=order,
        transaction=tx,
        kind="amount",
        method=method,
        plan=RefundPlan(amount_cents=tx.amount_cents, vat_cents=0),
        reason="Your payment arrived after the tickets were released and they sold out; the whole payment goes back.",
        allocated=False,
    )


async def open_since(db: AsyncSession, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """For each order with a refund still open (requested or pending): when the oldest was asked
    for. The settlement statement flags those open for more than a day (domain/ledger)."""
    if not order_ids:
        return {}
    rows = await db.execute(
        select(Refund.order_id, func.min(Refund.created_at))
        .where(Refund.order_id.in_(list(order_ids)), Refund.status.in_(OPEN_REFUND_STATUSES))
        .group_by(Refund.order_id)
    )
    return {order_id: since for order_id, since in rows.all()}
