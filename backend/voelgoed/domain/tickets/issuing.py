"""Issuing tickets for a paid order: one ticket per order line position, exactly once.

Called by workflows/checkout.py inside the transaction that marks the order paid, and again
(harmlessly) by the delivery job. The unique (order_line_id, position) makes a second call, or
a concurrent one, insert nothing: `ON CONFLICT DO NOTHING`, then read back what exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.attendees.checkout_details import name_given_for
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.orders.models import Order, OrderLine
from voelgoed.domain.seating.labels import SeatLabel, seat_labels
from voelgoed.domain.tickets import payload
from voelgoed.domain.tickets.models import Ticket
from voelgoed.domain.tickets.signing import get_or_create_signing_key

ISSUABLE_STATUSES = frozenset({"paid"})


class TicketIssueError(ValueError):
    """The order cannot have tickets (not paid)."""


@dataclass(frozen=True)
class ListedTicket:
    ticket: Ticket
    type_name: str
    seat: SeatLabel | None = None  # a reserved seat's section, row and seat; None: general admission

    @property
    def code(self) -> str:
        return payload.ticket_code(self.ticket.serial)


# The one order of an order's tickets, for every view (order page, PDF, e-mail, API): the
# organiser's ticket type order (as the order's lines, domain/orders/pricing.py), then the line,
# then the ticket's position in it. (Lines of one order share created_at: not an order.)
_TICKET_ORDER = (TicketType.sort_order, TicketType.name, TicketType.id, OrderLine.id, Ticket.position)


async def _ticket_rows(db: AsyncSession, order_id: uuid.UUID) -> list[tuple[Ticket, str]]:
    rows = await db.execute(
        select(Ticket, TicketType.name)
        .join(OrderLine, OrderLine.id == Ticket.order_line_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(Ticket.order_id == order_id)
        .order_by(*_TICKET_ORDER)
        .execution_options(**UNSCOPED)
    )
    return list(rows.tuples())


async def listed_tickets(db: AsyncSession, order_id: uuid.UUID) -> list[ListedTicket]:
    listed = await _ticket_rows(db, order_id)
    seats = await seat_labels(db, (ticket.event_seat_id for ticket, _ in listed))  # no query for GA orders
    return [
        ListedTicket(ticket, name, seats.get(ticket.event_seat_id) if ticket.event_seat_id else None)
        for ticket, name in listed
    ]


async def order_tickets(db: AsyncSession, order_id: uuid.UUID) -> list[Ticket]:
    """The tickets alone, in the same order (no seat labels: issuing and refunds need none)."""
    return [ticket for ticket, _ in await _ticket_rows(db, order_id)]


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
                "event_seat_id": wanted[(line_id, position)].event_seat_id,  # a reserved seat, if any
                "serial": payload.serial_to_text(payload.new_serial()),
                # the name the buyer gave for this ticket; else the buyer's own name
                "holder_name": func.coalesce(name_given_for(line_id, position), order.buyer_name),
                "status": "valid",
            }
            for line_id, position in sorted(missing, key=lambda k: (str(k[0]), k[1]))
        ]
        await db.execute(insert(Ticket).values(rows).on_conflict_do_nothing())
    raise RuntimeError(f"could not issue the tickets of order {order.id}")
