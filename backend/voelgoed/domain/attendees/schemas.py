"""Bodies of the questions API, the attendee-name setting, and the answers as the organiser's
order detail and the buyer API show them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.attendees.models import HOLDER_NAME_MODES, QUESTION_KINDS, QUESTION_SCOPES
from voelgoed.lib.closed_sets import closed_set

if TYPE_CHECKING:
    from voelgoed.domain.attendees.models import AttendeeAnswer, Question

    QuestionKind = str
    QuestionScope = str
    HolderNameMode = str
else:
    QuestionKind = closed_set(
        "QuestionKind", QUESTION_KINDS, "How a question is answered: free text, one of its options, or a tick."
    )
    QuestionScope = closed_set(
        "QuestionScope", QUESTION_SCOPES, "Asked once per order, or for each ticket of the types it applies to."
    )
    HolderNameMode = closed_set(
        "HolderNameMode", HOLDER_NAME_MODES, "Whether the buyer names each ticket: not asked, optional or required."
    )

MAX_OPTIONS = 30
OPTION_LENGTH = 100
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Purpose = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
# Lengths and counts of options are checked by the service, so the answer names the option.
Options = Annotated[list[Annotated[str, msgspec.Meta(max_length=1000)]], msgspec.Meta(max_length=200)]
TypeIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=200)]


class QuestionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`purpose` tells the buyer why the question is asked (POPIA: collect only with a purpose).
    `options`: a choice question's answers (2 to 30 distinct, each up to 100 characters); no
    other kind takes options. `ticket_type_ids`: empty means every ticket type."""

    kind: QuestionKind
    label: Label
    purpose: Purpose
    required: bool = False
    scope: QuestionScope = "order"
    ticket_type_ids: TypeIds = msgspec.field(default_factory=list)
    options: Options = msgspec.field(default_factory=list)


class QuestionUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`archived: true` takes the question out of checkout and keeps its answers; false brings it back."""

    kind: QuestionKind | msgspec.UnsetType = msgspec.UNSET
    label: Label | msgspec.UnsetType = msgspec.UNSET
    purpose: Purpose | msgspec.UnsetType = msgspec.UNSET
    required: bool | msgspec.UnsetType = msgspec.UNSET
    scope: QuestionScope | msgspec.UnsetType = msgspec.UNSET
    ticket_type_ids: TypeIds | msgspec.UnsetType = msgspec.UNSET
    options: Options | msgspec.UnsetType = msgspec.UNSET
    archived: bool | msgspec.UnsetType = msgspec.UNSET


class QuestionOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Every active question of the event, once, in the new order."""

    question_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=500)]


class QuestionRead(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    kind: QuestionKind
    label: str
    purpose: str
    required: bool
    scope: QuestionScope
    ticket_type_ids: list[uuid.UUID]  # empty: every ticket type
    options: list[str]
    position: int
    archived: bool
    answer_count: int
    created_at: datetime
    updated_at: datetime


class AttendeeSettingsRead(msgspec.Struct):
    event_id: uuid.UUID
    holder_names: HolderNameMode


class AttendeeSettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    holder_names: HolderNameMode


class AnswerRead(msgspec.Struct):
    """One answer in the organiser's order detail. A per-ticket answer names the ticket by its
    type and number in the order, and by `ticket_id` once the ticket is issued."""

    question_id: uuid.UUID
    label: str
    kind: QuestionKind
    scope: QuestionScope
    value: str | bool
    ticket_id: uuid.UUID | None = None
    ticket_type_id: uuid.UUID | None = None
    number: int | None = None


class AskedQuestionRead(msgspec.Struct):
    """A question as the buyer sees it."""

    id: uuid.UUID
    kind: QuestionKind
    label: str
    purpose: str
    required: bool
    options: list[str]


class AskedTicketRead(msgspec.Struct):
    """One ticket of the order: its type, its number within that type (from 1), and what is asked for it."""

    ticket_type_id: uuid.UUID
    ticket_type_name: str
    number: int
    questions: list[AskedQuestionRead]


class CheckoutQuestionsRead(msgspec.Struct):
    """What `startCheckout` asks for this order: `answers` for `order_questions`, and per ticket
    (`tickets[].ticket_type_id` + `number`) a `holder_name` (per `holder_names`) and `answers`."""

    holder_names: HolderNameMode
    order_questions: list[AskedQuestionRead]
    tickets: list[AskedTicketRead]


# --- mappers: stored rows -> response bodies ---


def question_read(q: Question, answer_count: int) -> QuestionRead:
    return QuestionRead(
        id=q.id,
        event_id=q.event_id,
        kind=q.kind,
        label=q.label,
        purpose=q.purpose,
        required=q.required,
        scope=q.scope,
        ticket_type_ids=list(q.ticket_type_ids or []),
        options=list(q.options or []),
        position=q.position,
        archived=q.archived_at is not None,
        answer_count=answer_count,
        created_at=q.created_at,
        updated_at=q.updated_at,
    )


def answer_read(
    a: AttendeeAnswer,
    q: Question,
    ticket_ids: dict[tuple[uuid.UUID, int], uuid.UUID],
    type_of_line: dict[uuid.UUID, uuid.UUID],
) -> AnswerRead:
    """`ticket_ids`: (order line id, position) -> the issued ticket; `type_of_line`: the order's
    line id -> its ticket type."""
    per_ticket = a.order_line_id is not None and a.position is not None
    return AnswerRead(
        question_id=q.id,
        label=q.label,
        kind=q.kind,
        scope="ticket" if per_ticket else "order",
        value=a.value,
        ticket_id=ticket_ids.get((a.order_line_id, a.position)) if per_ticket else None,  # type: ignore[arg-type]
        ticket_type_id=type_of_line.get(a.order_line_id) if a.order_line_id else None,
        number=a.position,
    )


def asked_question_read(q: Question) -> AskedQuestionRead:
    return AskedQuestionRead(
        id=q.id, kind=q.kind, label=q.label, purpose=q.purpose, required=q.required, options=list(q.options or [])
    )
