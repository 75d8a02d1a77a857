"""Inventory counters: locking, moving, releasing expired holds, and cached availability.

Counters (`ticket_type.reserved/sold`, `event_inventory.reserved/sold`, `coupon.used`) move only by
conditional UPDATEs, and CHECK constraints refuse an oversell even if the code were wrong.

Lock order, everywhere, to avoid deadlocks: the event's `event_inventory` row first (it serialises
every counter change of one event), then orders, then ticket types sorted by id, then coupons.

Expired holds stop counting at once: availability subtracts them when computed, and a reservation
that finds too little stock releases the event's expired holds inline (under the event lock) and
tries again. The SAQ cron job `release_expired_holds` only tidies up in the background.

Everything here runs on an `AsyncConnection` (core SQL, no ORM events): callers holding an ORM
session pass `await session.connection()`, so the work joins their transaction.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from voelgoed.domain.catalog.models import Coupon, EventInventory, TicketType
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.machines import HOLDING_STATUSES, OrderLifecycle
from voelgoed.domain.orders.models import Order, OrderLine

log = logging.getLogger(__name__)

INV = cast(Table, EventInventory.__table__)
TT = cast(Table, TicketType.__table__)
ORD = cast(Table, Order.__table__)
LINE = cast(Table, OrderLine.__table__)
CPN = cast(Table, Coupon.__table__)
EVT = cast(Table, Event.__table__)


def utcnow() -> datetime:
    return datetime.now(UTC)


# The statements every hold batch and payment runs, built once with bind parameters. Building an
# expression like `reserved + sold + n <= quantity` per call leaves reference cycles (SQLAlchemy
# memoizes each operand's comparator on it) that only the cyclic GC frees, and its collections
# stall every request in the API process; prebuilt statements also skip the construction work.
_EVENT_CAPACITY = select(EVT.c.organization_id, EVT.c.capacity).where(EVT.c.id == bindparam("event_id"))
_LOCK_INVENTORY = (
    select(INV.c.id, INV.c.capacity, INV.c.reserved, INV.c.sold)
    .where(INV.c.event_id == bindparam("event_id"))
    .with_for_update()
)
_MOVE_TYPE = (
    update(TT)
    .where(TT.c.id == bindparam("row_id"))
    .values(reserved=TT.c.reserved + bindparam("d_res"), sold=TT.c.sold + bindparam("d_sold"))
)
_MOVE_TYPE_CHECKED = _MOVE_TYPE.where(TT.c.reserved + TT.c.sold + bindparam("growth") <= TT.c.quantity)
_MOVE_EVENT = (
    update(INV)
    .where(INV.c.id == bindparam("row_id"))
    .values(reserved=INV.c.reserved + bindparam("d_res"), sold=INV.c.sold + bindparam("d_sold"))
)
_MOVE_EVENT_CHECKED = _MOVE_EVENT.where(
    INV.c.capacity.is_(None) | (INV.c.reserved + INV.c.sold + bindparam("growth") <= INV.c.capacity)
)
_TYPE_ROWS = select(TT).where(TT.c.event_id == bindparam("event_id")).order_by(TT.c.id).with_for_update()


@dataclass
class InventoryRow:
    id: uuid.UUID
    event_id: uuid.UUID
    capacity: int | None
    reserved: int
    sold: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.reserved - self.sold


class StockShort(Exception):
    """A conditional counter update found too little stock (caller decides what to do)."""


async def lock_inventory(conn: AsyncConnection, event_id: uuid.UUID) -> InventoryRow | None:
    """Lock the event's inventory row (creating it on first use, capacity mirrored from the event).

    Returns None for an unknown event. Keeps `capacity` in sync with `event.capacity`: a capacity
    lowered below what is already held/sold caps at that (nothing more is sold)."""
    ev = (await conn.execute(_EVENT_CAPACITY, {"event_id": event_id})).first()
    if ev is None:
        return None
    row = (await conn.execute(_LOCK_INVENTORY, {"event_id": event_id})).first()
    if row is None:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        now = utcnow()
        await conn.execute(
            pg_insert(INV)
            .values(
                id=uuid.uuid4(),
                event_id=event_id,
                organization_id=ev.organization_id,
                capacity=ev.capacity,
                reserved=0,
                sold=0,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["event_id"])
        )
        row = (await conn.execute(_LOCK_INVENTORY, {"event_id": event_id})).one()
    inv = InventoryRow(row.id, event_id, row.capacity, row.reserved, row.sold)
    wanted = ev.capacity
    if wanted is not None and wanted < inv.reserved + inv.sold:
        wanted = inv.reserved + inv.sold
    if wanted != inv.capacity:
        await conn.execute(update(INV).where(INV.c.id == inv.id).values(capacity=wanted, updated_at=utcnow()))
        inv.capacity = wanted
    return inv


async def move_type_counters(
    conn: AsyncConnection, deltas: dict[uuid.UUID, tuple[int, int]], *, check: bool = True
) -> None:
    """Apply (reserved delta, sold delta) per ticket type, ids in sorted order. Growth is
    conditional on `reserved + sold + growth <= quantity`; raises StockShort when refused."""
    for tt_id in sorted(deltas):
        d_res, d_sold = deltas[tt_id]
        if d_res == 0 and d_sold == 0:
            continue
        growth = d_res + d_sold
        stmt = _MOVE_TYPE_CHECKED if check and growth > 0 else _MOVE_TYPE
        result = await conn.execute(stmt, {"row_id": tt_id, "d_res": d_res, "d_sold": d_sold, "growth": growth})
        if result.rowcount != 1:
            raise StockShort(str(tt_id))


async def move_event_counters(conn: AsyncConnection, inv: InventoryRow, d_res: int, d_sold: int) -> None:
    if d_res == 0 and d_sold == 0:
        return
    growth = d_res + d_sold
    stmt = _MOVE_EVENT_CHECKED if growth > 0 else _MOVE_EVENT
    result = await conn.execute(stmt, {"row_id": inv.id, "d_res": d_res, "d_sold": d_sold, "growth": growth})
    if result.rowcount != 1:
        raise StockShort("event")
    inv.reserved += d_res
    inv.sold += d_sold


@dataclass
class Released:
    """What releasing expired holds gave back (to adjust in-memory counts under the same lock)."""

    order_ids: list[uuid.UUID] = field(default_factory=list)
    per_type: Counter[uuid.UUID] = field(default_factory=Counter)
    per_coupon: Counter[uuid.UUID] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.per_type.values())


async def release_expired(
    conn: AsyncConnection, inv: InventoryRow, now: datetime | None = None, *, limit: int = 5000
) -> Released:
    """Expire the event's holds whose time has passed and give their stock (and coupon uses)
    back. The caller holds the inventory lock. Orders locked by someone else are skipped."""
    now = now or utcnow()
    rows = (
        await conn.execute(
            select(ORD.c.id, ORD.c.status, ORD.c.coupon_id)
            .where(
                ORD.c.event_id == inv.event_id,
                ORD.c.status.in_(HOLDING_STATUSES),
                ORD.c.hold_expires_at <= now,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    out = Released()
    if not rows:
        return out
    by_status: dict[str, list[uuid.UUID]] = defaultdict(list)
    for r in rows:
        order = SimpleNamespace(status=r.status)
        OrderLifecycle(order).send("expire")  # the machine decides; an illegal move raises
        by_status[order.status].append(r.id)
        out.order_ids.append(r.id)
        if r.coupon_id is not None:
            out.per_coupon[r.coupon_id] += 1
    for status, ids in by_status.items():
        await conn.execute(update(ORD).where(ORD.c.id.in_(ids)).values(status=status, updated_at=now))
    lines = await conn.execute(
        select(LINE.c.ticket_type_id, func.sum(LINE.c.quantity))
        .where(LINE.c.order_id.in_(out.order_ids))
        .group_by(LINE.c.ticket_type_id)
    )
    for tt_id, qty in lines.all():
        out.per_type[tt_id] += int(qty)
    await move_type_counters(conn, {t: (-q, 0) for t, q in out.per_type.items()}, check=False)
    await move_event_counters(conn, inv, -out.total, 0)
    for coupon_id, n in sorted(out.per_coupon.items()):
        await conn.execute(update(CPN).where(CPN.c.id == coupon_id).values(used=func.greatest(CPN.c.used - n, 0)))
    log.info("released %d expired holds of event %s", len(out.order_ids), inv.event_id)
    return out


async def release_all_expired(engine: AsyncEngine, redis: Redis | None = None) -> int:
    """Background tidy-up over every event with expired holds (the cron job's body)."""
    async with engine.connect() as conn:
        event_ids = (
            (
                await conn.execute(
                    select(ORD.c.event_id)
                    .where(ORD.c.status.in_(HOLDING_STATUSES), ORD.c.hold_expires_at <= utcnow())
                    .distinct()
                )
            )
            .scalars()
            .all()
        )
    released = 0
    for event_id in event_ids:
        async with engine.connect() as conn, conn.begin():
            inv = await lock_inventory(conn, event_id)
            if inv is not None:
                released += len((await release_expired(conn, inv)).order_ids)
        await invalidate_availability(redis, event_id)
    return released


# --- availability (cached in Redis, computed from PostgreSQL) ---------------------------------
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


def _cache_key(event_id: uuid.UUID) -> str:
    return f"avail:{event_id}"


async def compute_availability(conn: AsyncConnection, event_id: uuid.UUID, now: datetime | None = None) -> Availability:
    """From PostgreSQL: quantity - reserved - sold per type, capped by the event's capacity, with
    holds that have expired but are not yet released counted as free."""
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
    event_left: int | None = None
    if capacity is not None:
        held = (inv.reserved + inv.sold) if inv is not None else 0
        event_left = max(0, capacity - held + sum(int(v) for v in expired.values()))
    types = []
    for tt in (
        await conn.execute(select(TT.c.id, TT.c.quantity, TT.c.reserved, TT.c.sold).where(TT.c.event_id == event_id))
    ).all():
        left = max(0, tt.quantity - tt.reserved - tt.sold + int(expired.get(tt.id, 0)))
        if event_left is not None:
            left = min(left, event_left)
        types.append(TypeAvailability(ticket_type_id=tt.id, available=left))
    return Availability(event_id=event_id, event_available=event_left, types=types)


async def availability(conn: AsyncConnection, redis: Redis | None, event_id: uuid.UUID, ttl: int = 5) -> Availability:
    """Availability for event pages: Redis first (short TTL, dropped after every counter change),
    PostgreSQL when missing or when Redis is down. Never used to decide a sale.

    `conn` is the request's own connection (`await session.connection()`): taking a second one
    from the pool while the request holds one deadlocks under load (db/pool.py)."""
    key = _cache_key(event_id)
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
        await redis.delete(*[_cache_key(e) for e in event_ids])
    except (RedisError, OSError):  # an outage is logged once per period by lib/redis_client.py
        log.debug("availability cache unavailable; entries expire on their own")


async def lock_type_rows(conn: AsyncConnection, event_id: uuid.UUID) -> list[Any]:
    """Ticket types of an event, locked in id order (after the inventory row)."""
    return list((await conn.execute(_TYPE_ROWS, {"event_id": event_id})).all())
