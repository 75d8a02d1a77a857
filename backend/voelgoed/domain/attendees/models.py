"""What an event asks its buyers, and what they answered.

- `Question`: asked per order or per ticket (of all or some ticket types), with the purpose it is
  asked (POPIA: the buyer reads why before answering). A question with answers is archived,
  never deleted, so no answer loses its question.
- `AttendeeAnswer`: every answer of every order, in one table keyed by the order (and, for a
  per-ticket question, the ticket's order line and position, which is what identifies the ticket
  before and after it is issued: tickets are unique per (order_line_id, position)). Personal
  data: found and erased per order.
- `AttendeeName`: the name the buyer gave for each ticket, copied onto the ticket when it is
  issued (tickets/issuing.py); the ticket's `holder_name` is then what counts.
- `AttendeeSettings`: per event, whether a name per ticket is asked (off / optional / required).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned

QUESTION_KINDS = ("text", "choice", "checkbox")
QUESTION_SCOPES = ("order", "ticket")
HOLDER_NAME_MODES = ("off", "optional", "required")


class Question(OrgOwned, UUIDAuditBase):
    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint("kind IN ('text', 'choice', 'checkbox')", name="question_kind"),
        CheckConstraint("scope IN ('order', 'ticket')", name="question_scope"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(500))  # why it is asked; shown to the buyer
    required: Mapped[bool] = mapped_column(default=False)
    scope: Mapped[str] = mapped_column(String(10), default="order")
    # None: every ticket type of the event; else only tickets of these (per-ticket questions),
    # or only orders with a ticket of these (per-order questions).
    ticket_type_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)), default=None)
    options: Mapped[list[str]] = mapped_column(JSONB, default=list)  # a choice question's options
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class AttendeeAnswer(OrgOwned, UUIDAuditBase):
    __tablename__ = "attendee_answer"
    __table_args__ = (CheckConstraint("(order_line_id IS NULL) = (position IS NULL)", name="attendee_answer_ticket"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"), index=True)
    # Both NULL for a per-order answer; the ticket's line and position for a per-ticket one.
    order_line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("order_line.id", ondelete="CASCADE"), default=None
    )
    position: Mapped[int | None] = mapped_column(default=None)
    value: Mapped[Any] = mapped_column(JSONB)  # a string (text, choice) or a boolean (checkbox)


class AttendeeName(OrgOwned, UUIDAuditBase):
    __tablename__ = "attendee_name"
    __table_args__ = (UniqueConstraint("order_line_id", "position"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    holder_name: Mapped[str] = mapped_column(String(200))


class AttendeeSettings(OrgOwned, UUIDAuditBase):
    __tablename__ = "attendee_settings"
    __table_args__ = (
        CheckConstraint("holder_names IN ('off', 'optional', 'required')", name="attendee_settings_holder_names"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    holder_names: Mapped[str] = mapped_column(String(10), default="off")
