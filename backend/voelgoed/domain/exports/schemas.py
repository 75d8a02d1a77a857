from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from voelgoed.domain.exports.machines import ExportStatus
from voelgoed.domain.exports.services import KINDS, ExportKind
from voelgoed.lib.closed_sets import documented_as


class ExportCreate(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[str, documented_as(KINDS)]  # orders | attendees | scans


class ExportRead(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    kind: ExportKind
    status: ExportStatus  # queued | running | done | failed
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
