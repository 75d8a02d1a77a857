"""The checkout form's questions and ticket names (domain/attendees/checkout_details.py holds the
rules): form fields <-> the workflow's `Details`, and what the template draws.

Form field names are the API's error field names, so a problem from the workflow lands at the
field it names: `answers.<question_id>`, `tickets.<type_id>.<number>.holder_name`,
`tickets.<type_id>.<number>.answers.<question_id>`. A checkbox sends `yes` when ticked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voelgoed.domain.attendees.checkout_details import Asked, Details, TicketInput, TicketSlot
from voelgoed.domain.attendees.models import Question

FORM_TEXT_LIMIT = 2000  # longer than any answer may be: the rule's own message says the limit


@dataclass(frozen=True)
class Field:
    name: str
    question: Question | None  # None: the holder's name


@dataclass(frozen=True)
class TicketFields:
    slot: TicketSlot
    fields: list[Field]


def order_fields(asked: Asked) -> list[Field]:
    return [Field(f"answers.{q.id}", q) for q in asked.order_questions]


def ticket_fields(asked: Asked) -> list[TicketFields]:
    out = []
    for slot in asked.tickets:
        fields = [Field(f"{slot.field}.holder_name", None)] if asked.holder_names != "off" else []
        fields += [Field(f"{slot.field}.answers.{q.id}", q) for q in slot.questions]
        if fields:
            out.append(TicketFields(slot, fields))
    return out


def values_from_form(asked: Asked, form: Any) -> dict[str, str]:
    """The posted values of every asked field, as text (kept to show the form again)."""
    names = [f.name for f in order_fields(asked)] + [f.name for t in ticket_fields(asked) for f in t.fields]
    return {n: " ".join(str(form.get(n) or "").split())[:FORM_TEXT_LIMIT] for n in names}


def _value(q: Question, raw: str) -> str | bool | None:
    if q.kind == "checkbox":
        return raw == "yes"
    return raw or None


def details_from_values(asked: Asked, values: dict[str, str]) -> Details:
    details = Details()
    for f in order_fields(asked):
        assert f.question is not None
        value = _value(f.question, values.get(f.name, ""))
        if value is not None:
            details.answers[f.question.id] = value
    for t in ticket_fields(asked):
        sent = details.tickets.setdefault((t.slot.ticket_type_id, t.slot.number), TicketInput())
        for f in t.fields:
            raw = values.get(f.name, "")
            if f.question is None:
                sent.holder_name = raw or None
                continue
            value = _value(f.question, raw)
            if value is not None:
                sent.answers[f.question.id] = value
    return details


def values_from_details(asked: Asked, details: Details) -> dict[str, str]:
    """Stored answers as form values (the buyer comes back to the details step)."""

    def as_text(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else ""
        return str(value or "")

    out = {f"answers.{qid}": as_text(v) for qid, v in details.answers.items()}
    for slot in asked.tickets:
        sent = details.tickets.get((slot.ticket_type_id, slot.number))
        if sent is None:
            continue
        if sent.holder_name:
            out[f"{slot.field}.holder_name"] = sent.holder_name
        out |= {f"{slot.field}.answers.{qid}": as_text(v) for qid, v in sent.answers.items()}
    return out
