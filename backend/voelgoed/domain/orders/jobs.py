"""SAQ cron job: release expired holds in the background.

Correctness never waits for this job: reservations release an event's expired holds inline, and
availability counts them as free. This only tidies up (order statuses, counters, the cache).
"""

from __future__ import annotations

import logging

from saq import CronJob
from saq.types import Context

from voelgoed.domain.orders.expiry import release_all_expired
from voelgoed.worker_context import db_engine, job_redis, worker_job

log = logging.getLogger(__name__)


@worker_job
async def release_expired_holds(ctx: Context) -> int:
    released = await release_all_expired(db_engine(ctx), job_redis(ctx))
    if released:
        log.info("released %d expired holds", released, extra={"job": "release_expired_holds"})
    return released


RELEASE_EXPIRED_HOLDS_CRON = CronJob(release_expired_holds, cron="* * * * *", timeout=55)
