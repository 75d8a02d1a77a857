"""The `data` of every webhook event but the scans' (check_in_payloads.py): the resource as the
organiser API returns it, built by the same functions as the API's answers.

- order.*: `OrderDetailRead`, as getOrder answers (domain/refunds/order_detail.py);
- ticket.issued / ticket.voided: `TicketEventData`, the ticket as getOrder lists it (there is no
  ticket endpoint) with its order's id and reference and its event;
- refund.*: `RefundRead`, as getRefund answers;
- event.*: `EventRead`, as getEvent answers (built in domain/events itself: events sit below the
  areas imported here).

Every builder here is handed to `record()` as an async callable (or builds only after
`recording.subscribers()` found somebody), so nothing is read when nobody subscribes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.orders.models import Order
from voelgoed.domain.refunds.models import Refund
from voelgoed.domain.refunds.order_detail import order_detail_read
from voelgoed.domain.refunds.schemas import RefundRead, refund_read
from voelgoed.domain.tickets.issuing import listed_tickets
from voelgoed.domain.tickets.schemas import OrderDetailRead, TicketRead, ticket_read
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.outbox_sql import Subscribers, record
from voelgoed.domain.webhooks.recording import record_each


class TicketEventData(msgspec.Struct):
    """A ticket event's data: the ticket as the order's detail (getOrder) lists it, and where it
    belongs."""

    ticket: TicketRead
    order_id: uuid.UUID
    order_reference: str
    event_id: uuid.UUID


def order(db: AsyncSession, order_id: uuid.UUID) -> Callable[[], Awaitable[OrderDetailRead]]:
    """`data=` for an order event (order.*): the order as getOrder answers it then (in the
    transaction of the change), built only when somebody subscribes."""

    async def build() -> OrderDetailRead:
        return await order_detail_read(db, order_id)

    return build


async def record_order_event(
    db: AsyncSession, event_type: WebhookEventType, *, organization_id: uuid.UUID, order_id: uuid.UUID
) -> None:
    """An order.* event in the caller's transaction, its data the order as getOrder answers it
    after the change (flushed first); nothing is built when nobody subscribes."""
    await db.flush()
    await record(db, organization_id=organization_id, event_type=event_type, data=order(db, order_id))


async def tickets_data(
    db: AsyncSession, o: Order, ticket_ids: Iterable[uuid.UUID] | None = None
) -> list[TicketEventData]:
    """ticket.*: the order's tickets (those of `ticket_ids`, else all), in getOrder's order; one query."""
    wanted = None if ticket_ids is None else set(ticket_ids)
    return [
        TicketEventData(ticket=ticket_read(t), order_id=o.id, order_reference=o.reference, event_id=o.event_id)
        for t in await listed_tickets(db, o.id)
        if wanted is None or t.ticket.id in wanted
    ]


async def record_ticket_events(
    db: AsyncSession,
    o: Order,
    event_type: WebhookEventType,
    subs: Subscribers,
    ticket_ids: Iterable[uuid.UUID] | None = None,
) -> int:
    """ticket.* per ticket of the order (those of `ticket_ids`, else all), to the endpoints
    `recording.subscribers()` found for the type; nothing read when there are none."""
    if not subs.get(event_type):
        return 0
    return await record_each(
        db,
        organization_id=o.organization_id,
        event_type=event_type,
        items=await tickets_data(db, o, ticket_ids),
        subs=subs,
    )


def refund(r: Refund) -> Callable[[], Awaitable[RefundRead]]:
    """refund.*: the refund as getRefund answers it (its tickets are loaded with it)."""

    async def build() -> RefundRead:
        return refund_read(r)

    return build
