"""Generating a section from rows x seats: pure functions for the (future) plan editor.

`seat_numbers` numbers one row's seats, left to right as drawn, by a scheme:

- `left_to_right`: 1 2 3 4 5 6
- `right_to_left`: 6 5 4 3 2 1
- `odd_left_to_right` / `odd_right_to_left`: 1 3 5 7 / 7 5 3 1 (a side block of odd numbers)
- `even_left_to_right` / `even_right_to_left`: 2 4 6 8 / 8 6 4 2
- `odd_even_from_centre`: 5 3 1 2 4 6 (odd to the left, even to the right, growing outwards:
  a centre block numbered from the aisle)

`start` is the first number (for odd/even schemes the first odd/even number at or above it) and
`skip` lists numbers never used (e.g. 13): they are passed over, not left as gaps.

`generate_section` lays out rows x seats around the section's origin: seats `seat_spacing`
apart, rows `row_spacing` apart going away from the stage (row 0 nearest it), bent by `curve`
(-1..1: the row's ends move towards the stage for a positive curve, as in a theatre) and turned
by `rotation` degrees about the origin.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable, Sequence
from typing import Literal

from voelgoed.domain.seating.plan_format import PlanRow, PlanSeat, PlanSection

NumberingScheme = Literal[
    "left_to_right",
    "right_to_left",
    "odd_left_to_right",
    "odd_right_to_left",
    "even_left_to_right",
    "even_right_to_left",
    "odd_even_from_centre",
]
RowLabels = Literal["letters", "numbers"]


def _numbers(count: int, start: int, step: int, skip: set[int]) -> list[int]:
    out: list[int] = []
    n = start
    while len(out) < count:
        if n not in skip:
            out.append(n)
        n += step
    return out


def _first_of_parity(start: int, odd: bool) -> int:
    return start if (start % 2 == 1) == odd else start + 1


def seat_numbers(
    count: int, scheme: NumberingScheme = "left_to_right", *, start: int = 1, skip: Iterable[int] = ()
) -> list[str]:
    """Labels of `count` seats in drawing order (left to right) under `scheme`."""
    if count < 0:
        raise ValueError("count must not be negative")
    skipped = set(skip)
    if scheme == "left_to_right":
        nums = _numbers(count, start, 1, skipped)
    elif scheme == "right_to_left":
        nums = _numbers(count, start, 1, skipped)[::-1]
    elif scheme in ("odd_left_to_right", "odd_right_to_left"):
        nums = _numbers(count, _first_of_parity(start, True), 2, skipped)
        nums = nums if scheme == "odd_left_to_right" else nums[::-1]
    elif scheme in ("even_left_to_right", "even_right_to_left"):
        nums = _numbers(count, _first_of_parity(start, False), 2, skipped)
        nums = nums if scheme == "even_left_to_right" else nums[::-1]
    elif scheme == "odd_even_from_centre":
        left, right = (count + 1) // 2, count // 2
        odd = _numbers(left, _first_of_parity(start, True), 2, skipped)
        even = _numbers(right, _first_of_parity(start, False), 2, skipped)
        nums = odd[::-1] + even
    else:  # pragma: no cover - Literal keeps callers honest
        raise ValueError(f"unknown numbering scheme {scheme!r}")
    return [str(n) for n in nums]


def row_labels(count: int, style: RowLabels = "letters", *, start: int = 1, skip_letters: str = "IO") -> list[str]:
    """Row labels nearest the stage first: A B C ... (I and O left out, as many venues do), then
    AA AB ...; or 1 2 3 from `start`."""
    if style == "numbers":
        return [str(start + i) for i in range(count)]
    letters = [c for c in string.ascii_uppercase if c not in skip_letters]
    out: list[str] = []
    width = 1
    while len(out) < count:
        for combo in _combos(letters, width):
            out.append(combo)
            if len(out) == count:
                break
        width += 1
    return out


def _combos(letters: Sequence[str], width: int) -> Iterable[str]:
    if width == 1:
        yield from letters
        return
    for head in letters:
        for tail in _combos(letters, width - 1):
            yield head + tail


def generate_section(
    *,
    key: str,
    name: str,
    rows: int,
    seats_per_row: int | Sequence[int],
    category: str,
    numbering: NumberingScheme = "left_to_right",
    start: int = 1,
    skip: Iterable[int] = (),
    labels: RowLabels | Sequence[str] = "letters",
    x: float = 0.0,
    y: float = 0.0,
    seat_spacing: float = 10.0,
    row_spacing: float = 12.0,
    rotation: float = 0.0,
    curve: float = 0.0,
) -> PlanSection:
    """A seated section of `rows` rows (`seats_per_row` seats each, or one count per row)."""
    counts = [seats_per_row] * rows if isinstance(seats_per_row, int) else list(seats_per_row)
    if len(counts) != rows:
        raise ValueError("seats_per_row must give one count per row")
    names = row_labels(rows, labels) if labels in ("letters", "numbers") else list(labels)
    if len(names) != rows:
        raise ValueError("labels must give one label per row")
    skipped = list(skip)
    widest = max(counts, default=0)
    half_width = max((widest - 1) * seat_spacing / 2, seat_spacing)
    turn = math.radians(rotation)
    cos, sin = math.cos(turn), math.sin(turn)
    out_rows: list[PlanRow] = []
    for r, (count, label) in enumerate(zip(counts, names, strict=True)):
        numbers = seat_numbers(count, numbering, start=start, skip=skipped)
        seats = []
        for i, number in enumerate(numbers):
            dx = (i - (count - 1) / 2) * seat_spacing
            dy = r * row_spacing - curve * row_spacing * (dx / half_width) ** 2
            px, py = x + dx * cos - dy * sin, y + dx * sin + dy * cos
            seats.append(PlanSeat(label=number, x=round(px, 2), y=round(py, 2), category=category))
        out_rows.append(PlanRow(label=label, seats=seats))
    return PlanSection(key=key, name=name, x=x, y=y, rotation=rotation, curve=curve, rows=out_rows)
