"""CSV export jobs. `status` changes only through ExportLifecycle (machines.py). The file is kept in
the database as ordered chunks (append-only bytea rows), so it survives restarts and is written and
read without ever holding the whole file in memory."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase, orm_registry
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class _Base(DeclarativeBase):
    registry = orm_registry


class DataExport(OrgOwned, UUIDAuditBase):
    __tablename__ = "data_export"
    __table_args__ = (UniqueConstraint("organization_id", "idempotency_key", name="uq_data_export_idempotency"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # orders | attendees | scans
    status: Mapped[str] = mapped_column(String(16), default="queued")
    requested_by: Mapped[uuid.UUID | None] = mapped_column(default=None)  # user id (audit log has the rest)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
    total_rows: Mapped[int | None] = mapped_column(default=None)  # counted when the job starts
    rows_written: Mapped[int] = mapped_column(default=0)
    size_bytes: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class DataExportChunk(OrgOwned, _Base):
    __tablename__ = "data_export_chunk"

    export_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_export.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
