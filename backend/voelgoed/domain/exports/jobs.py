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

from saq import CronJob
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.events.models import Event
from voelgoed.domain.exports import queries, services
from voelgoed.domain.exports.machines import ExportLifecycle
from voelgoed.domain.exports.models import DataExport
from voelgoed.worker_context import db_engine, db_session, job_queue, worker_job

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


def enqueue_kwargs(export_id: uuid.UUID) -> dict[str, Any]:
    """One job per export (the key), whoever enqueues it: the request, or the sweep below."""
    return {"key": f"export:{export_id}", "export_id": str(export_id), "timeout": 3600}


@worker_job
async def requeue_stalled_exports(ctx: dict[str, Any] | None) -> int:
    """Enqueue the job of exports still queued after 2 minutes: PostgreSQL, not the queue, says what
    is owed (as `redeliver_missed_tickets` does for ticket e-mails). A job still queued or running
    is not doubled: the key is the export's."""
    async with db_session(ctx) as db:
        stalled = list(await db.scalars(queries.STALLED_QUEUED))
    for export_id in stalled:
        await job_queue(ctx).enqueue("run_export", **enqueue_kwargs(export_id))
    if stalled:
        log.warning("re-enqueued %d stalled exports", len(stalled), extra={"job": "requeue_exports"})
    return len(stalled)


REQUEUE_STALLED_EXPORTS_CRON = CronJob(requeue_stalled_exports, cron="*/2 * * * *", timeout=60)
