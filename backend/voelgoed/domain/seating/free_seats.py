"""What is free at an event, kept per process and brought up to date from the seats that changed.

Best available (nearest.py) needs every free seat of a category. Reading them all at each batch of
holds cost a 50,000-seat stadium ~15 ms of PostgreSQL plus as much again here, under the event's
lock. Instead each process keeps, per event, the plan positions a hold may take, and each batch
reads only the seats changed since its last read. Migration 0028's trigger stamps every seat row
with the id of the transaction that wrote it (`changed_xid`), and the read is

    SELECT pg_snapshot_xmin(pg_current_snapshot()), positions, statuses, held_untils
      FROM event_seat WHERE event_id = :event AND changed_xid >= :since

where `since` is the xmin of the previous read's snapshot: the oldest transaction still running
then. A transaction whose seat changes that read did not see was running then or began later, so
its id is at least `since`: nothing is missed, whatever order transactions commit in. Seats written
by a transaction the last read already saw may be read again; harmless, since each row's state is
applied, not a difference.

A held seat becomes takeable once its `held_until` has passed. holds.py's TAKEABLE decides by the
order's `hold_expires_at`, which `held_until` copies; an order that stops holding early releases
its seats in the same transaction (workflows/checkout.py `cancel_order`, seating/sales.py). Lapses
are applied when their time comes (a heap).

Nothing here decides a sale. TAKE_SEATS checks every seat again under the event's lock. A batch
whose UPDATE comes back short makes the process forget the event (`forget`), so the retry reads it
whole. Only rows read from PostgreSQL are applied here, never what a batch promised, so a batch
that rolls back leaves nothing behind. Each process also reads the event whole every
WHOLE_READ_EVERY, to bound any drift.
"""

from __future__ import annotations

import asyncio
import heapq
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog.inventory import utcnow
from voelgoed.domain.seating.free_seats_sql import CHANGED_SEATS

if TYPE_CHECKING:
    from voelgoed.domain.seating.nearest import PlanGeometry

WHOLE_READ_EVERY = timedelta(minutes=10)
_EVENTS_KEPT = 16

_AVAILABLE, _HELD = 0, 1


