"""The best free seats near a point, chosen in memory: best.py's rule, fast.

A 50,000-seat stadium has ~17,000 free seats per category at the start of an on-sale. Reading them
with their labels and positions for every best-available hold (under the event's lock), ranking
them in SQL, or reading the nearest rows' seats a few at a time (the frontier of taken seats soon
spans hundreds of rows) each cost a batch of holds 100 ms or more. Instead:

1. The plan's geometry (each seat's row, place in the row, x/y; each row's box per category) is
   read once per plan version and process (`plan_geometry`, one read even when many ask at once):
   a version's seats never change while it is sold (a change makes a new version or moves
   `updated_at`, the cache's key), so nothing kept here can be stale.
2. What is free comes from free_seats.py: kept per process and event, brought up to date in the
   caller's transaction from the seats changed since its last read.
3. `FreeNearest` applies best.py's rule in memory. A block's centre lies inside its seats' box, so
   a row's box distance to the focus is a lower bound of its blocks: rows are visited nearest box
   first and the walk stops once a row's box is farther than the nearest block found (plus
   NEAR_BLOCK_MARGIN, so ties are still decided by best.py's tie-breaks). Each row's best block is
   kept until free_seats.py says the row changed. When no row has N together, rule 3 takes the N
   free seats nearest the focus.

Seats already promised in this transaction (an earlier request of the same batch) are skipped by
`exclude` (plan seat ids).
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from voelgoed.domain.catalog.inventory import utcnow
from voelgoed.domain.seating import free_seats
from voelgoed.domain.seating.best import FreeSeat, centre_of, nearest_singles, row_block
from voelgoed.domain.seating.free_seats import FreeSeats, free_seats_now
from voelgoed.domain.seating.models import EVENT_SEATING, PLAN, SEAT, SEAT_ROW, SEAT_SECTION

log = logging.getLogger(__name__)

# Distances closer than this (plan units) count as a tie: far more than float arithmetic can differ.
NEAR_BLOCK_MARGIN = 1e-3
_GEOMETRIES_KEPT = 4  # plan versions per process (a 50,000-seat plan is ~15 MB here)


@dataclass
class _Row:
    row_id: uuid.UUID
    category_id: uuid.UUID | None = None
    label: str = ""
    section_name: str = ""
    seats: list[FreeSeat] = field(default_factory=list)  # left to right (row_index)
    box: tuple[float, float, float, float] = (math.inf, -math.inf, math.inf, -math.inf)  # min/max x, y

    def distance(self, focus: tuple[float, float]) -> float:
        min_x, max_x, min_y, max_y = self.box
        return math.hypot(max(min_x - focus[0], 0.0, focus[0] - max_x), max(min_y - focus[1], 0.0, focus[1] - max_y))


@dataclass
class PlanGeometry:
    """Per category, its rows (each with its seats of the category, left to right, and their box)."""

    rows: dict[uuid.UUID, list[_Row]]
    row_of: dict[uuid.UUID, _Row]  # plan seat id -> its row (of its category)
    row_at: dict[int, _Row]  # plan position -> its row


class PlacedSeat(NamedTuple):
    """A seat as a hold's answer and order lines need it (the fields of holds.py's SEAT_COLUMNS
    they read), from the kept geometry instead of a read."""

    event_seat_id: uuid.UUID | None
    seat_id: uuid.UUID
    category_id: uuid.UUID | None
    position: int
    section_name: str
    row_label: str
    label: str


def placed(geometry: PlanGeometry, seat: FreeSeat, event_seat_id: uuid.UUID | None = None) -> PlacedSeat:
    row = geometry.row_at[seat.position]
    return PlacedSeat(
        event_seat_id, seat.seat_id, row.category_id, seat.position, row.section_name, row.label, seat.label
    )


_GEOMETRIES: OrderedDict[tuple[uuid.UUID, datetime], PlanGeometry] = OrderedDict()
_READING: dict[tuple[uuid.UUID, datetime], asyncio.Future[PlanGeometry | None]] = {}


async def plan_geometry(conn: AsyncConnection, plan_id: uuid.UUID, version: datetime) -> PlanGeometry:
    """The plan version's geometry: one read per version and process, however many ask at once (a
    stadium's takes ~70 ms; at the start of an on-sale every 409 would otherwise read it too)."""
    key = (plan_id, version)
    while True:
        found = _GEOMETRIES.get(key)
        if found is not None:
            _GEOMETRIES.move_to_end(key)
            return found
        reading = _READING.get(key)
        if reading is None:
            break
        if (read := await asyncio.shield(reading)) is not None:
            return read
        # that reader failed (its transaction's problem): read it here
    done: asyncio.Future[PlanGeometry | None] = asyncio.get_running_loop().create_future()
    _READING[key] = done
    geometry: PlanGeometry | None = None
    try:
        geometry = await _read_geometry(conn, plan_id)
        _GEOMETRIES[key] = geometry
        while len(_GEOMETRIES) > _GEOMETRIES_KEPT:
            _GEOMETRIES.popitem(last=False)
        return geometry
    finally:
        _READING.pop(key, None)
        done.set_result(geometry)


