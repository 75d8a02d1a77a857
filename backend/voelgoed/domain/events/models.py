from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voelgoed.db.tenancy import OrgOwned
from voelgoed.domain.venues.models import DEFAULT_TIMEZONE, Venue


class Event(OrgOwned, UUIDAuditBase):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="event_ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="event_capacity_non_negative"),
    )

    name: Mapped[str] = mapped_column(String(200), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    venue_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("venue.id", ondelete="RESTRICT"), default=None, index=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    capacity: Mapped[int | None] = mapped_column(default=None)
    # Changed only through EventLifecycle (machines.py).
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    venue: Mapped[Venue | None] = relationship(lazy="joined")
