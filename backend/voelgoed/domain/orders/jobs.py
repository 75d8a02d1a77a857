"""SAQ cron job: release expired holds in the background.

Correctness never waits for this job: reservations release an event's expired holds inline, and
availability counts them as free. This only tidies up (order statuses, counters, the cache).
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from saq import CronJob
from saq.types import Context
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from voelgoed.domain.orders.expiry import release_all_expired
from voelgoed.settings import get_settings

log = logging.getLogger(__name__)
_engines: dict[str, AsyncEngine] = {}


def _engine_and_redis() -> tuple[AsyncEngine, str]:
    from voelgoed.db import models  # noqa: F401  (registers every table)
    from voelgoed.devservices import resolve_urls

    settings = get_settings()
    db_url, redis_url = resolve_urls(settings.data_dir, settings.database_url, settings.redis_url)
    if db_url not in _engines:
        _engines[db_url] = create_async_engine(db_url, pool_size=2, max_overflow=2, pool_pre_ping=True)
    return _engines[db_url], redis_url


async def release_expired_holds(ctx: Context) -> int:
    engine, redis_url = _engine_and_redis()
    redis = Redis.from_url(redis_url)
    try:
        released = await release_all_expired(engine, redis)
    finally:
        await redis.aclose()
    if released:
        log.info("released %d expired holds", released, extra={"job": "release_expired_holds"})
    return released


RELEASE_EXPIRED_HOLDS_CRON = CronJob(release_expired_holds, cron="* * * * *", timeout=55)