async def _read_geometry(conn: AsyncConnection, plan_id: uuid.UUID) -> PlanGeometry:
    # One row per row of the plan and category, its seats as arrays in row order (asyncpg decodes
    # them in C; NullType: its values as they are, its UUIDs are uuid.UUIDs, without SQLAlchemy's
    # per-item processing). Per seat only its id is a UUID: a row's ids are decoded once per row.
    seats = (SEAT.c.position, SEAT.c.id, SEAT.c.row_index, SEAT.c.x, SEAT.c.y, SEAT.c.label)
    per_row = (SEAT.c.category_id, SEAT.c.row_id, SEAT_SECTION.c.sort_order, SEAT_ROW.c.sort_order)
    found = (
        await conn.execute(
            select(
                *per_row,
                SEAT_ROW.c.label,
                SEAT_SECTION.c.name,
                *(func.array_agg(aggregate_order_by(c, SEAT.c.row_index), type_=NullType()) for c in seats),
            )
            .select_from(SEAT.join(SEAT_ROW, SEAT_ROW.c.id == SEAT.c.row_id))
            .join(SEAT_SECTION, SEAT_SECTION.c.id == SEAT.c.section_id)
            .where(SEAT.c.plan_id == plan_id)
            .group_by(*per_row, SEAT_ROW.c.label, SEAT_SECTION.c.name)
        )
    ).all()
    geometry = PlanGeometry(rows={}, row_of={}, row_at={})
    for category_id, row_id, section_order, row_order, row_label, section, *arrays in found:
        positions, ids, places, xs, ys, labels = arrays
        rank = (section_order, row_order)
        row = _Row(row_id, category_id, row_label, section, box=(min(xs), max(xs), min(ys), max(ys)))
        row.seats = [
            FreeSeat(None, seat_id, row_id, rank, place, x, y, position, label)
            for position, seat_id, place, x, y, label in zip(positions, ids, places, xs, ys, labels, strict=True)
        ]
        geometry.rows.setdefault(category_id, []).append(row)
        for f in row.seats:
            geometry.row_of[f.seat_id] = row
            geometry.row_at[f.position] = row
    return geometry


class FreeNearest:
    """Choosing `n` free seats of some categories nearest a focus, request after request (a
    batch's best-available holds of one category and size share one; kept from batch to batch by
    `kept_walk`), in memory, from free_seats.py's free seats."""

    def __init__(
        self,
        geometry: PlanGeometry,
        seats: FreeSeats,
        category_ids: list[uuid.UUID],
        n: int,
        focus: tuple[float, float],
    ) -> None:
        self.geometry, self.seats, self.n, self.focus = geometry, seats, n, focus
        self.rows = [row for c in category_ids for row in geometry.rows.get(c, [])]
        self.order = sorted(((row.distance(focus), i) for i, row in enumerate(self.rows)), key=lambda t: t[0])
        # id(row) -> (free_seats' generation when found, (score, block) or None)
        self.row_best: dict[int, tuple[int, Any]] = {}
        self.excluded: set[uuid.UUID] = set()

    def next_batch(self) -> None:
        """A new batch: the seats the last one promised are no longer excluded here (they are
        taken or free as free_seats.py reads them), so their rows are looked at again."""
        self._forget_rows(self.excluded)
        self.excluded = set()

    def pick(self, exclude: set[uuid.UUID]) -> list[FreeSeat] | None:
        """The rule's `n` seats of the free seats not in `exclude` (plan seat ids), or None when
        fewer than `n` are free."""
        self._forget_rows(exclude - self.excluded)  # those rows' best blocks may be gone
        self.excluded = self.excluded | exclude
        changed, gen = self.seats.row_gen, self.seats.gen
        best: tuple[tuple[float, tuple[int, int], int], list[FreeSeat]] | None = None
        for d, i in self.order:
            if best is not None and d > best[0][0] + NEAR_BLOCK_MARGIN:
                break  # no block of this row or any after it can be as near
            key = id(self.rows[i])
            kept = self.row_best.get(key)
            if kept is None or changed.get(key, 0) > kept[0]:
                found = row_block(self._free_in(i), self.n, self.focus)
                kept = self.row_best[key] = (
                    gen,
                    None if found is None else ((found[1], found[0][0].row_rank, found[0][0].row_index), found[0]),
                )
            mine = kept[1]
            if mine is not None and (best is None or mine[0] < best[0]):
                best = mine
        if best is not None:
            return best[1]
        # No row has `n` together: the nearest one by one.
        every = [s for i in range(len(self.rows)) for s in self._free_in(i)]
        return nearest_singles(every, self.n, self.focus) if len(every) >= self.n else None

    def left(self) -> int:
        """How many of the free seats are not excluded."""
        return sum(len(self._free_in(i)) for i in range(len(self.rows)))

    def _forget_rows(self, seat_ids: set[uuid.UUID]) -> None:
        for seat_id in seat_ids:
            row = self.geometry.row_of.get(seat_id)
            if row is not None:
                self.row_best.pop(id(row), None)

    def _free_in(self, i: int) -> list[FreeSeat]:
        row = self.rows[i]
        free = self.seats.free.get(row.category_id, set())
        return [s for s in row.seats if s.position in free and s.seat_id not in self.excluded]


