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
    """What to export."""

    kind: Annotated[
        Annotated[str, documented_as(KINDS)], msgspec.Meta(description="`orders`, `attendees` or `scans`.")
    ]  # orders | attendees | scans


class ExportRead(msgspec.Struct):
    """An export job."""

    id: uuid.UUID
    event_id: uuid.UUID
    kind: Annotated[ExportKind, msgspec.Meta(description="`orders`, `attendees` or `scans`.")]
    status: Annotated[
        ExportStatus, msgspec.Meta(description="`queued`, `running`, `done` or `failed`.")
    ]  # queued | running | done | failed
    total_rows: Annotated[int, msgspec.Meta(description="Rows to write; null until known.")] | None
    rows_written: Annotated[int, msgspec.Meta(description="Rows written so far.")]
    progress: (
        Annotated[
            float, msgspec.Meta(description="rows_written / total_rows (0 to 1); null until total_rows is known.")
        ]
        | None
    )  # 0..1 once total_rows is known
    size_bytes: int
    error: Annotated[str, msgspec.Meta(description="Why it failed; null unless `failed`.")] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    download_path: (
        Annotated[
            str,
            msgspec.Meta(
                description="Where to download the CSV once done (downloadExport); null before.",
                examples=[
                    "/api/organizations/0f5c2b9e-3a41-5d6f-8e27-1c9b4a7d3e60/events/2bb8e6fa-8747-53ac-b00d-89b3aa826400/exports/7d3e9a10-4b2c-5e8f-9a61-0c5d7e2f1b34/download"
                ],
            ),
        ]
        | None
    )  # set when done


class ExportList(msgspec.Struct):
    """The event's 50 most recent exports, newest first."""

    items: Annotated[list[ExportRead], msgspec.Meta(description="The exports.")]


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
