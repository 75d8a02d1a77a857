"""SAQ job: write one export's CSV into `data_export_chunk` rows, with progress on the export row.

The rows are read in one REPEATABLE READ snapshot; each chunk is stored (and progress updated) in
its own short transaction, so the app shows progress while the job runs. A retried or restarted
job starts over: old chunks are deleted first.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.events.models import Event
from voelgoed.domain.exports import queries, services
from voelgoed.domain.exports.machines import ExportLifecycle
from voelgoed.domain.exports.models import DataExport
from voelgoed.worker_context import db_engine, db_session, worker_job

log = logging.getLogger(__name__)


async def _transition(session_factory: Any, export_id: uuid.UUID, event: str, **fields: Any) -> DataExport:
    async with session_factory() as db, db.begin():
        export = await db.scalar(select(DataExport).where(DataExport.id == export_id).with_for_update())
        if export is None:
            raise LookupError(f"export {export_id} is gone")
        ExportLifecycle(export).send(event)
        for k, v in fields.items():
            setattr(export, k, v)
        return export


@worker_job
async def run_export(ctx: dict[str, Any] | None, *, export_id: str) -> int:
    engine = db_engine(ctx)

    def session_factory() -> AsyncSession:
        return db_session(ctx)

    xid = uuid.UUID(export_id)
    export = await _transition(
        session_factory, xid, "start", started_at=datetime.now(UTC), rows_written=0, size_bytes=0
    )
    try:
        async with session_factory() as db:
            event = await db.scalar(select(Event).where(Event.id == export.event_id))
            assert event is not None
        tz = ZoneInfo(event.timezone)
        async with engine.begin() as w:
            await w.execute(queries.DELETE_CHUNKS, {"x": xid})
        written = size = seq = 0
        async with engine.connect() as reader:
            await reader.execute(queries.READ_ONLY_SNAPSHOT)
            total = await services.count_rows(reader, export.kind, export.event_id)
            async with engine.begin() as w:
                await w.execute(queries.SET_TOTAL_ROWS, {"n": total, "x": xid})
            async for data, n in services.stream_chunks(reader, export.kind, export.event_id, tz, chunk_rows=5000):
                written += n
                size += len(data)
                async with engine.begin() as w:
                    await w.execute(
                        queries.INSERT_CHUNK,
                        {"x": xid, "o": export.organization_id, "s": seq, "d": data},
                    )
                    await w.execute(
                        queries.SET_PROGRESS,
                        {"w": written, "b": size, "x": xid},
                    )
                seq += 1
    except Exception as exc:
        log.exception("export %s failed", export_id)
        await _transition(session_factory, xid, "fail", error=str(exc)[:500], finished_at=datetime.now(UTC))
        raise
    await _transition(session_factory, xid, "finish", finished_at=datetime.now(UTC))
    log.info("export %s done: %d rows, %d bytes", export_id, written, size)
    return written
