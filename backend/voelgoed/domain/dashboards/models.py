"""Pre-aggregated dashboard snapshots (built by the SAQ cron job in jobs.py, see snapshots.py).

Buckets are UTC hours. `DashboardSnapshotState.funnel_until` / `checkin_until` say up to which
instant (exclusive, hour-aligned) the buckets of one event are complete; everything at or after it
is the live tail that readers count from the raw tables. Buckets and state change in one
transaction, so a reader always sees a consistent pair.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import orm_registry
from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class _Base(DeclarativeBase):
    registry = orm_registry


class FunnelBucket(OrgOwned, _Base):
    """Number of funnel events of one step and UTM source in one UTC hour ('' = no source)."""

    __tablename__ = "dashboard_funnel_bucket"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    step: Mapped[str] = mapped_column(String(32), primary_key=True)
    utm_source: Mapped[str] = mapped_column(String(100), primary_key=True)
    events: Mapped[int] = mapped_column(BigInteger)


class CheckinBucket(OrgOwned, _Base):
    """Admission claims (entries) and allowed exits through one gate in one UTC hour (server time)."""

    __tablename__ = "dashboard_checkin_bucket"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    gate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gate.id", ondelete="CASCADE"), primary_key=True)
    entries: Mapped[int] = mapped_column(BigInteger)
    exits: Mapped[int] = mapped_column(BigInteger)


class DashboardSnapshotState(OrgOwned, _Base):
    __tablename__ = "dashboard_snapshot_state"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    funnel_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    checkin_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
