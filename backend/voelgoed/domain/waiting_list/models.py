"""The waiting list of a sold-out ticket type, and the event's waiting-list settings.

An entry's `status` changes only through WaitingListLifecycle (machines.py). Every change that
offers stock, or takes an offer back, runs under the event's inventory lock (docs/inventory.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned

# Statuses whose entries still wait for (or hold) stock: one of them per e-mail and type.
OPEN_STATUSES = ("waiting", "offered")


class WaitingListSettings(OrgOwned, UUIDAuditBase):
    """Per event: whether sold-out types take a waiting list, and how long an offer holds stock."""

    __tablename__ = "waiting_list_settings"
    __table_args__ = (CheckConstraint("offer_hours BETWEEN 1 AND 168", name="waiting_list_settings_offer_hours"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    offer_hours: Mapped[int] = mapped_column(default=24)


class WaitingListEntry(OrgOwned, UUIDAuditBase):
    __tablename__ = "waiting_list_entry"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="waiting_list_entry_quantity"),
        CheckConstraint(
            "status IN ('waiting', 'offered', 'converted', 'expired', 'removed')", name="waiting_list_entry_status"
        ),
        # Joining twice with one e-mail for one type is the same place in the line (idempotent).
        Index(
            "uq_waiting_list_entry_open_email",
            "ticket_type_id",
            "email",
            unique=True,
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
        Index("ix_waiting_list_entry_event_status", "event_id", "status", "created_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    ticket_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_type.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))  # normalised (lib/contact.py)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    # The offer: a hold (an order in `reserved` until offer_expires_at) made for this entry, and
    # the hash of the link's token (the token itself is only in the e-mail).
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket_order.id", ondelete="SET NULL"), default=None, index=True
    )
    offer_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    offer_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    offer_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
