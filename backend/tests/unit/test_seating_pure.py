"""Seating's pure parts: numbering schemes, section generation, best available, the plan format's
rules and the seat machine that the bulk UPDATEs are built from."""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from voelgoed.domain.seating.best import FreeSeat, best_seats
from voelgoed.domain.seating.free_seats import FreeSeats
from voelgoed.domain.seating.generation import generate_section, row_labels, seat_numbers
from voelgoed.domain.seating.machines import SeatLifecycle, sources
from voelgoed.domain.seating.nearest import FreeNearest, PlanGeometry, _Row
from voelgoed.domain.seating.plan_format import (
    PlanCategory,
    SeatingPlanDocument,
    check_plan,
    decode_plan,
    plan_json_schema,
    without_ids,
)
from voelgoed.lib.problems import Unprocessable


def test_numbering_schemes() -> None:
    assert seat_numbers(6) == ["1", "2", "3", "4", "5", "6"]
    assert seat_numbers(4, "right_to_left") == ["4", "3", "2", "1"]
    assert seat_numbers(4, "odd_left_to_right") == ["1", "3", "5", "7"]
    assert seat_numbers(3, "odd_right_to_left") == ["5", "3", "1"]
    assert seat_numbers(3, "even_left_to_right") == ["2", "4", "6"]
    assert seat_numbers(3, "even_right_to_left") == ["6", "4", "2"]
    assert seat_numbers(6, "odd_even_from_centre") == ["5", "3", "1", "2", "4", "6"]
    assert seat_numbers(5, "odd_even_from_centre") == ["5", "3", "1", "2", "4"]
    # skipped numbers are passed over, not left as gaps; `start` moves the first number
    assert seat_numbers(5, skip=[13], start=11) == ["11", "12", "14", "15", "16"]
    assert seat_numbers(3, "odd_left_to_right", start=10, skip=[13]) == ["11", "15", "17"]
    assert seat_numbers(0) == []
    with pytest.raises(ValueError):
        seat_numbers(-1)


def test_row_labels_skip_i_and_o_and_go_on_to_two_letters() -> None:
    labels = row_labels(30)
    assert labels[:9] == ["A", "B", "C", "D", "E", "F", "G", "H", "J"]
    assert "I" not in labels and "O" not in labels
    assert labels[24:26] == ["AA", "AB"]
    assert row_labels(3, "numbers", start=5) == ["5", "6", "7"]


def test_generate_section_lays_out_rows_by_seats() -> None:
    section = generate_section(
        key="stalls", name="Stalls", rows=3, seats_per_row=[4, 5, 6], category="A", numbering="right_to_left"
    )
    assert [r.label for r in section.rows] == ["A", "B", "C"]
    assert [len(r.seats) for r in section.rows] == [4, 5, 6]
    assert [s.label for s in section.rows[0].seats] == ["4", "3", "2", "1"]
    xs = [s.x for s in section.rows[0].seats]
    assert xs == sorted(xs) and xs[0] == -xs[-1]  # centred on the origin, left to right
    assert section.rows[1].seats[0].y > section.rows[0].seats[0].y  # rows go away from the stage
    curved = generate_section(key="c", name="C", rows=1, seats_per_row=5, category="A", curve=0.5)
    ends, middle = curved.rows[0].seats[0].y, curved.rows[0].seats[2].y
    assert ends < middle  # the ends bend towards the stage
    turned = generate_section(key="t", name="T", rows=1, seats_per_row=2, category="A", rotation=90)
    assert abs(turned.rows[0].seats[0].x) < 1e-6  # turned a quarter: the row runs down the page
    with pytest.raises(ValueError):
        generate_section(key="x", name="X", rows=2, seats_per_row=[1], category="A")


def _seat(row: int, index: int, x: float, y: float, row_id: uuid.UUID) -> FreeSeat:
    return FreeSeat(uuid.uuid4(), uuid.uuid4(), row_id, (0, row), index, x, y)


