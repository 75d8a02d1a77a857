"""Which free seats are "best": a pure function over free seats and a focus point.

The rule (docs/seating.md):
1. Together first: a block of N seats next to each other in one row (consecutive in the row's
   left-to-right order, `row_index`, with no seat between them that is taken, blocked or missing).
2. Among blocks, the one whose centre is nearest the focus (the plan's stage point for "best
   available"; the requested seats' centre when offering alternatives to seats that were taken).
   Ties: the row nearer the stage (section order, then row order), then the leftmost block.
3. When no row has N together: the N free seats nearest the focus, one by one.

Distances are plain Euclidean in plan units, so "nearest the stage" and "nearest the centre" of a
curved or rotated section both come from where the seats are drawn, not from their labels.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple


class FreeSeat(NamedTuple):
    """A seat as the rule sees it. A tuple: a stadium's geometry makes 50,000 of them (a frozen
    dataclass took three times as long)."""

    event_seat_id: uuid.UUID | None  # None: a seat of the plan (nearest.py's geometry)
    seat_id: uuid.UUID
    row_id: uuid.UUID
    row_rank: tuple[int, int]  # (section sort order, row sort order): smaller is nearer the stage
    row_index: int  # left to right within the row
    x: float
    y: float
    position: int = -1  # in the plan's seat order
    label: str = ""  # the seat's label (nearest.py's geometry keeps it for answers)


def _distance(x: float, y: float, focus: tuple[float, float]) -> float:
    return math.hypot(x - focus[0], y - focus[1])


def best_seats(free: Sequence[FreeSeat], n: int, focus: tuple[float, float]) -> list[FreeSeat] | None:
    """The best `n` of `free` (see the module's rule), or None when fewer than `n` are free."""
    if n < 1 or len(free) < n:
        return None
    found = best_block(free, n, focus)
    return found[0] if found is not None else nearest_singles(free, n, focus)


def best_block(free: Sequence[FreeSeat], n: int, focus: tuple[float, float]) -> tuple[list[FreeSeat], float] | None:
    """Rules 1 and 2: the block of `n` together whose centre is nearest the focus, with that
    distance (rounded as compared); None when no row of `free` has `n` together."""
    rows: dict[uuid.UUID, list[FreeSeat]] = defaultdict(list)
    for seat in free:
        rows[seat.row_id].append(seat)
    best: tuple[float, tuple[int, int], int] | None = None
    chosen: list[FreeSeat] | None = None
    for seats in rows.values():
        if len(seats) < n:
            continue
        seats.sort(key=lambda s: s.row_index)
        for i in range(len(seats) - n + 1):
            block = seats[i : i + n]
            if block[-1].row_index - block[0].row_index != n - 1:
                continue  # a gap: not together
            cx = sum(s.x for s in block) / n
            cy = sum(s.y for s in block) / n
            score = (round(_distance(cx, cy, focus), 6), block[0].row_rank, block[0].row_index)
            if best is None or score < best:
                best, chosen = score, block
    return None if chosen is None or best is None else (chosen, best[0])


def row_block(seats: Sequence[FreeSeat], n: int, focus: tuple[float, float]) -> tuple[list[FreeSeat], float] | None:
    """best_block for the free seats of ONE row given left to right (nearest.py's walk, per row):
    the same answer with the same arithmetic (each centre summed left to right, as there), and
    ties to the leftmost block, without the grouping, sorting and slicing."""
    if len(seats) < n:
        return None
    fx, fy = focus
    xs, ys, places = [s.x for s in seats], [s.y for s in seats], [s.row_index for s in seats]
    best: float | None = None
    at = -1
    for i in range(len(seats) - n + 1):
        if places[i + n - 1] - places[i] != n - 1:
            continue  # a gap: not together
        d = round(math.hypot(sum(xs[i : i + n]) / n - fx, sum(ys[i : i + n]) / n - fy), 6)
        if best is None or d < best:
            best, at = d, i
    return None if best is None else (list(seats[at : at + n]), best)


def nearest_singles(free: Sequence[FreeSeat], n: int, focus: tuple[float, float]) -> list[FreeSeat]:
    """Rule 3: the `n` free seats nearest the focus, one by one, in map order."""
    ranked = sorted(free, key=lambda s: (round(_distance(s.x, s.y, focus), 6), s.row_rank, s.row_index))
    return sorted(ranked[:n], key=lambda s: (s.row_rank, s.row_index))


def centre_of(seats: Sequence[FreeSeat]) -> tuple[float, float]:
    return (sum(s.x for s in seats) / len(seats), sum(s.y for s in seats) / len(seats))
