"""The best free seats near a point, chosen in memory from one cheap read: best.py's rule, fast.

A 50,000-seat stadium has ~17,000 free seats per category at the start of an on-sale. Reading them
with their labels and positions for every best-available hold (under the event's lock), ranking
them in SQL, or reading the nearest rows' seats a few at a time (the frontier of taken seats soon
spans hundreds of rows) each cost a batch of holds 100 ms or more. Instead:

1. The plan's geometry (each seat's row, place in the row, x/y; each row's box per category) is
   read once per plan version and process (`plan_geometry`): a version's seats never change while
   it is sold (a change makes a new version or moves `updated_at`, the cache's key), so nothing
   kept here can be stale.
2. What is free is read fresh from PostgreSQL, in the caller's transaction: one query returning
   the positions of the seats a hold may take now (`free_positions`: ints, one index range).
3. `FreeNearest` applies best.py's rule in memory. A block's centre lies inside its seats' box, so
   a row's box distance to the focus is a lower bound of its blocks: rows are visited nearest box
   first and the walk stops once a row's box is farther than the nearest block found (plus
   NEAR_BLOCK_MARGIN, so ties are still decided by best.py's tie-breaks). When no row has N
   together, rule 3 takes the N free seats nearest the focus.

Seats already promised in this transaction (an earlier request of the same batch) are skipped by
`exclude` (plan seat ids).
"""

from __future__ import annotations

import math
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from voelgoed.domain.seating.best import FreeSeat, best_block, centre_of, nearest_singles
from voelgoed.domain.seating.holds import ES, TAKEABLE, as_free, event_seats
from voelgoed.domain.seating.models import EVENT_SEATING, PLAN, SEAT, SEAT_ROW, SEAT_SECTION

# Distances closer than this (plan units) count as a tie: far more than float arithmetic can differ.
NEAR_BLOCK_MARGIN = 1e-3
_GEOMETRIES_KEPT = 4  # plan versions per process (a 50,000-seat plan is ~15 MB here)


@dataclass
class _Row:
    row_id: uuid.UUID
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


_GEOMETRIES: OrderedDict[tuple[uuid.UUID, datetime], PlanGeometry] = OrderedDict()


async def plan_geometry(conn: AsyncConnection, plan_id: uuid.UUID, version: datetime) -> PlanGeometry:
    """The plan version's geometry (one query per version and process)."""
    key = (plan_id, version)
    found = _GEOMETRIES.get(key)
    if found is not None:
        _GEOMETRIES.move_to_end(key)
        return found
    # One row of arrays (asyncpg decodes them in C): a 50,000-seat plan in one value per column.
    columns = (
        SEAT.c.position,
        SEAT.c.id,
        SEAT.c.category_id,
        SEAT.c.row_id,
        SEAT.c.row_index,
        SEAT.c.x,
        SEAT.c.y,
        SEAT_SECTION.c.sort_order,
        SEAT_ROW.c.sort_order,
    )
    found_arrays = (
        await conn.execute(
            select(*(func.array_agg(c) for c in columns))
            .select_from(SEAT.join(SEAT_ROW, SEAT_ROW.c.id == SEAT.c.row_id))
            .join(SEAT_SECTION, SEAT_SECTION.c.id == SEAT.c.section_id)
            .where(SEAT.c.plan_id == plan_id)
        )
    ).one()
    rows: dict[tuple[uuid.UUID, uuid.UUID], _Row] = {}
    for position, seat_id, category_id, row_id, row_index, x, y, section_order, row_order in zip(
        *(a or () for a in found_arrays), strict=True
    ):
        row = rows.get((category_id, row_id))
        if row is None:
            row = rows[(category_id, row_id)] = _Row(row_id)
        row.seats.append(FreeSeat(None, seat_id, row_id, (section_order, row_order), row_index, x, y, position))
    for row in rows.values():
        xs, ys = [f.x for f in row.seats], [f.y for f in row.seats]
        row.box = (min(xs), max(xs), min(ys), max(ys))
    geometry = PlanGeometry(rows={}, row_of={}, row_at={})
    for (category_id, _), row in rows.items():
        row.seats.sort(key=lambda f: f.row_index)
        geometry.rows.setdefault(category_id, []).append(row)
        for f in row.seats:
            geometry.row_of[f.seat_id] = row
            geometry.row_at[f.position] = row
    _GEOMETRIES[key] = geometry
    while len(_GEOMETRIES) > _GEOMETRIES_KEPT:
        _GEOMETRIES.popitem(last=False)
    return geometry


