from __future__ import annotations

import uuid

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voelgoed.db.tenancy import OrgOwned

DEFAULT_TIMEZONE = "Africa/Johannesburg"


class Venue(OrgOwned, UUIDAuditBase):
    __tablename__ = "venue"

    name: Mapped[str] = mapped_column(String(200), index=True)
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200), default=None)
    city: Mapped[str] = mapped_column(String(120))
    province: Mapped[str | None] = mapped_column(String(120), default=None)
    postal_code: Mapped[str | None] = mapped_column(String(20), default=None)
    country: Mapped[str] = mapped_column(String(2), default="ZA")
    capacity: Mapped[int | None] = mapped_column(default=None)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    notes: Mapped[str | None] = mapped_column(Text, default=None)

    gates: Mapped[list[Gate]] = relationship(
        back_populates="venue", lazy="selectin", cascade="all, delete-orphan", order_by="Gate.code"
    )


class Gate(OrgOwned, UUIDAuditBase):
    __tablename__ = "gate"
    __table_args__ = (UniqueConstraint("venue_id", "code"),)

    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))

    venue: Mapped[Venue] = relationship(back_populates="gates")