_WALKS: OrderedDict[tuple[Any, ...], FreeNearest] = OrderedDict()
_WALKS_KEPT = 64


def kept_walk(seats: FreeSeats, category_id: uuid.UUID, n: int, focus: tuple[float, float]) -> FreeNearest:
    """Best available's walk for this event, category and size, kept from batch to batch in this
    process: free_seats.py says which rows changed since, so only those are looked at again.
    Called under the event's inventory lock (allocation.py), so one batch at a time uses it."""
    key = (seats.event_id, category_id, n, focus)
    walk = _WALKS.get(key)
    if walk is None or walk.seats is not seats:
        walk = _WALKS[key] = FreeNearest(seats.geometry, seats, [category_id], n, focus)
    else:
        walk.next_batch()
        _WALKS.move_to_end(key)
    while len(_WALKS) > _WALKS_KEPT:
        _WALKS.popitem(last=False)
    return walk


async def event_plan_version(conn: AsyncConnection, event_id: uuid.UUID) -> tuple[uuid.UUID, datetime]:
    row = (
        await conn.execute(
            select(EVENT_SEATING.c.plan_id, PLAN.c.updated_at)
            .join(PLAN, PLAN.c.id == EVENT_SEATING.c.plan_id)
            .where(EVENT_SEATING.c.event_id == event_id)
        )
    ).one()
    return row[0], row[1]


# A 409's alternatives are a suggestion: free seats this process read, or saw its own batch
# commit, this recently need no read of their own (at a busy on-sale one read per 409 queued
# behind the batches' reads).
ALTERNATIVES_FRESH_SECONDS = 0.1
_WARMING: set[uuid.UUID] = set()
_WARM_TASKS: set[asyncio.Task[None]] = set()


def warm_soon(engine: Any, event_id: uuid.UUID) -> None:
    """Load in the background what this process's seat holds of the event need first (the plan's
    geometry, the event's free seats), unless it keeps them already. Called when a process serves
    an event's seat map: buyers look at the map before they take seats, and a stadium's first read
    (~250 ms) then no longer holds up the first batch of an on-sale. Best effort: a failure only
    leaves the first batch to read them, as it would anyway."""
    if event_id in _WARMING or free_seats.is_kept(event_id):
        return
    _WARMING.add(event_id)
    task = asyncio.get_running_loop().create_task(_warm(engine, event_id))
    _WARM_TASKS.add(task)
    task.add_done_callback(_WARM_TASKS.discard)


async def _warm(engine: Any, event_id: uuid.UUID) -> None:
    try:
        async with engine.connect() as conn:
            geometry = await plan_geometry(conn, *await event_plan_version(conn, event_id))
            await free_seats_now(conn, event_id, geometry, utcnow())
    except Exception as exc:
        log.info("could not load event %s's seating ahead of its holds: %s", event_id, exc)
    finally:
        _WARMING.discard(event_id)


async def nearest_free(
    conn: AsyncConnection, event_id: uuid.UUID, taken: list[uuid.UUID], exclude: set[uuid.UUID], now: datetime
) -> tuple[list[PlacedSeat], list[PlacedSeat]]:
    """The `taken` seats (plan seat ids) as placed on the map, and as many free seats (or as many
    as are left), of the same categories, nearest them (together where possible): what a buyer
    whose seats were taken is offered instead. From the kept geometry and this process's free
    seats of the event (free_seats.py), read again unless a read or a batch of this process
    brought them up to date within the last ALTERNATIVES_FRESH_SECONDS."""
    geometry = await plan_geometry(conn, *await event_plan_version(conn, event_id))
    rows = [(seat_id, geometry.row_of.get(seat_id)) for seat_id in taken]
    around = [f for seat_id, row in rows if row is not None for f in row.seats if f.seat_id == seat_id]
    if not around:
        return [], []
    seats = await free_seats_now(conn, event_id, geometry, now, max_age=ALTERNATIVES_FRESH_SECONDS)
    categories = [c for c in {geometry.row_at[f.position].category_id for f in around} if c is not None]
    focus = centre_of(around)
    near = FreeNearest(geometry, seats, categories, len(around), focus)
    picked = near.pick(exclude)
    if picked is None and (left := near.left()):  # fewer left than were taken: offer those that are
        picked = FreeNearest(geometry, seats, categories, left, focus).pick(exclude)
    return [placed(geometry, f) for f in around], [placed(geometry, f) for f in picked or ()]