async def free_positions(
    conn: AsyncConnection, event_id: uuid.UUID, category_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, set[int]]:
    """Per category, the plan positions of the event's seats that a hold may take now: one
    statement, one array per category (~17,000 of a 50,000-seat stadium's category: one value
    decoded by asyncpg, not 17,000 rows)."""
    query = (
        select(ES.c.category_id, func.array_agg(ES.c.position, type_=NullType()))  # no per-item processing
        .where(ES.c.event_id == event_id, ES.c.category_id.in_(category_ids), TAKEABLE)
        .group_by(ES.c.category_id)
    )
    found = {c: set(positions) for c, positions in (await conn.execute(query, {"now": now})).all()}
    return {c: found.get(c, set()) for c in category_ids}


class FreeNearest:
    """Choosing `n` free seats of some categories nearest a focus, request after request (a
    batch's best-available holds of one category and size share one), in memory."""

    def __init__(
        self,
        geometry: PlanGeometry,
        free: set[int],
        category_ids: list[uuid.UUID],
        n: int,
        focus: tuple[float, float],
    ) -> None:
        self.geometry, self.free, self.n, self.focus = geometry, free, n, focus
        self.rows = [row for c in category_ids for row in geometry.rows.get(c, [])]
        self.order = sorted(((row.distance(focus), i) for i, row in enumerate(self.rows)), key=lambda t: t[0])
        self.row_best: dict[int, Any] = {}  # id(row) -> (score, block) or None, kept per row
        self.excluded: set[uuid.UUID] = set()

    def refresh(self, free: set[int]) -> None:
        """The same walk for the next batch: the free seats as read again; the rows whose seats
        changed, or had seats excluded by the last batch, forget their best block."""
        for position in self.free ^ free:
            row = self.geometry.row_at.get(position)
            if row is not None:
                self.row_best.pop(id(row), None)
        for seat_id in self.excluded:
            row = self.geometry.row_of.get(seat_id)
            if row is not None:
                self.row_best.pop(id(row), None)
        self.free, self.excluded = free, set()

    def pick(self, exclude: set[uuid.UUID]) -> list[FreeSeat] | None:
        """The rule's `n` seats of the free seats not in `exclude` (plan seat ids), or None when
        fewer than `n` are free."""
        for seat_id in exclude - self.excluded:
            row = self.geometry.row_of.get(seat_id)
            if row is not None:
                self.row_best.pop(id(row), None)  # that row's best block may be gone
        self.excluded = self.excluded | exclude
        best: tuple[tuple[float, tuple[int, int], int], list[FreeSeat]] | None = None
        for d, i in self.order:
            if best is not None and d > best[0][0] + NEAR_BLOCK_MARGIN:
                break  # no block of this row or any after it can be as near
            key = id(self.rows[i])
            if key not in self.row_best:
                found = best_block(self._free_in(i), self.n, self.focus)
                self.row_best[key] = (
                    None if found is None else ((found[1], found[0][0].row_rank, found[0][0].row_index), found[0])
                )
            mine = self.row_best[key]
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

    def _free_in(self, i: int) -> list[FreeSeat]:
        return [s for s in self.rows[i].seats if s.position in self.free and s.seat_id not in self.excluded]


_WALKS: OrderedDict[tuple[Any, ...], FreeNearest] = OrderedDict()
_WALKS_KEPT = 64


def kept_walk(
    geometry: PlanGeometry,
    event_id: uuid.UUID,
    category_id: uuid.UUID,
    n: int,
    focus: tuple[float, float],
    free: set[int],
) -> FreeNearest:
    """Best available's walk for this event, category and size, kept from batch to batch in this
    process: each batch hands it the free seats it read in its own transaction (`refresh`), so
    only the rows that changed are looked at again. Called under the event's inventory lock
    (allocation.py), so one batch at a time uses it."""
    key = (event_id, category_id, n, focus)
    walk = _WALKS.get(key)
    if walk is None or walk.geometry is not geometry:
        walk = _WALKS[key] = FreeNearest(geometry, free, [category_id], n, focus)
    else:
        walk.refresh(free)
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


async def nearest_free(
    conn: AsyncConnection, event_id: uuid.UUID, around: list[Any], exclude: set[uuid.UUID], now: datetime
) -> list[Any]:
    """As many free seats as `around` has (or as are left), of the same categories, nearest them
    (together where possible): what a buyer whose seats were taken is offered instead."""
    if not around:
        return []
    geometry = await plan_geometry(conn, *await event_plan_version(conn, event_id))
    categories = list({s.category_id for s in around})
    by_category = await free_positions(conn, event_id, categories, now)
    free = set().union(*by_category.values())
    focus = centre_of([as_free(s) for s in around])
    near = FreeNearest(geometry, free, categories, len(around), focus)
    picked = near.pick(exclude)
    if picked is None and (left := near.left()):  # fewer left than were taken: offer those that are
        picked = FreeNearest(geometry, free, categories, left, focus).pick(exclude)
    if not picked:
        return []
    rows = {r.seat_id: r for r in await event_seats(conn, event_id, [s.seat_id for s in picked])}
    return [rows[s.seat_id] for s in picked]
