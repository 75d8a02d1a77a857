"""Redis cache of computed dashboards (an accelerator: lost, it is simply recomputed).

The key carries the event's change token (services.change_token: ticket-type counters, newest
scan, last snapshot build), so any sale, hold or scan makes a new key and the next reader
recomputes; every organiser (and every live stream) watching the same event then shares that one
computation. Changes the token does not see (fees filled in later, an offline-duplicate flag
flip) show after at most DASHBOARD_CACHE_SECONDS. Overviews have no cheap token; they are cached
for a few seconds per organisation.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.dashboards import services
from voelgoed.domain.dashboards.schemas import EventDashboard, OrganizationOverview
from voelgoed.domain.events.models import Event
from voelgoed.lib.redis_client import RedisUnavailable

log = logging.getLogger(__name__)
OVERVIEW_SECONDS = 5


def _unavailable(exc: RedisError) -> None:
    if isinstance(exc, RedisUnavailable):  # an outage: the request client logs it once per period
        log.debug("dashboard cache unavailable: %s", exc)
    else:
        log.warning("dashboard cache unavailable", exc_info=True)


async def _get(redis: Redis, key: str) -> bytes | None:
    try:
        value = await redis.get(key)
    except RedisError as exc:  # Redis is an accelerator: carry on without it
        _unavailable(exc)
        return None
    return value if isinstance(value, bytes) else None


async def _set(redis: Redis, key: str, value: bytes, ttl: int) -> None:
    try:
        await redis.set(key, value, ex=ttl)
    except RedisError as exc:
        _unavailable(exc)


def _hash(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


async def _part(redis: Redis, key: str, ttl: int, kind: type[Any], compute: Callable[[], Awaitable[Any]]) -> Any:
    cached = await _get(redis, key)
    if cached is not None:
        return msgspec.json.decode(cached, type=kind)
    value = await compute()
    await _set(redis, key, msgspec.json.encode(value), ttl)
    return value


async def event_dashboard(
    db: AsyncSession,
    redis: Redis,
    event: Event,
    granularity: str,
    ttl: int,
    token: services.ChangeToken | None = None,
) -> EventDashboard:
    """Whole dashboards are cached per change token (`token`: one the caller just read). On a
    change only the part it touches is recomputed: a hold (reserved) recomputes neither sales nor
    check-ins, a payment the sales part, a scan or snapshot build the check-in part."""
    if ttl <= 0:
        return await services.event_dashboard(db, event, granularity)
    token = token or await services.change_token(db, event.id)
    prefix = f"dash:{event.id}:{granularity}"
    key = f"{prefix}:all:{_hash(token)}"
    cached = await _get(redis, key)
    if cached is not None:
        return msgspec.json.decode(cached, type=EventDashboard)
    sales = await _part(
        redis,
        f"{prefix}:sales:{_hash(token.sold)}",
        ttl,
        services.SalesPart,
        lambda: services.sales_part(db, event, granularity),
    )
    checkins = await _part(
        redis,
        f"{prefix}:checkins:{_hash(token.scan_seq, token.built_at)}",
        ttl,
        services.CheckinPart,
        lambda: services.checkin_part(db, event, granularity),
    )
    body = await services.event_dashboard(db, event, granularity, sales=sales, checkins=checkins)
    await _set(redis, key, msgspec.json.encode(body), ttl)
    return body


async def organization_overview(
    db: AsyncSession, redis: Redis, organization_id: uuid.UUID, ttl: int
) -> OrganizationOverview:
    ttl = min(ttl, OVERVIEW_SECONDS)
    if ttl <= 0:
        return await services.organization_overview(db, organization_id)
    key = f"dash:org:{organization_id}"
    cached = await _get(redis, key)
    if cached is not None:
        return msgspec.json.decode(cached, type=OrganizationOverview)
    body = await services.organization_overview(db, organization_id)
    await _set(redis, key, msgspec.json.encode(body), ttl)
    return body
