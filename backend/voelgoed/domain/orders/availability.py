"""Availability: what is left of each ticket type of an event, cached in Redis, computed from
PostgreSQL. Here, not in the catalog: what is left depends on orders (holds that expired but are
not yet released count as free), and orders sit above the catalog (docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import datetime

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog.inventory import EVT, INV, QT, TT, utcnow
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import LINE, ORD
from voelgoed.domain.waiting_list.stock import queued_per_type

log = logging.getLogger(__name__)


class TypeAvailability(msgspec.Struct):
    ticket_type_id: uuid.UUID
    available: int


class Availability(msgspec.Struct):
    event_id: uuid.UUID
    event_available: int | None  # None: no event-wide cap
    types: list[TypeAvailability]

    def of(self, ticket_type_id: uuid.UUID) -> int:
        for t in self.types:
            if t.ticket_type_id == ticket_type_id:
                return t.available
        return 0


def cache_key(event_id: uuid.UUID) -> str:
    return f"avail:{event_id}"


def seat_map_cache_key(event_id: uuid.UUID) -> str:
    """The cache of the event's seat map (domain/seating/availability.py). Kept here so that every
    path that drops an event's availability (hold, payment, cancel, refund, expiry job) drops the
    seat map with it; seating sits above orders and cannot be called from here."""
    return f"seatmap:{event_id}"


async def compute_availability(conn: AsyncConnection, event_id: uuid.UUID, now: datetime | None = None) -> Availability:
    """From PostgreSQL: quantity - reserved - sold per type, capped by its shared quota's and the
    event's room (the same rule as holds.py's `_room`), with holds that have expired but are not
    yet released counted as free, and less what the waiting list keeps back (waiting_list/stock.py)."""
    now = now or utcnow()
    expired = dict(
        (
            await conn.execute(
                select(LINE.c.ticket_type_id, func.sum(LINE.c.quantity))
                .select_from(LINE.join(ORD, LINE.c.order_id == ORD.c.id))
                .where(
                    ORD.c.event_id == event_id,
                    ORD.c.status.in_(HOLDING_STATUSES),
                    ORD.c.hold_expires_at <= now,
                )
                .group_by(LINE.c.ticket_type_id)
            )
        ).all()
    )
    inv = (
        await conn.execute(select(INV.c.capacity, INV.c.reserved, INV.c.sold).where(INV.c.event_id == event_id))
    ).first()
    capacity = (
        inv.capacity if inv is not None else await conn.scalar(select(EVT.c.capacity).where(EVT.c.id == event_id))
    )
    queued = await queued_per_type(conn, event_id)
    event_left: int | None = None
    if capacity is not None:
        held = (inv.reserved + inv.sold) if inv is not None else 0
        event_left = max(0, capacity - held + sum(int(v) for v in expired.values()) - sum(queued.values()))
    rows = (
        await conn.execute(
            select(TT.c.id, TT.c.quantity, TT.c.reserved, TT.c.sold, TT.c.quota_id).where(TT.c.event_id == event_id)
        )
    ).all()
    quota_left: dict[uuid.UUID, int] = {}
    if any(tt.quota_id is not None for tt in rows):
        for q in (
            await conn.execute(
                select(QT.c.id, QT.c.capacity, QT.c.reserved, QT.c.sold).where(QT.c.event_id == event_id)
            )
        ).all():
            quota_left[q.id] = q.capacity - q.reserved - q.sold
        for tt in rows:
            if tt.quota_id in quota_left:
                quota_left[tt.quota_id] += int(expired.get(tt.id, 0)) - queued.get(tt.id, 0)
    types = []
    for tt in rows:
        left = max(0, tt.quantity - tt.reserved - tt.sold + int(expired.get(tt.id, 0)) - queued.get(tt.id, 0))
        if tt.quota_id in quota_left:
            left = max(0, min(left, quota_left[tt.quota_id]))
        if event_left is not None:
            left = min(left, event_left)
        types.append(TypeAvailability(ticket_type_id=tt.id, available=left))
    return Availability(event_id=event_id, event_available=event_left, types=types)


async def availability(conn: AsyncConnection, redis: Redis | None, event_id: uuid.UUID, ttl: int = 5) -> Availability:
    """Availability for event pages: Redis first (short TTL, dropped after every counter change),
    PostgreSQL when missing or when Redis is down. Never used to decide a sale.

    `conn` is the request's own connection (`await session.connection()`): taking a second one
    from the pool while the request holds one deadlocks under load (db/pool.py)."""
    key = cache_key(event_id)
    if redis is not None:
        try:
            raw = await redis.get(key)
            if raw:
                return msgspec.json.decode(raw, type=Availability)
        except (RedisError, OSError):
            redis = None
        except msgspec.DecodeError:
            pass
    result = await compute_availability(conn, event_id)
    if redis is not None and ttl > 0:
        with contextlib.suppress(RedisError, OSError):
            await redis.set(key, msgspec.json.encode(result), ex=ttl)
    return result


async def invalidate_availability(redis: Redis | None, *event_ids: uuid.UUID) -> None:
    if redis is None or not event_ids:
        return
    try:
        await redis.delete(*[cache_key(e) for e in event_ids], *[seat_map_cache_key(e) for e in event_ids])
    except (RedisError, OSError):  # an outage is logged once per period by lib/redis_client.py
        log.debug("availability cache unavailable; entries expire on their own")
