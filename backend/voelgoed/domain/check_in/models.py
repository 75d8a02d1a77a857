"""Check-in: per-event rules, per-ticket admission state, every scan, scan sessions, and the
change log that offline scanners sync from (see docs/scanning-protocol.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDAuditBase, orm_registry
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class _Base(DeclarativeBase):
    """Plain tables (own primary keys, no audit columns) in the shared metadata."""

    registry = orm_registry


class CheckinConfig(OrgOwned, UUIDAuditBase):
    """Per-event rules; no row means the defaults (every type at every gate, no re-entry,
    event start - 3 h .. event end)."""

    __tablename__ = "checkin_config"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    exit_allowed: Mapped[bool] = mapped_column(default=True)
    reentry_allowed: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # [{gate_id, entry, exit, ticket_type_ids: [..] | null}]; gates not listed: open to all types.
    gates: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)


class TicketCheckinState(OrgOwned, _Base):
    """One row per ticket that was ever scanned in: the exactly-once admission lock."""

    __tablename__ = "ticket_checkin_state"

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    inside: Mapped[bool] = mapped_column(default=False)
    entries: Mapped[int] = mapped_column(default=0)
    exits: Mapped[int] = mapped_column(default=0)
    admitted_scan_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # the winning first admission
    admitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))


class ScanSession(OrgOwned, _Base):
    """Consecutive scans of one device at one gate (new after 30 min idle or a gate change)."""

    __tablename__ = "checkin_scan_session"
    __table_args__ = (Index("ix_checkin_scan_session_device_started", "device_id", "started_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))
    gate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gate.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_scan_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scan_count: Mapped[int] = mapped_column(default=0)
    clock_offset_ms: Mapped[int | None] = mapped_column(default=None)  # server - client, last online scan


class CheckinScan(OrgOwned, _Base):
    """Every scan, whatever its result; never updated except the offline_duplicate flag."""

    __tablename__ = "checkin_scan"
    __table_args__ = (
        UniqueConstraint("device_id", "client_scan_id", name="uq_checkin_scan_device_client_scan"),
        Index("ix_checkin_scan_event_seq", "event_id", "seq"),
        Index("ix_checkin_scan_ticket", "ticket_id"),
        # Dashboards: check-ins over time, and the (rare) offline duplicates.
        Index("ix_checkin_scan_event_server_time", "event_id", "server_time"),
        Index("ix_checkin_scan_event_offline_duplicate", "event_id", postgresql_where=text("offline_duplicate")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)  # feed order for organisers
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))
    gate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("gate.id", ondelete="SET NULL"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("checkin_scan_session.id", ondelete="SET NULL"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    client_scan_id: Mapped[uuid.UUID] = mapped_column()
    direction: Mapped[str] = mapped_column(String(5))
    result: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(40), default=None)
    offline: Mapped[bool] = mapped_column(default=False)
    manual: Mapped[bool] = mapped_column(default=False, server_default=text("false"))  # a typed ticket code
    local_verdict: Mapped[str | None] = mapped_column(String(24), default=None)
    claim: Mapped[bool] = mapped_column(default=False)  # an admission claim (ok entry, online or offline)
    offline_duplicate: Mapped[bool] = mapped_column(default=False)
    client_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    server_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    effective_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    clock_offset_ms: Mapped[int] = mapped_column(Integer, default=0)


class CheckinChange(OrgOwned, _Base):
    """Something an offline scanner must learn. `seq` is set later by the sequencer (sync.py),
    never by the writer: that is what makes the cursor gap-free."""

    __tablename__ = "checkin_change"
    __table_args__ = (
        Index("ix_checkin_change_event_seq", "event_id", "seq"),
        Index("ix_checkin_change_unsequenced", "event_id", postgresql_where=text("seq IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    seq: Mapped[int | None] = mapped_column(BigInteger, default=None)
    kind: Mapped[str] = mapped_column(String(10))  # ticket | rules | keys
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
