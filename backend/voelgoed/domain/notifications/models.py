"""What notifications store: an organisation's own wording of a buyer e-mail, and the record
that an order's reminder was sent (the claim that makes it exactly once)."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase, orm_registry
from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class EmailTemplate(OrgOwned, UUIDAuditBase):
    """An organiser's subject and intro for one e-mail kind in one locale; no row: our default.
    Only plain text with placeholders is stored, checked against the kind's set (wording.py)."""

    __tablename__ = "email_template"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "locale", name="uq_email_template_kind_locale"),)

    kind: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    subject: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )


class _Base(DeclarativeBase):
    """Plain tables (own primary keys, no audit columns) in the shared metadata."""

    registry = orm_registry


class OrderReminder(_Base):
    """One row per order whose reminder was sent: inserted (ON CONFLICT DO NOTHING) in the same
    transaction as the sending, so two workers or a re-run of the job never send it twice
    (reminders.py)."""

    __tablename__ = "order_reminder"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
