"""The box office: the organiser allocates chosen seats to a person by hand (a sale at the door,
a complimentary ticket), issue #15.

No path of its own for the money or the tickets: the seats are taken by the seat-hold service
(domain/seating/allocation.py, with `box_office=True`: blocked seats too, no sales window or per-order
limits; `comp=True` prices every seat at 0 cents), the buyer's details are set on the order, and
the order is paid through the checkout's completion (`complete_checkout`) with a payment
transaction of provider `manual` (money taken outside any provider, or none for a comp). So the
counters, the seats (held -> sold), the tickets, the ledger, the invoice, the webhooks and the
ticket e-mail are exactly those of any order. One transaction, the caller's.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.machines import OrderLifecycle
from voelgoed.domain.orders.models import Order
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.domain.seating.allocation import hold_seats
from voelgoed.domain.seating.holds import (
    HeldSeat,
    SeatHoldRequest,
    SeatsTaken,
    event_seats,
    held_seats_of_order,
)
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.lib.problems import Conflict, FieldError, NotFound
from voelgoed.workflows.checkout import CompletionResult, clean_buyer, complete_checkout, record_order_event

PROVIDER = "manual"  # the ledger's name for money the organiser handled outside any provider


@dataclass
class Allocation:
    order: Order
    seats: list[HeldSeat]
    completion: CompletionResult | None  # None when an earlier request with the key made it


def _stored_key(organization_id: uuid.UUID, key: str) -> str:
    """Orders' idempotency keys are unique across the house: scope the organiser's key."""
    return "box-office:" + hashlib.sha256(f"{organization_id}:{key}".encode()).hexdigest()[:60]


async def allocate_seats(
    db: AsyncSession,
    audit: AuditService,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    seat_ids: list[uuid.UUID],
    buyer_name: str,
    buyer_email: str,
    comp: bool,
    idempotency_key: str | None = None,
) -> Allocation:
    """Allocate seats of the event (available or blocked) to a person as a paid order: `comp`
    at 0 cents, else at the seats' prices paid at the box office. 404 another organisation's
    event, 422 a seat not of this event or bad details, 409 a seat held or sold (named), or an
    event not on sale. The same Idempotency-Key answers the order made before."""
    event = await db.scalar(select(Event).where(Event.id == event_id))  # tenant-scoped: org B gets 404
    if event is None:
        raise NotFound("No such event.")
    name, email, _ = clean_buyer(buyer_name, buyer_email, None)
    key = _stored_key(organization_id, idempotency_key) if idempotency_key else None
    if key is not None:
        # Requests with one key take turns (until commit): a double click waits for the first
        # and then answers its order, instead of failing on the orders' unique key.
        await db.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
        earlier = await db.scalar(select(Order).where(Order.idempotency_key == key))
        if earlier is not None:
            if earlier.event_id != event_id:
                raise Conflict("This Idempotency-Key was already used for another event's allocation.")
            return Allocation(
                order=earlier, seats=await held_seats_of_order(await db.connection(), earlier.id), completion=None
            )
    if event.status != "published":
        raise Conflict("Publish the event before allocating seats.")
    conn = await db.connection()
    request = SeatHoldRequest(
        event_id=event_id, seat_ids=seat_ids, idempotency_key=key, box_office=True, comp=comp, hold_minutes=15
    )
    try:
        held = await hold_seats(conn, request)
    except SeatsTaken as taken:
        raise await _taken(db, event_id, taken) from None
    order = await db.scalar(
        select(Order).where(Order.id == held.hold.order_id).execution_options(populate_existing=True, **UNSCOPED)
    )
    assert order is not None
    order.buyer_name, order.buyer_email = name, email
    OrderLifecycle(order).send("start_payment")
    tx = PaymentTransaction(
        organization_id=order.organization_id,
        order_id=order.id,
        provider=PROVIDER,
        status="initiated",
        amount_cents=order.total_cents,
    )
    db.add(tx)
    await record_order_event(db, order, WebhookEventType.ORDER_CREATED)  # flushes the transaction first
    completion = await complete_checkout(
        db,
        transaction_id=tx.id,
        provider_reference=f"box-office-{order.reference}",
        amount_cents=order.total_cents,
        succeeded=True,
    )
    if completion.order_status != "paid":  # cannot happen: the seats were taken in this transaction
        raise Conflict("The seats could not be allocated; try again.")
    audit.record(
        action="seats.allocate",
        entity_type="order",
        entity_id=order.id,
        changes={
            "event_id": event_id,
            "seat_ids": seat_ids,
            "buyer_email": email,
            "comp": comp,
            "total_cents": order.total_cents,
        },
    )
    await db.flush()
    return Allocation(order=order, seats=held.seats, completion=completion)


async def _taken(db: AsyncSession, event_id: uuid.UUID, taken: SeatsTaken) -> Conflict:
    """409 naming each seat another order holds or bought (read before the rollback)."""
    rows = await event_seats(await db.connection(), event_id, taken.taken)
    word = {"held": "held by another order", "sold": "sold"}
    names = [f"{r.section_name} row {r.row_label} seat {r.label}" for r in rows]
    detail = "; ".join(f"{n} is {word.get(r.status, r.status)}" for n, r in zip(names, rows, strict=True))
    return Conflict(
        f"{detail or 'A seat is taken'}: nothing was allocated.",
        errors=[FieldError(field="seat_ids", message=f"{n} is not available.") for n in names],
        extensions={
            "taken_seats": [
                {"seat_id": str(r.seat_id), "section": r.section_name, "row": r.row_label, "label": r.label}
                for r in rows
            ]
        },
    )
