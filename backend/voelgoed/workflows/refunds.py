"""Refunds across areas (refunds, payments, orders, tickets, catalog, ledger, invoices, notifications).

- `request_refund`: the organiser refunds a whole order, chosen tickets or an amount.
- `cancel_paid_order`: the organiser (or event cancellation) cancels a paid order, with or
  without a refund of everything not refunded yet.
- `apply_refund_notice`: a provider's verified word about a refund settles it.

Each request runs in one transaction: the refund is recorded, the tickets it pays back are voided
at once (the check-in triggers put them in the scanners' next delta; online scans refuse them),
their stock goes back on sale, and the audit log notes it. The provider is asked after the commit,
by SAQ (domain/refunds/jobs.py): a refund never reads `succeeded` before the provider (or, for a
manual refund, the organiser) says the money went back.

Lock order (the same as checkout's): the event's `event_inventory` row, then the order. Two
concurrent refunds of one order therefore run one after the other, and the second sees what the
first took.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from dataclasses import dataclass

from redis.asyncio import Redis
from saq import Queue
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog import inventory
from voelgoed.domain.orders import availability
from voelgoed.domain.orders.machines import OrderLifecycle
from voelgoed.domain.orders.models import Order
from voelgoed.domain.payments.models import PaymentNotification
from voelgoed.domain.payments.notifications import RefundNotice
from voelgoed.domain.refunds import outcomes, services
from voelgoed.domain.refunds.jobs import enqueue_refund
from voelgoed.domain.refunds.models import Refund
from voelgoed.domain.refunds.services import RefundRequest
from voelgoed.domain.seating import sales as seat_sales
from voelgoed.domain.tickets.machines import TicketLifecycle
from voelgoed.domain.tickets.models import Ticket
from voelgoed.domain.waiting_list.jobs import enqueue_offer_run
from voelgoed.domain.webhooks import payloads
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.recording import subscribers
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable
from voelgoed.workflows.payment_confirmation import ATTEMPTS, is_lock_conflict

log = logging.getLogger(__name__)


@dataclass
class RefundRequested:
    refund: Refund
    created: bool  # False: the same Idempotency-Key again, the refund recorded before
    event_id: uuid.UUID

    async def after_commit(self, *, queue: Queue | None = None, redis: Redis | None = None) -> None:
        """Ask the provider (SAQ) and refresh availability, once the commit has happened. A lost
        enqueue is picked up by the sweep (domain/refunds/jobs.py)."""
        if not self.created:
            return
        await availability.invalidate_availability(redis, self.event_id)
        await enqueue_offer_run(queue, self.event_id)  # voided tickets' stock: the waiting list first
        if queue is not None and self.refund.method == "provider":
            await enqueue_refund(queue, self.refund.id)


async def _lock(db: AsyncSession, order_id: uuid.UUID) -> tuple[inventory.InventoryRow, Order]:
    # The caller's session decides what is visible: a member's session sees only their
    # organisation's orders (another organisation's order is a 404).
    event_id = await db.scalar(select(Order.event_id).where(Order.id == order_id))
    if event_id is None:
        raise NotFound("No such order.")
    conn = await db.connection()
    inv = await inventory.lock_inventory(conn, event_id)  # lock order: inventory first
    assert inv is not None
    return inv, await services.lock_order(db, order_id)


async def _void(db: AsyncSession, inv: inventory.InventoryRow, order: Order, tickets: list[Ticket]) -> int:
    """Void tickets and, for a paid order (its tickets count as sold), put their stock back."""
    counts: Counter[uuid.UUID] = Counter()
    voided: list[uuid.UUID] = []
    seats: list[uuid.UUID] = []
    for ticket in tickets:
        if ticket.status != "valid":
            continue
        TicketLifecycle(ticket).send("void")
        counts[ticket.ticket_type_id] += 1
        voided.append(ticket.id)
        if ticket.event_seat_id is not None:
            seats.append(ticket.event_seat_id)
    await _record_voided(db, order, voided)
    if counts and order.status == "paid":
        conn = await db.connection()
        await seat_sales.release_sold_seats(conn, order.id, seats)  # reserved seats: on sale again
        await inventory.move_type_counters(conn, {t: (0, -n) for t, n in counts.items()}, check=False)
        await inventory.move_event_counters(conn, inv, 0, -sum(counts.values()))
    return sum(counts.values())


async def _record_voided(db: AsyncSession, order: Order, ticket_ids: list[uuid.UUID]) -> None:
    """ticket.voided per ticket, in this transaction: one subscriber check for all of them."""
    if not ticket_ids:
        return
    subs = await subscribers(db, order.organization_id, [WebhookEventType.TICKET_VOIDED])
    if subs:
        await db.flush()
        await payloads.record_ticket_events(db, order, WebhookEventType.TICKET_VOIDED, subs, ticket_ids)


def _method(provider: str, wanted: str | None) -> str:
    supported = services.provider_refunds(provider)
    if wanted == "provider" and not supported:
        raise Unprocessable.field("method", f"{provider} has no refund API here: record a manual refund instead.")
    return wanted or ("provider" if supported else "manual")


async def request_refund(
    db: AsyncSession,
    *,
    order_id: uuid.UUID,
    request: RefundRequest,
    requested_by: uuid.UUID | None,
    notify_buyer: bool = True,
) -> RefundRequested:
    """Record a refund and void what it pays back (in the caller's transaction, no commit). The
    same Idempotency-Key answers the refund recorded before; with a different body it is a 422."""
    inv, order = await _lock(db, order_id)
    fingerprint = request.fingerprint(order.id)
    if request.idempotency_key:
        existing = await services.by_idempotency_key(db, order.organization_id, request.idempotency_key)
        if existing is not None:
            return RefundRequested(services.same_request(existing, fingerprint), False, order.event_id)
    reason = services.clean_reason(request.reason)
    plan = await services.plan_refund(db, order, request)
    tx = await services.paid_transaction(db, order.id)
    if tx is None:
        raise Conflict("This order has no successful payment to refund.")
    refund = services.open_refund(
        db,
        order=order,
        transaction=tx,
        kind=request.kind,
        method=_method(tx.provider, request.method),
        plan=plan,
        reason=reason,
        idempotency_key=request.idempotency_key,
        fingerprint=fingerprint,
        requested_by=requested_by,
        notify_buyer=notify_buyer,
    )
    voided = await _void(db, inv, order, [t for t, _ in plan.tickets])
    outcomes.audit(
        db,
        organization_id=order.organization_id,
        action="refund.requested",
        entity_type="order",
        entity_id=order.id,
        actor_user_id=requested_by,
        changes={
            "refund_id": refund.id,
            "kind": refund.kind,
            "method": refund.method,
            "amount_cents": refund.amount_cents,
            "tickets_voided": voided,
            "reason": reason,
        },
    )
    await db.flush()
    return RefundRequested(refund, True, order.event_id)


@dataclass(frozen=True)
class CancelOutcome:
    order_id: uuid.UUID
    cancelled: bool  # False: it was cancelled before (idempotent), nothing changed
    refund_id: uuid.UUID | None  # the refund requested with it, if any
    refund_cents: int


async def cancel_paid_order(
    db: AsyncSession,
    *,
    order_id: uuid.UUID,
    refund: bool,
    reason: str,
    requested_by: uuid.UUID | None,
    notify_buyer: bool = True,
) -> CancelOutcome:
    """Cancel one order as the organiser (in the caller's transaction, no commit): void its
    tickets, release its stock, and with refund=True request a refund of everything still not
    refunded (processed by SAQ after commit). notify_buyer=False: the caller e-mails the buyer
    itself (event cancellation sends one e-mail per buyer). Idempotent.

    After the commit, call `enqueue_refund(queue, outcome.refund_id)` (domain/refunds/jobs.py)
    when a refund was requested; without it the sweep asks the provider within a minute."""
    inv, order = await _lock(db, order_id)
    if order.status in ("cancelled", "refunded"):
        return CancelOutcome(order.id, False, None, 0)
    if order.status != "paid":
        raise Conflict(
            f"Only paid orders are cancelled here; this one is {order.status.replace('_', ' ')}"
            " (an unpaid order's hold simply expires)."
        )
    reason = services.clean_reason(reason)
    new_refund: Refund | None = None
    if refund and services.left_to_refund(order) > 0:
        plan = await services.plan_refund(db, order, RefundRequest(kind="whole_order", reason=reason))
        tx = await services.paid_transaction(db, order.id)
        if tx is None:
            raise Conflict("This order has no successful payment to refund.")
        new_refund = services.open_refund(
            db,
            order=order,
            transaction=tx,
            kind="whole_order",
            method=_method(tx.provider, None),
            plan=plan,
            reason=reason,
            requested_by=requested_by,
            notify_buyer=notify_buyer,
        )
    voided = await _void(db, inv, order, await services.order_tickets(db, order.id))
    OrderLifecycle(order).send("cancel_paid")
    await payloads.record_order_event(
        db, WebhookEventType.ORDER_CANCELLED, organization_id=order.organization_id, order_id=order.id
    )
    outcomes.audit(
        db,
        organization_id=order.organization_id,
        action="order.cancelled",
        entity_type="order",
        entity_id=order.id,
        actor_user_id=requested_by,
        changes={
            "status": ["paid", "cancelled"],
            "reason": reason,
            "tickets_voided": voided,
            "refund_id": new_refund.id if new_refund else None,
            "refund_cents": new_refund.amount_cents if new_refund else 0,
        },
    )
    await db.flush()
    return CancelOutcome(
        order.id, True, new_refund.id if new_refund else None, new_refund.amount_cents if new_refund else 0
    )


async def apply_refund_notice(db: AsyncSession, notice: RefundNotice) -> str:
    """Settle the refund a verified provider notification is about, and COMMIT. Idempotent (the
    notice's event_id, and a refund already final, change nothing). Returns an outcome for the
    notification record. Never raises for an unknown refund: records it and returns. A deadlock
    or serialization failure is retried from the start a few times, as payment notifications are."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await _apply_notice_once(db, notice)
        except DBAPIError as exc:
            if not is_lock_conflict(exc) or attempt == ATTEMPTS:
                raise
            await db.rollback()
            await asyncio.sleep(0.02 * attempt)
    raise AssertionError("unreachable")


async def _apply_notice_once(db: AsyncSession, notice: RefundNotice) -> str:
    refund: Refund | None = None
    if notice.refund_id is not None:
        refund = await db.scalar(select(Refund).where(Refund.id == notice.refund_id).execution_options(**UNSCOPED))
    if refund is None and notice.provider_refund_id:
        refund = await db.scalar(
            select(Refund)
            .where(Refund.provider == notice.provider, Refund.provider_refund_id == notice.provider_refund_id)
            .execution_options(**UNSCOPED)
        )
    if refund is None:
        refund = await _refund_by_transaction_and_amount(db, notice)
    if refund is None or refund.provider != notice.provider:
        outcome = f"no {notice.provider} refund {notice.refund_id or notice.provider_refund_id}"
        await _record_notice(db, notice, None, outcome)
        await db.commit()
        return outcome
    refund = await services.lock_refund(db, refund.id, unscoped=True)  # lock order: refund, then order
    assert refund is not None
    if notice.event_id is not None and not await _record_notice(db, notice, refund.transaction_id, "verified"):
        await db.rollback()
        return "duplicate notification"
    if refund.status in ("succeeded", "failed"):
        await db.commit()
        return f"refund already {refund.status}"
    if notice.succeeded:
        await outcomes.succeed(db, refund, provider_refund_id=notice.provider_refund_id)
        outcome = "refund succeeded"
    else:
        await outcomes.fail(db, refund, notice.failure_reason or notice.status or "refused by the provider")
        outcome = "refund failed"
    await db.commit()
    return outcome


async def _refund_by_transaction_and_amount(db: AsyncSession, notice: RefundNotice) -> Refund | None:
    """For a provider whose refund events name neither our refund nor its own refund id (Paystack's
    refund.processed / refund.failed): its verifier puts our payment transaction and the amount
    in the payload's "voelgoed" entry; the oldest refund of that transaction, for that amount and
    still waiting for the provider, is the one the event is about."""
    hint = notice.payload.get("voelgoed")
    if not isinstance(hint, dict):
        return None
    try:
        transaction_id = uuid.UUID(str(hint.get("transaction_id")))
    except ValueError:
        return None
    amount = hint.get("amount_cents")
    if not isinstance(amount, int) or isinstance(amount, bool):
        return None
    found: Refund | None = await db.scalar(
        select(Refund)
        .where(
            Refund.provider == notice.provider,
            Refund.transaction_id == transaction_id,
            Refund.amount_cents == amount,
            Refund.status.in_(("requested", "pending")),
        )
        .order_by(Refund.created_at, Refund.id)
        .limit(1)
        .execution_options(**UNSCOPED)
    )
    return found


async def _record_notice(
    db: AsyncSession, notice: RefundNotice, transaction_id: uuid.UUID | None, outcome: str
) -> bool:
    """Claim the notification's id (False: seen before). Nothing is recorded without an id."""
    if notice.event_id is None:
        return True
    claimed = await db.scalar(
        insert(PaymentNotification)
        .values(
            id=uuid.uuid4(),
            provider=notice.provider,
            provider_event_id=notice.event_id[:100],
            transaction_id=transaction_id,
            payload=notice.payload,
            verified=True,
            outcome=outcome[:200],
        )
        .on_conflict_do_nothing(index_elements=["provider", "provider_event_id"])
        .returning(PaymentNotification.id)
    )
    return claimed is not None
