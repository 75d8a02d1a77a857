"""What the seat picker shows: an event's plan, its categories with prices and the live seat status,
read once per page (the same reads as getPublicSeatingPlan and getPublicSeatAvailability), and
the picker's compact map encoding.

Seats are named by their **position** (their index in the plan's seat order, the order of the
availability string) in the picker's forms and its map data: a form field `seat=17` instead of a
36-character UUID keeps a 5,000-seat map small (seat ids are random, so they do not compress).
The position is turned back into the plan's seat id here, before the hold.

The compact map (`map_json`), for the picker's script (static/seats.js); up to INLINE_MAP_UP_TO
seats the page carries it as `<script type="application/json" id="seat-map-data">`
(`map_script_text`); `/events/{slug}/seats/map.json` serves the same bytes (preloaded by the page
of a larger map):

    {"w": width, "h": height, "f": [focus x, focus y],
     "c": [[key, name, colour, price text], ...],          # categories on sale
     "s": [[name, [[row label, seat count], ...]], ...],   # seated sections, in seat order
     "p": [label, x, y, category index, flags, ...],       # 5 values per seat, in seat order
     "a": "aahs..."}                                        # status letters, as the availability API

flags: 1 accessible, 2 restricted view. Coordinates are rounded to a tenth of a plan unit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec
from markupsafe import Markup
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.catalog.inventory import TT
from voelgoed.domain.events.models import Event
from voelgoed.domain.seating import availability
from voelgoed.domain.seating.holds import seats_of_order
from voelgoed.domain.seating.plans import event_plan
from voelgoed.lib import i18n
from voelgoed.lib.templates import money

# Above this many seats the picker starts with the sections (list and map), then one section's seats.
SECTIONS_FIRST_OVER = 600
# Up to this many seats the page carries the map's data (seats.js draws it without a second request);
# a larger map is fetched as map.json, preloaded from the page's head, so that building and
# compressing it (~0.3-0.9 s for 50,000 seats on a busy 2-core machine) does not hold back the
# page itself. Measured in bench/seating (picker.mjs): inline is faster at 5,000 seats, slower at 50,000.
INLINE_MAP_UP_TO = 10_000


@dataclass
class PickerSeat:
    position: int
    seat_id: uuid.UUID
    label: str
    x: float
    y: float
    category: str
    accessible: bool
    restricted_view: bool
    status: str  # a available, h held, s sold, b blocked; "n" not on sale (its category is unmapped)


@dataclass
class PickerRow:
    label: str
    seats: list[PickerSeat] = field(default_factory=list)


@dataclass
class PickerSection:
    key: str
    name: str
    rows: list[PickerRow] = field(default_factory=list)

    @property
    def free(self) -> int:
        return sum(1 for r in self.rows for s in r.seats if s.status == "a")


@dataclass
class PickerCategory:
    key: str
    name: str
    color: str
    ticket_type_id: uuid.UUID
    price_cents: int


@dataclass
class Picker:
    width: float
    height: float
    focus: tuple[float, float]
    categories: list[PickerCategory]
    sections: list[PickerSection]
    etag: str

    @property
    def seats(self) -> list[PickerSeat]:
        return [s for sec in self.sections for r in sec.rows for s in r.seats]

    @property
    def seat_count(self) -> int:
        return sum(len(r.seats) for sec in self.sections for r in sec.rows)

    def by_position(self) -> dict[int, PickerSeat]:
        return {s.position: s for s in self.seats}

    def positions_of(self, seat_ids: list[str]) -> list[int]:
        at = {str(s.seat_id): s.position for s in self.seats}
        return [at[i] for i in seat_ids if i in at]


async def load_picker(db: AsyncSession, redis: Redis, event: Event, *, cache: bool) -> Picker | None:
    """The event's plan with live status; None when the event sells no reserved seats."""
    found_plan = await event_plan(db, event.id)
    if found_plan is None:
        return None
    doc = found_plan.document
    categories = [PickerCategory(m[0], m[1], m[2], m[3], m[4]) for m in found_plan.categories]
    on_sale = {c.key for c in categories}
    found = await availability.seat_map(await db.connection(), redis, event.id, cache=cache)
    status = found.status if found is not None else ""
    sections: list[PickerSection] = []
    position = 0
    for sec in doc.sections:
        section = PickerSection(key=sec.key, name=sec.name)
        for row in sec.rows or []:
            picked = PickerRow(label=row.label)
            for seat in row.seats:
                code = status[position] if position < len(status) else "b"
                assert seat.id is not None
                picked.seats.append(
                    PickerSeat(
                        position=position,
                        seat_id=seat.id,
                        label=seat.label,
                        x=seat.x,
                        y=seat.y,
                        category=seat.category,
                        accessible=bool(seat.accessible),
                        restricted_view=bool(seat.restricted_view),
                        status=code if seat.category in on_sale else "n",
                    )
                )
                position += 1
            section.rows.append(picked)
        if section.rows:  # standing areas are sold as general admission (docs/seating.md)
            sections.append(section)
    return Picker(
        width=doc.width,
        height=doc.height,
        focus=(doc.focus.x, doc.focus.y),
        categories=categories,
        sections=sections,
        etag=found.etag if found is not None else "",
    )


def _num(v: float) -> float | int:
    r = round(v, 1)
    return int(r) if r == int(r) else r


def map_json(picker: Picker) -> bytes:
    """The compact map for the picker's script (format in the module docstring)."""
    index = {c.key: i for i, c in enumerate(picker.categories)}
    flat: list[Any] = []
    for s in picker.seats:
        flags = (1 if s.accessible else 0) | (2 if s.restricted_view else 0)
        flat += [s.label, _num(s.x), _num(s.y), index.get(s.category, -1), flags]
    status = "".join(s.status if s.status != "n" else "b" for s in picker.seats)
    body = {
        "w": _num(picker.width),
        "h": _num(picker.height),
        "f": [_num(picker.focus[0]), _num(picker.focus[1])],
        "c": [[c.key, c.name, c.color, money(c.price_cents, i18n.current_locale())] for c in picker.categories],
        "s": [[sec.name, [[r.label, len(r.seats)] for r in sec.rows]] for sec in picker.sections],
        "p": flat,
        "a": status,
    }
    return msgspec.json.encode(body)


def map_script_text(picker: Picker) -> Markup:
    """The compact map as the text of the page's `<script type="application/json">` (read by
    seats.js without a second request): every `<` escaped as `\\u003c`, so no `</script>` or `<!--`
    in a name can end the element early. Data, not a script: CSP's script-src does not apply."""
    text = map_json(picker).replace(b"<", b"\\u003c").decode()
    return Markup(text)  # noqa: S704  (JSON with no "<" left: nothing in it can be markup)


async def order_seat_names(db: AsyncSession, order_id: uuid.UUID) -> list[dict[str, str]]:
    """The order's seats (section, row, seat) for the checkout and order pages; [] for GA orders."""
    rows = await seats_of_order(await db.connection(), order_id)
    return [{"section": r.section_name, "row": r.row_label, "label": r.label} for r in rows]


async def seated_type_ids(db: AsyncSession, event_id: uuid.UUID) -> set[uuid.UUID]:
    """The event's ticket types sold only with a seat (the event page links them to the picker)."""
    return set(await db.scalars(select(TT.c.id).where(TT.c.event_id == event_id, TT.c.seated.is_(True))))
