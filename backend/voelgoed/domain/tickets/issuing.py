"""Issuing tickets for a paid order: one ticket per order line position, exactly once.

Called by workflows/checkout.py inside the transaction that marks the order paid, and again
(harmlessly) by the delivery job. The unique (order_line_id, position) makes a second call, or
a concurrent one, insert nothing: `ON CONFLICT DO NOTHING`, then read back what exists.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.orders.models import Order, OrderLine
from voelgoed.domain.tickets import payload
from voelgoed.domain.tickets.models import Ticket
from voelgoed.domain.tickets.signing import get_or_create_signing_key

ISSUABLE_STATUSES = frozenset({"paid"})


class TicketIssueError(ValueError):
    """The order cannot have tickets (not paid)."""


async def order_tickets(db: AsyncSession, order_id: uuid.UUID) -> list[Ticket]:
    rows = await db.scalars(
        select(Ticket)
        .join(OrderLine, OrderLine.id == Ticket.order_line_id)
        .where(Ticket.order_id == order_id)
        .order_by(OrderLine.created_at, OrderLine.id, Ticket.position)
        .execution_options(skip_tenant_scope=True)
    )
    return list(rows)


async def issue_for_order(db: AsyncSession, order: Order) -> list[Ticket]:
    """All of the order's tickets, creating the missing ones. Idempotent; flushes, never commits."""
    if order.status not in ISSUABLE_STATUSES:
        raise TicketIssueError(f"an order in status {order.status!r} gets no tickets")
    await get_or_create_signing_key(db, event_id=order.event_id, organization_id=order.organization_id)
    wanted = {(line.id, position): line for line in order.lines for position in range(1, line.quantity + 1)}
    for _ in range(5):  # more than one round only on a (2^-96 unlikely) serial clash
        tickets = await order_tickets(db, order.id)
        missing = wanted.keys() - {(t.order_line_id, t.position) for t in tickets}
        if not missing:
            return tickets
        rows = [
            {
                "id": uuid.uuid4(),
                "organization_id": order.organization_id,
                "event_id": order.event_id,
                "order_id": order.id,
                "order_line_id": line_id,
                "position": position,
                "ticket_type_id": wanted[(line_id, position)].ticket_type_id,
                "serial": payload.serial_to_text(payload.new_serial()),
                "holder_name": order.buyer_name,
                "status": "valid",
            }
            for line_id, position in sorted(missing, key=lambda k: (str(k[0]), k[1]))
        ]
        await db.execute(insert(Ticket).values(rows).on_conflict_do_nothing())
    raise RuntimeError(f"could not issue the tickets of order {order.id}")
