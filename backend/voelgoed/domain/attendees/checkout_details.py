"""What checkout asks an order's buyer, checking the answers, and storing them.

The buyer answers per-order questions once, and for each ticket of the types a per-ticket
question applies to, that question plus (per the event's setting) the name of the person using
the ticket. A ticket is named by its ticket type and its number within that type in the order
(an order has one line per type, so the number is the ticket's position in its line: the pair
the ticket gets when it is issued).

Field names of errors, the same for the checkout site's form and the buyer API:
`answers.<question_id>`, `tickets.<ticket_type_id>.<number>.holder_name`,
`tickets.<ticket_type_id>.<number>.answers.<question_id>`.

The buyer's pages and API run with no tenant scope; every statement here is keyed by an order
the caller loaded with its token (or an event id from that order), hence `UNSCOPED`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ScalarSelect, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.attendees.models import AttendeeAnswer, AttendeeName, Question
from voelgoed.domain.attendees.services import clean_text, holder_names_mode
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.orders.models import Order
from voelgoed.lib.problems import FieldError, Unprocessable

TEXT_ANSWER_LENGTH = 500
HOLDER_NAME_LENGTH = 200
Value = str | bool


@dataclass(frozen=True)
class TicketSlot:
    line_id: uuid.UUID
    ticket_type_id: uuid.UUID
    type_name: str
    number: int  # 1..quantity of its line: the issued ticket's `position`
    questions: tuple[Question, ...]

    @property
    def field(self) -> str:
        return f"tickets.{self.ticket_type_id}.{self.number}"


@dataclass
class Asked:
    holder_names: str  # off | optional | required
    order_questions: list[Question]
    tickets: list[TicketSlot]

    @property
    def anything(self) -> bool:
        return bool(self.order_questions or self.holder_names != "off" or any(t.questions for t in self.tickets))


@dataclass
class TicketInput:
    holder_name: str | None = None
    answers: dict[uuid.UUID, Value] = field(default_factory=dict)


@dataclass
class Details:
    """What the buyer sent: per-order answers, and per ticket (type id, number) its details."""

    answers: dict[uuid.UUID, Value] = field(default_factory=dict)
    tickets: dict[tuple[uuid.UUID, int], TicketInput] = field(default_factory=dict)


def _applies(q: Question, type_ids: set[uuid.UUID]) -> bool:
    return not q.ticket_type_ids or bool(set(q.ticket_type_ids) & type_ids)


async def asked_for_order(db: AsyncSession, order: Order) -> Asked:
    questions = list(
        await db.scalars(
            select(Question)
            .where(Question.event_id == order.event_id, Question.archived_at.is_(None))
            .order_by(Question.position, Question.created_at)
            .execution_options(**UNSCOPED)
        )
    )
    type_rows = await db.execute(
        select(TicketType.id, TicketType.name, TicketType.sort_order)
        .where(TicketType.id.in_([line.ticket_type_id for line in order.lines]))
        .execution_options(**UNSCOPED)
    )
    types = {tid: (sort, name) for tid, name, sort in type_rows.tuples()}
    lines = sorted(order.lines, key=lambda ln: (*types.get(ln.ticket_type_id, (0, "")), str(ln.ticket_type_id)))
    order_types = {line.ticket_type_id for line in lines}
    slots = []
    for line in lines:
        per_ticket = tuple(q for q in questions if q.scope == "ticket" and _applies(q, {line.ticket_type_id}))
        name = types.get(line.ticket_type_id, (0, "Ticket"))[1]
        slots += [TicketSlot(line.id, line.ticket_type_id, name, n, per_ticket) for n in range(1, line.quantity + 1)]
    return Asked(
        holder_names=await holder_names_mode(db, order.event_id, **UNSCOPED),
        order_questions=[q for q in questions if q.scope == "order" and _applies(q, order_types)],
        tickets=slots,
    )


def _check_value(q: Question, raw: Value | None, where: str, errors: dict[str, str]) -> Value | None:
    """The stored form of one answer, or None when there is nothing to store; errors at `where`."""
    if q.kind == "checkbox":
        if raw is not None and not isinstance(raw, bool):
            errors[where] = "Answer with true or false."
            return None
        ticked = bool(raw)
        if q.required and not ticked:
            errors[where] = "Tick this box to continue."
            return None
        return ticked
    if raw is not None and not isinstance(raw, str):
        errors[where] = "Answer in words." if q.kind == "text" else "Choose one of the options."
        return None
    text = clean_text(raw or "")
    if not text:
        if q.required:
            errors[where] = "This question needs an answer." if q.kind == "text" else "Choose one of the options."
        return None
    if q.kind == "text":
        if len(text) > TEXT_ANSWER_LENGTH:
            errors[where] = f"An answer can be at most {TEXT_ANSWER_LENGTH} characters."
            return None
        return text
    if text not in (q.options or []):
        errors[where] = "Choose one of the options."
        return None
    return text


def _check_answers(
    questions: tuple[Question, ...] | list[Question], sent: dict[uuid.UUID, Value], prefix: str, errors: dict[str, str]
) -> list[tuple[uuid.UUID, Value]]:
    asked = {q.id for q in questions}
    for qid in sent:
        if qid not in asked:
            errors[f"{prefix}answers.{qid}"] = "This question is not asked here."
    out = []
    for q in questions:
        value = _check_value(q, sent.get(q.id), f"{prefix}answers.{q.id}", errors)
        if value is not None:
            out.append((q.id, value))
    return out


@dataclass
class CheckedDetails:
    answers: list[tuple[uuid.UUID, uuid.UUID | None, int | None, Value]]  # question, line, position, value
    names: list[tuple[uuid.UUID, int, str]]  # line, position, name


def check(asked: Asked, details: Details) -> tuple[CheckedDetails, dict[str, str]]:
    """The answers as stored, and the errors by field (empty when all is well)."""
    errors: dict[str, str] = {}
    out = CheckedDetails(answers=[], names=[])
    for qid, value in _check_answers(asked.order_questions, details.answers, "", errors):
        out.answers.append((qid, None, None, value))
    slots = {(s.ticket_type_id, s.number): s for s in asked.tickets}
    for type_id, number in details.tickets:
        if (type_id, number) not in slots:
            errors[f"tickets.{type_id}.{number}"] = "There is no such ticket in this order."
    for key, slot in slots.items():
        sent = details.tickets.get(key, TicketInput())
        prefix = f"{slot.field}."
        name = clean_text(sent.holder_name or "")
        if asked.holder_names == "off":
            if name:
                errors[f"{prefix}holder_name"] = "This event does not ask for names per ticket."
        elif not name:
            if asked.holder_names == "required":
                errors[f"{prefix}holder_name"] = "Enter the name of the person using this ticket."
        elif len(name) > HOLDER_NAME_LENGTH:
            errors[f"{prefix}holder_name"] = f"A name can be at most {HOLDER_NAME_LENGTH} characters."
        else:
            out.names.append((slot.line_id, slot.number, name))
        for qid, value in _check_answers(slot.questions, sent.answers, prefix, errors):
            out.answers.append((qid, slot.line_id, slot.number, value))
    return out, errors


async def record_details(db: AsyncSession, order: Order, details: Details) -> None:
    """Check the buyer's answers and names against what this order is asked, and store them in
    place of any earlier ones (a buyer may send the details step again). 422 with every error
    at its field, and nothing stored, when any is wrong. Flushes, never commits."""
    asked = await asked_for_order(db, order)
    checked, errors = check(asked, details)
    if errors:
        raise Unprocessable(
            "Some answers need your attention.", errors=[FieldError(field=f, message=m) for f, m in errors.items()]
        )
    if not asked.anything and not checked.answers and not checked.names:
        return  # an event that asks nothing: no writes on the checkout path
    await db.execute(delete(AttendeeAnswer).where(AttendeeAnswer.order_id == order.id).execution_options(**UNSCOPED))
    await db.execute(delete(AttendeeName).where(AttendeeName.order_id == order.id).execution_options(**UNSCOPED))
    org = order.organization_id
    db.add_all(
        AttendeeAnswer(organization_id=org, order_id=order.id, question_id=q, order_line_id=line, position=pos, value=v)
        for q, line, pos, v in checked.answers
    )
    db.add_all(
        AttendeeName(organization_id=org, order_id=order.id, order_line_id=line, position=pos, holder_name=name)
        for line, pos, name in checked.names
    )
    await db.flush()


async def stored_details(db: AsyncSession, order: Order) -> Details:
    """What the buyer sent last time, to fill the form in again."""
    type_of = {line.id: line.ticket_type_id for line in order.lines}
    out = Details()
    answers = await db.scalars(
        select(AttendeeAnswer).where(AttendeeAnswer.order_id == order.id).execution_options(**UNSCOPED)
    )
    for a in answers:
        if a.order_line_id is None or a.position is None:
            out.answers[a.question_id] = a.value
        elif a.order_line_id in type_of:
            slot = out.tickets.setdefault((type_of[a.order_line_id], a.position), TicketInput())
            slot.answers[a.question_id] = a.value
    names = await db.scalars(
        select(AttendeeName).where(AttendeeName.order_id == order.id).execution_options(**UNSCOPED)
    )
    for n in names:
        if n.order_line_id in type_of:
            out.tickets.setdefault((type_of[n.order_line_id], n.position), TicketInput()).holder_name = n.holder_name
    return out


def name_given_for(order_line_id: uuid.UUID, position: int) -> ScalarSelect[str]:
    """The name the buyer gave for the ticket at (order line, position), as a subquery: issuing
    puts it straight into the ticket's INSERT, so a payment's locked transaction makes no extra
    round trip for it."""
    return (
        select(AttendeeName.holder_name)
        .where(AttendeeName.order_line_id == order_line_id, AttendeeName.position == position)
        .scalar_subquery()
    )


async def answers_of_order(db: AsyncSession, order_id: uuid.UUID) -> list[tuple[AttendeeAnswer, Question]]:
    """An order's answers with their questions: per-order ones first, then per ticket, each in
    the event's question order."""
    rows = await db.execute(
        select(AttendeeAnswer, Question)
        .join(Question, Question.id == AttendeeAnswer.question_id)
        .where(AttendeeAnswer.order_id == order_id)
        .order_by(AttendeeAnswer.order_line_id.is_not(None), AttendeeAnswer.position, Question.position)
        .execution_options(**UNSCOPED)
    )
    return [(a, q) for a, q in rows.tuples()]


def details_from_json(answers: list[Any], tickets: list[Any]) -> Details:
    """The buyer API's body (orders/schemas.py `CheckoutStart.answers` / `.tickets`) as Details;
    a question or ticket sent twice is refused at its field."""
    out = Details()
    errors: dict[str, str] = {}
    for a in answers:
        if a.question_id in out.answers:
            errors[f"answers.{a.question_id}"] = "Answer each question once."
        out.answers[a.question_id] = a.value
    for t in tickets:
        key = (t.ticket_type_id, t.number)
        if key in out.tickets:
            errors[f"tickets.{t.ticket_type_id}.{t.number}"] = "Send each ticket once."
        slot = out.tickets[key] = TicketInput(holder_name=t.holder_name)
        for a in t.answers:
            if a.question_id in slot.answers:
                errors[f"tickets.{t.ticket_type_id}.{t.number}.answers.{a.question_id}"] = "Answer each question once."
            slot.answers[a.question_id] = a.value
    if errors:
        raise Unprocessable(
            "Some answers need your attention.", errors=[FieldError(field=f, message=m) for f, m in errors.items()]
        )
    return out
