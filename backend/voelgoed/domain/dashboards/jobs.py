"""SAQ cron job: extend every event's dashboard snapshots up to the safe hour boundary."""

from __future__ import annotations

import logging

from saq import CronJob
from saq.types import Context

from voelgoed.domain.dashboards import queries, snapshots
from voelgoed.worker_context import db_engine, worker_job

log = logging.getLogger(__name__)


@worker_job
async def build_dashboard_snapshots(ctx: Context | None = None) -> int:
    """One short transaction per event (locks only that event's state row)."""
    engine = db_engine(ctx)
    async with engine.connect() as conn:
        boundary = await snapshots.safe_boundary(conn)
        # Events still selling or checking in (and any never snapshotted). Readers stay exact for
        # older events too: their live tail is simply everything since their last build.
        event_ids = (await conn.execute(queries.EVENTS_TO_BUILD)).scalars().all()
        await conn.rollback()
    built = 0
    for event_id in event_ids:
        async with engine.begin() as conn:
            built += await snapshots.build_event(conn, event_id, boundary)
    if built:
        log.info("dashboard snapshots extended to %s for %d events", boundary.isoformat(), built)
    return built


BUILD_DASHBOARD_SNAPSHOTS_CRON = CronJob(build_dashboard_snapshots, cron="* * * * *", timeout=300)
