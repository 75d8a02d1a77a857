"""Personal data holders of what the buyer told the organiser at checkout (domain/attendees): the
answers to the event's questions, and the name given for each ticket. Both are keyed by the order,
so the subject's `order_ids` find them; the registry is workflows/personal_data_holders.py.

Erasure and retention DELETE these rows rather than tombstone them. An answer's `value` is typed
by its question's kind (a string for text and choice, one of the options for choice, a boolean
for a checkbox): "Erased" in place of a boolean or of a choice that is not an option would break
that contract for every reader (the order detail's answers, the exports' answer columns, the
checkout form filled in again from `stored_details`). A deleted answer reads as "not answered"
everywhere: the order detail page lists the order's other data, an export leaves the cell empty,
and the question keeps every other buyer's answers. A name per ticket is only the copy the ticket
is issued with (tickets/issuing.py); the ticket's own `holder_name` is what the `tickets` holder
tombstones, so the copy can simply go.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.attendees.models import AttendeeAnswer, AttendeeName, Question
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.orders.models import Order, OrderLine
from voelgoed.domain.tickets.models import Ticket
from voelgoed.domain.tickets.payload import ticket_code
from voelgoed.workflows.personal_data_types import DataSubject, PersonalDataHolder, Rows, rows_changed


def _of_event(org: uuid.UUID, event_id: uuid.UUID) -> Any:
    return select(Order.id).where(Order.organization_id == org, Order.event_id == event_id)


def _ticket_of(line_id: Any, position: Any) -> Any:
    """The issued ticket at (order line, position), if any: how a per-ticket answer or name is
    shown next to the ticket's code before and after issuing."""
    return and_(Ticket.order_line_id == line_id, Ticket.position == position)


# --- answers to the event's questions ---


async def _export_answers(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.order_ids:
        return []
    rows = await db.execute(
        select(AttendeeAnswer, Question.label, Question.kind, Order.reference, TicketType.name, Ticket.serial)
        .join(Question, Question.id == AttendeeAnswer.question_id)
        .join(Order, Order.id == AttendeeAnswer.order_id)
        .outerjoin(OrderLine, OrderLine.id == AttendeeAnswer.order_line_id)
        .outerjoin(TicketType, TicketType.id == OrderLine.ticket_type_id)
        .outerjoin(Ticket, _ticket_of(AttendeeAnswer.order_line_id, AttendeeAnswer.position))
        .where(AttendeeAnswer.organization_id == s.organization_id, AttendeeAnswer.order_id.in_(s.order_ids))
        .order_by(
            Order.reference, AttendeeAnswer.order_line_id.is_not(None), AttendeeAnswer.position, Question.position
        )
    )
    return [
        {
            "order_reference": reference,
            "question": label,
            "kind": kind,
            "answer": a.value,
            # Per-ticket answers: which ticket (its type and number within the type; its code once issued).
            "ticket_type": type_name,
            "ticket_number": a.position,
            "ticket_code": ticket_code(serial) if serial is not None else None,
            "answered_at": a.created_at,
        }
        for a, label, kind, reference, type_name, serial in rows.tuples()
    ]


async def _erase_answers(db: AsyncSession, s: DataSubject) -> int:
    """Deleted, not tombstoned: see the module's docstring."""
    if not s.order_ids:
        return 0
    return await rows_changed(
        db,
        delete(AttendeeAnswer).where(
            AttendeeAnswer.organization_id == s.organization_id, AttendeeAnswer.order_id.in_(s.order_ids)
        ),
    )


async def _remove_event_answers(db: AsyncSession, org: uuid.UUID, event_id: uuid.UUID) -> int:
    return await rows_changed(
        db,
        delete(AttendeeAnswer).where(
            AttendeeAnswer.organization_id == org, AttendeeAnswer.order_id.in_(_of_event(org, event_id))
        ),
    )


# --- the name given for each ticket ---


async def attendee_names_of_orders(db: AsyncSession, org: uuid.UUID, order_ids: tuple[uuid.UUID, ...]) -> set[str]:
    """Names given per ticket of these orders: personal values free-form records are scrubbed of
    (resolve_subject), like the names on the tickets themselves."""
    if not order_ids:
        return set()
    names = await db.scalars(
        select(AttendeeName.holder_name).where(
            AttendeeName.organization_id == org, AttendeeName.order_id.in_(order_ids)
        )
    )
    return set(names)


async def _export_names(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.order_ids:
        return []
    rows = await db.execute(
        select(AttendeeName, Order.reference, TicketType.name, Ticket.serial)
        .join(Order, Order.id == AttendeeName.order_id)
        .join(OrderLine, OrderLine.id == AttendeeName.order_line_id)
        .join(TicketType, TicketType.id == OrderLine.ticket_type_id)
        .outerjoin(Ticket, _ticket_of(AttendeeName.order_line_id, AttendeeName.position))
        .where(AttendeeName.organization_id == s.organization_id, AttendeeName.order_id.in_(s.order_ids))
        .order_by(Order.reference, TicketType.name, AttendeeName.position)
    )
    return [
        {
            "order_reference": reference,
            "ticket_type": type_name,
            "ticket_number": n.position,
            "ticket_code": ticket_code(serial) if serial is not None else None,
            "holder_name": n.holder_name,
        }
        for n, reference, type_name, serial in rows.tuples()
    ]


async def _erase_names(db: AsyncSession, s: DataSubject) -> int:
    if not s.order_ids:
        return 0
    return await rows_changed(
        db,
        delete(AttendeeName).where(
            AttendeeName.organization_id == s.organization_id, AttendeeName.order_id.in_(s.order_ids)
        ),
    )


async def _remove_event_names(db: AsyncSession, org: uuid.UUID, event_id: uuid.UUID) -> int:
    return await rows_changed(
        db,
        delete(AttendeeName).where(
            AttendeeName.organization_id == org, AttendeeName.order_id.in_(_of_event(org, event_id))
        ),
    )


QUESTION_ANSWERS = PersonalDataHolder(
    key="question_answers",
    description="Answers to the organiser's checkout questions, per order or per ticket, with each question.",
    export=_export_answers,
    erase=_erase_answers,
    remove_attendee_details=_remove_event_answers,
)

ATTENDEE_NAMES = PersonalDataHolder(
    key="attendee_names",
    description="The name given at checkout for each ticket (copied onto the ticket when it is issued).",
    export=_export_names,
    erase=_erase_names,
    remove_attendee_details=_remove_event_names,
)
