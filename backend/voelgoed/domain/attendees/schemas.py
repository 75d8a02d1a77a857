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
RequiredAnswer = Annotated[bool, msgspec.Meta(description="Checkout refuses to continue without an answer.")]


class QuestionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`purpose` tells the buyer why the question is asked (POPIA: collect only with a purpose).
    `options`: a choice question's answers (2 to 30 distinct, each up to 100 characters); no
    other kind takes options. `ticket_type_ids`: empty means every ticket type."""

    kind: Annotated[QuestionKind, msgspec.Meta(description="What kind of answer it takes.")]
    label: Annotated[Label, msgspec.Meta(description="The question buyers read.", examples=["Dieetvereistes"])]
    purpose: Annotated[
        Purpose,
        msgspec.Meta(
            description="Why it is asked, shown to buyers (POPIA).", examples=["So the caterer can plan meals."]
        ),
    ]
    required: RequiredAnswer = False
    scope: Annotated[
        QuestionScope, msgspec.Meta(description="`order`: asked once per order; `ticket`: asked for each ticket.")
    ] = "order"
    ticket_type_ids: Annotated[
        TypeIds,
        msgspec.Meta(description="For a ticket question: only tickets of these types are asked (empty: every type)."),
    ] = msgspec.field(default_factory=list)
    options: Annotated[
        Options,
        msgspec.Meta(
            description="The choices of a choice question (at least two); empty for other kinds.",
            examples=[["Geen", "Vegetaries", "Halaal"]],
        ),
    ] = msgspec.field(default_factory=list)


class QuestionUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`archived: true` takes the question out of checkout and keeps its answers; false brings it back."""

    kind: (
        Annotated[
            QuestionKind,
            msgspec.Meta(description="What kind of answer it takes (an answered question keeps its kind: 409)."),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    label: (
        Annotated[Label, msgspec.Meta(description="The question buyers read.", examples=["Dieetvereistes"])]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    purpose: (
        Annotated[
            Purpose,
            msgspec.Meta(
                description="Why it is asked, shown to buyers (POPIA).", examples=["So the caterer can plan meals."]
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    required: (
        Annotated[bool, msgspec.Meta(description="Checkout refuses to continue without an answer.")] | msgspec.UnsetType
    ) = msgspec.UNSET
    scope: (
        Annotated[
            QuestionScope, msgspec.Meta(description="`order` or `ticket` (an answered question keeps its scope: 409).")
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    ticket_type_ids: (
        Annotated[
            TypeIds,
            msgspec.Meta(description="For a ticket question, the types whose tickets are asked; empty: every type."),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    options: (
        Annotated[
            Options,
            msgspec.Meta(description="The choices of a choice question.", examples=[["Geen", "Vegetaries", "Halaal"]]),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    archived: (
        Annotated[bool, msgspec.Meta(description="true takes it out of checkout (answers kept); false puts it back.")]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class QuestionOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Every active question of the event, once, in the new order."""

    question_ids: Annotated[
        list[uuid.UUID],
        msgspec.Meta(max_length=500, description="Every active question of the event, once, in the new order."),
    ]


class QuestionRead(msgspec.Struct):
    """A checkout question of an event."""

    id: uuid.UUID
    event_id: uuid.UUID
    kind: Annotated[QuestionKind, msgspec.Meta(description="What kind of answer it takes.")]
    label: Annotated[str, msgspec.Meta(description="The question buyers read.", examples=["Dieetvereistes"])]
    purpose: Annotated[
        str,
        msgspec.Meta(
            description="Why it is asked, shown to buyers (POPIA).", examples=["So the caterer can plan meals."]
        ),
    ]
    required: RequiredAnswer
    scope: Annotated[
        QuestionScope, msgspec.Meta(description="`order`: asked once per order; `ticket`: asked for each ticket.")
    ]
    ticket_type_ids: Annotated[
        list[uuid.UUID],
        msgspec.Meta(description="For a ticket question, the types whose tickets are asked; empty: every type."),
    ]  # empty: every ticket type
    options: Annotated[
        list[str],
        msgspec.Meta(description="The choices of a choice question.", examples=[["Geen", "Vegetaries", "Halaal"]]),
    ]
    position: Annotated[
        int, msgspec.Meta(description="Where buyers see it: lower first (archived questions are listed last).")
    ]
    archived: Annotated[bool, msgspec.Meta(description="Taken out of checkout; its answers are kept.")]
    answer_count: Annotated[
        int,
        msgspec.Meta(description="How many answers it has (an answered question cannot be deleted, only archived)."),
    ]
    created_at: datetime
    updated_at: datetime


class AttendeeSettingsRead(msgspec.Struct):
    """Whether checkout asks the name of each ticket's holder."""

    event_id: uuid.UUID
    holder_names: Annotated[
        HolderNameMode,
        msgspec.Meta(description="`off`: never asked; `optional`: asked; `required`: checkout needs one per ticket."),
    ]


class AttendeeSettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Whether checkout asks the name of each ticket's holder."""

    holder_names: Annotated[
        HolderNameMode,
        msgspec.Meta(description="`off`: never asked; `optional`: asked; `required`: checkout needs one per ticket."),
    ]


class AnswerRead(msgspec.Struct):
    """One answer in the organiser's order detail. A per-ticket answer names the ticket by its
    type and number in the order, and by `ticket_id` once the ticket is issued."""

    question_id: uuid.UUID
    label: Annotated[str, msgspec.Meta(description="The question as it was asked.", examples=["Dieetvereistes"])]
    kind: Annotated[QuestionKind, msgspec.Meta(description="The question's kind when it was answered.")]
    scope: Annotated[QuestionScope, msgspec.Meta(description="Asked once per order, or per ticket.")]
    value: Annotated[
        str | bool,
        msgspec.Meta(
            description="The answer: text, the chosen option, or true/false for a checkbox.", examples=["Vegetaries"]
        ),
    ]
    ticket_id: uuid.UUID | None = None
    ticket_type_id: uuid.UUID | None = None
    number: (
        Annotated[
            int, msgspec.Meta(description="Which ticket of its type in the order (from 1); null for an order question.")
        ]
        | None
    ) = None


class AskedQuestionRead(msgspec.Struct):
    """A question as the buyer sees it."""

    id: uuid.UUID
    kind: Annotated[
        QuestionKind, msgspec.Meta(description="What kind of answer it takes (text, choice, checkbox ...).")
    ]
    label: Annotated[str, msgspec.Meta(description="The question buyers read.", examples=["Dieetvereistes"])]
    purpose: Annotated[
        str,
        msgspec.Meta(
            description="Why the organiser asks it (shown to buyers: POPIA asks for a purpose).",
            examples=["So the caterer can plan meals."],
        ),
    ]
    required: RequiredAnswer
    options: Annotated[
        list[str],
        msgspec.Meta(
            description="The choices, for a choice question (empty otherwise).",
            examples=[["Geen", "Vegetaries", "Halaal"]],
        ),
    ]


class AskedTicketRead(msgspec.Struct):
    """One ticket of the order: its type, its number within that type (from 1), and what is asked for it."""

    ticket_type_id: uuid.UUID
    ticket_type_name: str
    number: Annotated[int, msgspec.Meta(description="Which ticket of its type in the order (from 1).")]
    questions: Annotated[
        list[AskedQuestionRead], msgspec.Meta(description="The per-ticket questions that apply to this ticket's type.")
    ]


class CheckoutQuestionsRead(msgspec.Struct):
    """What `startCheckout` asks for this order: `answers` for `order_questions`, and per ticket
    (`tickets[].ticket_type_id` + `number`) a `holder_name` (per `holder_names`) and `answers`."""

    holder_names: Annotated[
        HolderNameMode, msgspec.Meta(description="Whether each ticket needs (or may take) its holder's name.")
    ]
    order_questions: Annotated[
        list[AskedQuestionRead], msgspec.Meta(description="Questions asked once for the whole order.")
    ]
    tickets: Annotated[
        list[AskedTicketRead], msgspec.Meta(description="One entry per ticket in the order, with its own questions.")
    ]


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