def test_best_prefers_together_then_nearest_the_stage() -> None:
    rows = [uuid.uuid4() for _ in range(3)]
    free = []
    # row 0 (nearest): seats 0,2,4 free (no two together); row 1: 1,2 together off to the side;
    # row 2: 4,5 together in the middle
    for i in (0, 2, 4):
        free.append(_seat(0, i, i * 10.0, 0.0, rows[0]))
    for i in (1, 2):
        free.append(_seat(1, i, i * 10.0, 10.0, rows[1]))
    for i in (4, 5):
        free.append(_seat(2, i, i * 10.0 - 5, 20.0, rows[2]))
    picked = best_seats(free, 2, focus=(40.0, 0.0))
    assert picked is not None and [s.row_index for s in picked] == [4, 5] and picked[0].row_id == rows[2]
    # nearer the side block: that pair wins
    picked = best_seats(free, 2, focus=(15.0, 0.0))
    assert picked is not None and picked[0].row_id == rows[1]
    # a single seat: the one nearest the stage point
    one = best_seats(free, 1, focus=(20.0, 0.0))
    assert one is not None and (one[0].row_id, one[0].row_index) == (rows[0], 2)
    # three together exist nowhere: the three nearest, one by one, nearest rows first
    three = best_seats(free, 3, focus=(20.0, 0.0))
    assert three is not None
    assert [(rows.index(s.row_id), s.row_index) for s in three] == [(0, 2), (1, 1), (1, 2)]
    assert best_seats(free, 8, focus=(0.0, 0.0)) is None


def _doc(**overrides: object) -> SeatingPlanDocument:
    base = {
        "name": "Hall",
        "categories": [{"key": "A", "name": "Front"}],
        "sections": [
            {
                "key": "stalls",
                "name": "Stalls",
                "rows": [{"label": "A", "seats": [{"label": "1", "x": 0, "y": 0, "category": "A"}]}],
            },
            {"key": "floor", "name": "Floor", "kind": "standing", "capacity": 100, "category": "A"},
        ],
        **overrides,
    }
    return msgspec.convert(base, SeatingPlanDocument)


def test_plan_rules() -> None:
    check_plan(_doc())
    bad = _doc()
    bad.sections[0].rows[0].seats.append(bad.sections[0].rows[0].seats[0])
    bad.sections[0].rows[0].seats[0] = msgspec.structs.replace(bad.sections[0].rows[0].seats[0], category="Z")
    with pytest.raises(Unprocessable) as err:
        check_plan(bad)
    fields = {e.field for e in err.value.errors or []}
    assert fields == {"sections.0.rows.0.seats.0.category", "sections.0.rows.0.seats.1.label"}
    standing = _doc()
    standing.sections[1] = msgspec.structs.replace(standing.sections[1], capacity=None)
    with pytest.raises(Unprocessable):
        check_plan(standing)
    twice = _doc(categories=[{"key": "A", "name": "x"}, {"key": "A", "name": "y"}])
    with pytest.raises(Unprocessable):
        check_plan(twice)
    with pytest.raises(Unprocessable):
        decode_plan(b'{"name": "x", "categories": [], "sections": [], "extra": 1}')
    assert "SeatingPlanDocument" in str(plan_json_schema())


def test_document_round_trips_through_json() -> None:
    doc = _doc()
    raw = msgspec.json.encode(doc)
    assert decode_plan(raw) == doc
    with_ids = msgspec.structs.replace(doc, id=uuid.uuid4(), categories=[PlanCategory("A", "Front", id=uuid.uuid4())])
    assert without_ids(with_ids) == doc


def test_bulk_updates_follow_the_seat_machine() -> None:
    assert sources("hold") == ("available", "held")
    assert sources("sell") == ("held", "sold")
    assert sources("release") == ("held",)
    assert sources("release_sold") == ("sold",)

    class Row:
        status = "sold"

    with pytest.raises(Exception):  # noqa: B017 (TransitionNotAllowed)
        SeatLifecycle(Row()).send("block")  # a sold seat cannot be blocked


def _ring(sections: int, rows: int, per_row: int, curved: bool) -> tuple[PlanGeometry, list[FreeSeat]]:
    """bench/seating's bowl (sections on a circle around the focus) with straight or curved rows."""
    seats: list[FreeSeat] = []
    geometry = PlanGeometry(rows={}, row_of={}, row_at={})
    category = uuid.uuid4()
    for s in range(sections):
        angle = 2 * math.pi * s / sections
        for r in range(rows):
            row = _Row(uuid.uuid4(), category)
            for i in range(per_row):
                if curved:  # an arc around the focus: block centres are nearer than any seat
                    a = angle + (i - per_row / 2) * 0.004
                    x, y = (900 + 12 * r) * math.cos(a), (900 + 12 * r) * math.sin(a)
                else:
                    x, y = 900 * math.cos(angle) + (i - per_row / 2) * 10, 900 * math.sin(angle) + r * 12
                seat = FreeSeat(None, uuid.uuid4(), row.row_id, (s, r), i, round(x, 1), round(y, 1), len(seats))
                row.seats.append(seat)
                row.box = (
                    min(row.box[0], seat.x),
                    max(row.box[1], seat.x),
                    min(row.box[2], seat.y),
                    max(row.box[3], seat.y),
                )
                geometry.row_of[seat.seat_id] = row
                geometry.row_at[seat.position] = row
                seats.append(seat)
            geometry.rows.setdefault(category, []).append(row)
    return geometry, seats


