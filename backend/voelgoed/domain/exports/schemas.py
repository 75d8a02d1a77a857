from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.exports.machines import ExportStatus
from voelgoed.domain.exports.services import KINDS, ExportKind
from voelgoed.lib.closed_sets import documented_as

if TYPE_CHECKING:
    from voelgoed.domain.exports.models import DataExport


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


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def export_read(x: DataExport) -> ExportRead:
    progress = None
    if x.total_rows is not None:
        progress = 1.0 if x.total_rows == 0 or x.status == "done" else round(min(1.0, x.rows_written / x.total_rows), 4)
    return ExportRead(
        id=x.id,
        event_id=x.event_id,
        kind=x.kind,
        status=x.status,
        total_rows=x.total_rows,
        rows_written=x.rows_written,
        progress=progress,
        size_bytes=x.size_bytes,
        error=x.error,
        created_at=x.created_at,
        started_at=x.started_at,
        finished_at=x.finished_at,
        download_path=(
            f"/api/organizations/{x.organization_id}/events/{x.event_id}/exports/{x.id}/download"
            if x.status == "done"
            else None
        ),
    )
