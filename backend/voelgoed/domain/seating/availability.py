"""The public seat map: one status letter per seat, in the plan's seat order, with an ETag.

`status[i]` is the seat at position i of the plan (sections, rows, seats as the plan document
lists them): `a` available, `h` held, `s` sold, `b` blocked. A held seat whose hold lapsed shows
`a` at once (the same rule as holds.py's TAKEABLE). 50,000 seats are a 50,000-character string,
a few KB compressed.

Cached in Redis (`seatmap:<event>`), dropped after every change (orders/availability.py's
`invalidate_availability`, which every hold, payment, cancellation and refund path calls, drops it
with the ticket availability), and kept no longer than the earliest live hold's end, so a lapse
shows without any job. PostgreSQL answers when Redis is missing or down: never used for a sale.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from datetime import datetime

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog.inventory import utcnow
from voelgoed.domain.orders.availability import seat_map_cache_key
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import ORD
from voelgoed.domain.seating.models import EVENT_SEAT as ES
from voelgoed.domain.seating.models import EVENT_SEATING, PLAN

CODES = {"available": "a", "held": "h", "sold": "s", "blocked": "b"}
MAX_CACHE_SECONDS = 60


class SeatMap(msgspec.Struct):
    event_id: uuid.UUID
    plan_id: uuid.UUID
    plan_version: int
    status: str
    etag: str
    valid_until: datetime | None  # the earliest live hold's end: the map changes then by itself


async def compute_seat_map(conn: AsyncConnection, event_id: uuid.UUID, now: datetime | None = None) -> SeatMap | None:
    """From PostgreSQL; None when the event has no seating plan."""
    now = now or utcnow()
    plan = (
        await conn.execute(
            select(PLAN.c.id, PLAN.c.version)
            .join(EVENT_SEATING, EVENT_SEATING.c.plan_id == PLAN.c.id)
            .where(EVENT_SEATING.c.event_id == event_id)
        )
    ).first()
    if plan is None:
        return None
    # The same rule as holds.py's TAKEABLE: a hold is live while its order holds and its time runs.
    live_hold = (ES.c.status == "held") & ORD.c.status.in_(HOLDING_STATUSES) & (ORD.c.hold_expires_at > now)
    shown = case((ES.c.status == "held", case((live_hold, "held"), else_="available")), else_=ES.c.status)
    rows = (
        await conn.execute(
            select(shown.label("status"), case((live_hold, ORD.c.hold_expires_at), else_=None).label("until"))
            .select_from(ES.outerjoin(ORD, ORD.c.id == ES.c.order_id))
            .where(ES.c.event_id == event_id)
            .order_by(ES.c.position)
        )
    ).all()
    status = "".join(CODES[r.status] for r in rows)
    until = min((r.until for r in rows if r.until is not None), default=None)
    etag = hashlib.sha256(f"{plan.id}:{plan.version}:{status}".encode()).hexdigest()[:20]
    return SeatMap(event_id, plan.id, plan.version, status, etag, until)


async def seat_map(
    conn: AsyncConnection, redis: Redis | None, event_id: uuid.UUID, *, cache: bool = True
) -> SeatMap | None:
    """Redis first, PostgreSQL when missing, stale (a hold lapsed since) or Redis is down."""
    key = seat_map_cache_key(event_id)
    now = utcnow()
    if redis is not None and cache:
        try:
            raw = await redis.get(key)
            if raw:
                hit = msgspec.json.decode(raw, type=SeatMap)
                if hit.valid_until is None or hit.valid_until > now:
                    return hit
        except (RedisError, OSError):
            redis = None
        except msgspec.DecodeError:
            pass
    result = await compute_seat_map(conn, event_id, now)
    if result is not None and redis is not None and cache:
        seconds = MAX_CACHE_SECONDS
        if result.valid_until is not None:
            seconds = max(1, min(seconds, int((result.valid_until - now).total_seconds())))
        with contextlib.suppress(RedisError, OSError):
            await redis.set(key, msgspec.json.encode(result), ex=seconds)
    return result


async def status_counts(conn: AsyncConnection, event_id: uuid.UUID) -> dict[str, int]:
    """Seats per shown status (the organiser's summary)."""
    found = await compute_seat_map(conn, event_id)
    status = found.status if found is not None else ""
    return {name: status.count(letter) for name, letter in CODES.items()}
