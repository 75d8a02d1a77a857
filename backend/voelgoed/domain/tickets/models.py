"""Issued tickets, the per-event Ed25519 signing keys, and rendered ticket documents."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class Ticket(OrgOwned, UUIDAuditBase):
    """One admission. `status` (valid | void) changes only through TicketLifecycle."""

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("order_line_id", "position"),
        # A seat is never sold twice: at most one valid ticket per event seat (domain/seating).
        Index("uq_ticket_valid_event_seat", "event_seat_id", unique=True, postgresql_where=text("status = 'valid'")),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="RESTRICT"), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()  # 1..quantity within the line: makes issuing idempotent
    ticket_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_type.id", ondelete="RESTRICT"))
    serial: Mapped[str] = mapped_column(String(32), unique=True)  # random, carried in the signed QR payload
    holder_name: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[str] = mapped_column(String(20), default="valid", index=True)
    # The reserved seat (section, row, seat: domain/seating), copied from the order line.
    event_seat_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("event_seat.id", ondelete="SET NULL"), default=None
    )


class EventSigningKey(OrgOwned, UUIDAuditBase):
    """The Ed25519 key that signs an event's ticket payloads; scanners get only the public half."""

    __tablename__ = "event_signing_key"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # 32 raw bytes
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted with SECRET_KEY


class OrderDocument(OrgOwned, UUIDAuditBase):
    """The rendered PDF of an order's tickets (rendered by a SAQ job, served by the download link)."""

    __tablename__ = "order_document"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), unique=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
