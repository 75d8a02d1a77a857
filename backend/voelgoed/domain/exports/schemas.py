from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class ExportCreate(msgspec.Struct, forbid_unknown_fields=True):
    kind: str  # orders | attendees | scans


class ExportRead(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    kind: str
    status: str  # queued | running | done | failed
    total_rows: int | None
    rows_written: int
    progress: float | None  # 0..1 once total_rows is known
    size_bytes: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    download_path: str | None  # set when done


class ExportList(msgspec.Struct):
    items: list[ExportRead]