@pytest.mark.parametrize("curved", [False, True])
def test_free_nearest_walks_few_rows_and_picks_what_the_rule_picks(curved: bool) -> None:
    """nearest.py's in-memory walk (rows by box distance, stopping once no row can hold a nearer
    block) against best_seats over every free seat, as seats go, request after request, for sizes
    1 to 6 and foci at the centre and off it (ties between mirrored sections included); and batch
    after batch (free_seats.py told what changed: taken, freed, a batch rolled back)."""
    geometry, seats = _ring(8, 6, 20, curved)
    category = next(iter(geometry.rows))
    rng = random.Random(7)
    for focus in ((0.0, 0.0), (300.0, -120.0)):
        free = {s.position for s in seats if rng.random() < 0.7}
        kept = FreeSeats(uuid.uuid4(), geometry)
        walks: dict[int, FreeNearest] = {}  # one per size, kept from batch to batch as kept_walk does
        for batch in range(4):
            for s in seats:  # what the batch's read of the changed seats brings
                kept.mark(s.position, s.position in free)
            for walk in walks.values():
                walk.next_batch()
            taken: set[uuid.UUID] = set()
            for n in (2, 1, 3, 6, 2, 4, 5, 2):
                near = walks.setdefault(n, FreeNearest(geometry, kept, [category], n, focus))
                rule = best_seats([s for s in seats if s.position in free and s.seat_id not in taken], n, focus)
                picked = near.pick(taken)
                assert (picked and [s.seat_id for s in picked]) == (rule and [s.seat_id for s in rule])
                taken |= {s.seat_id for s in picked or []}
            if batch != 2:  # the batch committed (batch 2 rolled back: its seats stay free)
                free = free - {s.position for s in seats if s.seat_id in taken}
            free = free | {s.position for s in rng.sample(seats, 12)}  # some holds lapsed or were cancelled


def test_free_seats_applies_rows_as_read_and_lapses_holds_when_their_time_comes() -> None:
    """free_seats.py: each row read is applied as its state (re-reading one changes nothing), a
    held seat is free once its time passed (without any row changing), a seat held again, sold
    or blocked before its old hold's time is not freed by that old time; each change bumps its
    row's generation (what the kept walks look at again) and nothing else does."""
    geometry, _ = _ring(1, 2, 4, False)  # positions 0-3 in one row, 4-7 in the next
    kept = FreeSeats(uuid.uuid4(), geometry)
    t0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    minute = timedelta(minutes=1)
    available, held, sold = 0, 1, 2
    kept.apply(range(8), [available] * 8, [None] * 8, t0)
    assert [kept.is_free(p) for p in range(8)] == [True] * 8
    row_a, row_b = (id(geometry.row_at[0]), id(geometry.row_at[4]))
    gen_b = kept.row_gen[row_b]
    kept.apply([0, 1, 2], [held, held, held], [t0 + minute, t0 + 2 * minute, t0 + minute], t0)
    assert [kept.is_free(p) for p in range(4)] == [False, False, False, True]
    assert kept.row_gen[row_b] == gen_b  # row b did not change
    kept.apply([0, 1, 2], [held, held, held], [t0 + minute, t0 + 2 * minute, t0 + minute], t0)  # read again
    kept.apply([2], [sold], [None], t0)  # seat 2's order paid before its hold ran out
    gen_a = kept.row_gen[row_a]
    kept.apply([], [], [], t0 + minute)  # seat 0's hold lapsed; seat 2's old time means nothing now
    assert [kept.is_free(p) for p in range(4)] == [True, False, False, True]
    assert kept.row_gen[row_a] > gen_a
    kept.apply([0], [held], [t0 + 5 * minute], t0 + minute)  # taken again by a new hold
    kept.apply([], [], [], t0 + 3 * minute)  # seat 1 lapsed; seat 0's new hold has not
    assert [kept.is_free(p) for p in range(4)] == [False, True, False, True]
    kept.apply([3, 4], [2, available], [None, None], t0 + 3 * minute)  # blocked; row b re-read as it was
    assert [kept.is_free(p) for p in range(8)] == [False, True, False, False] + [True] * 4
    assert kept.row_gen[row_b] == gen_b
    # A batch of this process committed a hold of seat 1: noted at once (until far ahead).
    kept.committed([(1, datetime(2100, 1, 1, tzinfo=UTC))])
    assert not kept.is_free(1) and kept.row_gen[row_a] == kept.gen