class FreeSeats:
    """One event's takeable seats in this process: per category, the plan positions; per row (of
    the plan geometry), the generation it last changed in, so best available's kept walk
    (nearest.py) looks again only at rows that changed."""

    def __init__(self, event_id: uuid.UUID, geometry: PlanGeometry) -> None:
        self.event_id = event_id
        self.geometry = geometry
        self.free: dict[uuid.UUID | None, set[int]] = {c: set() for c in geometry.rows}
        self.held: dict[int, datetime] = {}  # position -> held_until, for seats read as held
        self.ids: dict[int, uuid.UUID] = {}  # position -> the event seat's id (a hold's lines name it)
        self._lapses: list[tuple[datetime, int]] = []  # (held_until, position), soonest first
        self.gen = 0
        self.row_gen: dict[int, int] = {}  # id(row) -> the generation its free seats last changed
        self._since = 0
        self._whole_at: datetime | None = None
        self.fresh_at = 0.0  # time.monotonic() of the last read, or of a batch's commit noted here
        self._lock = asyncio.Lock()

    def is_free(self, position: int) -> bool:
        row = self.geometry.row_at.get(position)
        return row is not None and position in self.free.get(row.category_id, ())

    def mark(self, position: int, free: bool) -> None:
        """The seat at `position` is (not) takeable; its row's best block is looked at again."""
        row = self.geometry.row_at.get(position)
        if row is None:  # not in this plan version (the event changed plans: a new FreeSeats)
            return
        seats = self.free.setdefault(row.category_id, set())
        if (position in seats) == free:
            return
        if free:
            seats.add(position)
        else:
            seats.discard(position)
        self.gen += 1
        self.row_gen[id(row)] = self.gen

    async def refresh(self, conn: AsyncConnection, now: datetime, max_age: float = 0.0) -> None:
        """Apply the seats changed since the last read (every seat on the first read and every
        WHOLE_READ_EVERY), then the holds lapsed by `now`. One refresh at a time per process.
        `max_age`: no read when the last one (or a noted commit) is at most that many seconds old
        (a 409's alternatives only; a batch always reads)."""
        if max_age and self._whole_at is not None and time.monotonic() - self.fresh_at <= max_age:
            self.apply((), (), (), now)
            return
        async with self._lock:
            whole = self._whole_at is None or now - self._whole_at > WHOLE_READ_EVERY
            found = (
                await conn.execute(CHANGED_SEATS, {"event_id": self.event_id, "since": 0 if whole else self._since})
            ).one()
            if whole:
                self._forget_state()
                self._whole_at = now
            self._since = max(self._since, found.xmin)
            self.ids.update(zip(found.positions or (), found.ids or (), strict=True))
            self.apply(found.positions or (), found.codes or (), found.untils or (), now)
            self.fresh_at = time.monotonic()

    def committed(self, held: list[tuple[int, datetime]]) -> None:
        """A batch of this process committed these holds (position, held_until): applied at once,
        so the 409 alternatives computed right after it do not offer them. The next read brings
        the same rows again (a re-read changes nothing)."""
        self.apply([p for p, _ in held], [_HELD] * len(held), [u for _, u in held], utcnow())
        self.fresh_at = time.monotonic()

    def apply(self, positions: Iterable[int], codes: Iterable[int], untils: Iterable[Any], now: datetime) -> None:
        """Seat rows as read (status code, held_until), then the lapses due by `now`."""
        for position, code, until in zip(positions, codes, untils, strict=True):
            if code == _HELD:
                if self.held.get(position) != until:
                    self.held[position] = until
                    heapq.heappush(self._lapses, (until, position))
                self.mark(position, until <= now)
            else:
                self.held.pop(position, None)
                self.mark(position, code == _AVAILABLE)
        while self._lapses and self._lapses[0][0] <= now:
            until, position = heapq.heappop(self._lapses)
            if self.held.get(position) == until:  # still that hold (not sold, freed or re-held since)
                self.mark(position, True)
        if len(self._lapses) > 4 * len(self.held) + 1024:  # stale entries of seats re-held or sold
            self._lapses = [(until, position) for position, until in self.held.items() if until > now]
            heapq.heapify(self._lapses)

    def _forget_state(self) -> None:
        for seats in list(self.free.values()):
            for position in list(seats):
                self.mark(position, False)  # each row that had free seats is looked at again
        self.held.clear()
        self.ids.clear()
        self._lapses.clear()


_KEPT: OrderedDict[uuid.UUID, FreeSeats] = OrderedDict()


async def free_seats_now(
    conn: AsyncConnection, event_id: uuid.UUID, geometry: PlanGeometry, now: datetime, max_age: float = 0.0
) -> FreeSeats:
    """The event's free seats in this process, brought up to date in `conn`'s transaction (called
    before the transaction writes any seat: a read must never see what may roll back)."""
    seats = _KEPT.get(event_id)
    if seats is None or seats.geometry is not geometry:
        seats = _KEPT[event_id] = FreeSeats(event_id, geometry)
    _KEPT.move_to_end(event_id)
    while len(_KEPT) > _EVENTS_KEPT:
        _KEPT.popitem(last=False)
    await seats.refresh(conn, now, max_age)
    return seats


def is_kept(event_id: uuid.UUID, geometry: PlanGeometry | None = None) -> bool:
    """Whether this process keeps the event's free seats already (of this plan version, when
    `geometry` is given)."""
    seats = _KEPT.get(event_id)
    return seats is not None and (geometry is None or seats.geometry is geometry)


def committed(event_id: uuid.UUID, held: list[tuple[int, datetime]]) -> None:
    """A seat batch of this process committed: see FreeSeats.committed."""
    seats = _KEPT.get(event_id)
    if seats is not None and held:
        seats.committed(held)


def forget(event_id: uuid.UUID) -> None:
    """Read the event whole next time (a batch found a seat taken that this process had free)."""
    _KEPT.pop(event_id, None)
