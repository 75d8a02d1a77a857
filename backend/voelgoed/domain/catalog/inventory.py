"""Inventory counters: locking and moving them. What holds and orders do with them lives with
orders (orders/holds.py reserves, orders/expiry.py releases expired holds, orders/availability.py
computes what is left): orders sit above the catalog (docs/architecture.md).

Counters (`ticket_type.reserved/sold`, `ticket_quota.reserved/sold`, `event_inventory.reserved/sold`,
`coupon.used`) move only by conditional UPDATEs, and CHECK constraints refuse an oversell even if
the code were wrong.

Lock order, everywhere, to avoid deadlocks:
  1. the event's `event_inventory` row (it serialises every counter change of one event),
  2. orders,
     2b. an event's seats (`event_seat`: conditional UPDATEs of seat holds, payments and releases,
         domain/seating/holds.py and sales.py),
  3. ticket types, sorted by id,
  4. shared quotas (`ticket_quota`), sorted by id,
  5. coupons,
  6. waiting-list entries (domain/waiting_list, workflows/waiting_list_offers.py).
A shared quota belongs to one event, so (1) already serialises every change of its counters; the
row locks of (3)-(6) keep the order anyway. A quota's counters move only here, with its types'
(`move_type_counters`): the type UPDATE returns the type's quota, and the quota's conditional
UPDATE follows in the same transaction, so the pool and the type can never disagree.

Everything here runs on an `AsyncConnection` (core SQL, no ORM events): callers holding an ORM
session pass `await session.connection()`, so the work joins their transaction.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog.models import Coupon, EventInventory, TicketQuota, TicketType
from voelgoed.domain.events.models import Event

log = logging.getLogger(__name__)

INV = cast(Table, EventInventory.__table__)
TT = cast(Table, TicketType.__table__)
QT = cast(Table, TicketQuota.__table__)
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
    .returning(TT.c.quota_id)
)
_MOVE_TYPE_CHECKED = _MOVE_TYPE.where(TT.c.reserved + TT.c.sold + bindparam("growth") <= TT.c.quantity)
_MOVE_QUOTA = (
    update(QT)
    .where(QT.c.id == bindparam("row_id"))
    .values(reserved=QT.c.reserved + bindparam("d_res"), sold=QT.c.sold + bindparam("d_sold"))
)
_MOVE_QUOTA_CHECKED = _MOVE_QUOTA.where(QT.c.reserved + QT.c.sold + bindparam("growth") <= QT.c.capacity)
_QUOTA_ROWS = select(QT).where(QT.c.event_id == bindparam("event_id")).order_by(QT.c.id).with_for_update()
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


async def lock_inventory(conn: AsyncConnection, event_id: uuid.UUID, event: Any = None) -> InventoryRow | None:
    """Lock the event's inventory row (creating it on first use, capacity mirrored from the event).

    Returns None for an unknown event. Keeps `capacity` in sync with `event.capacity`: a capacity
    lowered below what is already held/sold caps at that (nothing more is sold). `event`: the
    event's row with `organization_id` and `capacity`, when the caller read it in this transaction
    already (the hold batches: a round trip less under the lock)."""
    ev = event if event is not None else (await conn.execute(_EVENT_CAPACITY, {"event_id": event_id})).first()
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
    """Apply (reserved delta, sold delta) per ticket type, ids in sorted order, then the same
    deltas to the shared quotas those types draw from, quota ids in sorted order (lock order:
    types, then quotas). Growth is conditional on `reserved + sold + growth <= quantity` (of the
    type, and of the quota's `capacity`); raises StockShort when refused (the caller's
    transaction, or savepoint, undoes what moved before)."""
    quota_deltas: dict[uuid.UUID, list[int]] = {}
    for tt_id in sorted(deltas):
        d_res, d_sold = deltas[tt_id]
        if d_res == 0 and d_sold == 0:
            continue
        growth = d_res + d_sold
        stmt = _MOVE_TYPE_CHECKED if check and growth > 0 else _MOVE_TYPE
        row = (await conn.execute(stmt, {"row_id": tt_id, "d_res": d_res, "d_sold": d_sold, "growth": growth})).first()
        if row is None:
            raise StockShort(str(tt_id))
        if row.quota_id is not None:
            moved = quota_deltas.setdefault(row.quota_id, [0, 0])
            moved[0] += d_res
            moved[1] += d_sold
    for quota_id in sorted(quota_deltas):
        d_res, d_sold = quota_deltas[quota_id]
        if d_res == 0 and d_sold == 0:
            continue
        growth = d_res + d_sold
        quota_stmt = _MOVE_QUOTA_CHECKED if check and growth > 0 else _MOVE_QUOTA
        result = await conn.execute(
            quota_stmt, {"row_id": quota_id, "d_res": d_res, "d_sold": d_sold, "growth": growth}
        )
        if result.rowcount != 1:
            raise StockShort(f"quota {quota_id}")


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


async def lock_type_rows(conn: AsyncConnection, event_id: uuid.UUID) -> list[Any]:
    """Ticket types of an event, locked in id order (after the inventory row)."""
    return list((await conn.execute(_TYPE_ROWS, {"event_id": event_id})).all())


async def lock_quota_rows(conn: AsyncConnection, event_id: uuid.UUID) -> list[Any]:
    """The event's shared quotas, locked in id order (after its ticket types)."""
    return list((await conn.execute(_QUOTA_ROWS, {"event_id": event_id})).all())


async def move_quota_membership(
    conn: AsyncConnection, *, reserved: int, sold: int, old: uuid.UUID | None, new: uuid.UUID | None
) -> None:
    """A ticket type with `reserved`/`sold` leaves quota `old` and joins quota `new`: its counts
    move with it. Joining is conditional on the pool's room (StockShort when the pool cannot take
    what the type already holds and sells). The caller holds the event's inventory lock."""
    if old == new or (reserved == 0 and sold == 0):
        return
    if old is not None:
        await conn.execute(_MOVE_QUOTA, {"row_id": old, "d_res": -reserved, "d_sold": -sold, "growth": 0})
    if new is not None:
        growth = reserved + sold
        result = await conn.execute(
            _MOVE_QUOTA_CHECKED, {"row_id": new, "d_res": reserved, "d_sold": sold, "growth": growth}
        )
        if result.rowcount != 1:
            raise StockShort(f"quota {new}")
