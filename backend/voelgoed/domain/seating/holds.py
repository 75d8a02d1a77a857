"""Seat holds: the rules and statements every seat hold uses (allocation.py runs them in batches).

A seat hold is an order in `reserved` until now + HOLD_MINUTES (exactly like a GA hold: the
same order row, the same lifecycle, the same expiry, payment and cancellation), with one order
line per seat (quantity 1, `event_seat_id`) and the ticket type's counters moved like any hold.

What guarantees that a seat is never held by two orders is one conditional UPDATE (TAKE_SEATS):

    UPDATE event_seat SET status='held', order_id=<its order>, held_until=<its expiry>
      FROM unnest(<seats>, <orders>, ...) AS won
     WHERE event_seat.id = won.id AND event_id=:event
       AND (status='available' OR (status='held' AND <the hold lapsed>))
    RETURNING id

whose row count must equal the number of seats won, else the whole transaction rolls back. A seat
row has one `order_id` column: two orders can never both own a seat, and a CHECK ties held/sold
to an owner. A hold has lapsed when its time passed or its order no longer holds (cancelled,
expired): such a seat is free at once, whether or not the expiry job has run (machines.py).
A buyer whose seats were taken gets 409 naming them with the nearest free ones (nearest_free).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Boolean, DateTime, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog.inventory import EVT
from voelgoed.domain.orders.holds import EVENT_FOR_HOLD, HoldResult, check_on_sale
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import LINE, ORD
from voelgoed.domain.seating.best import FreeSeat
from voelgoed.domain.seating.machines import sources
from voelgoed.domain.seating.models import (
    EVENT_SEAT,
    EVENT_SEAT_CATEGORY,
    EVENT_SEATING,
    PLAN,
    SEAT,
    SEAT_CATEGORY,
    SEAT_ROW,
    SEAT_SECTION,
)
from voelgoed.lib.problems import Conflict, FieldError, NotFound

log = logging.getLogger(__name__)

MAX_SEATS_PER_REQUEST = 50  # on top of each ticket type's own max_per_order
ES = EVENT_SEAT
CAT = SEAT_CATEGORY

# A held seat whose hold lapsed: its order stopped holding (cancelled, expired) or its time
# passed. The order's `hold_expires_at` decides, as for GA holds (`held_until` is its copy for
# readers of the seat row), so the seat and the order's counters can never disagree.
_LIVE_HOLD = exists().where(
    ORD.c.id == ES.c.order_id,
    ORD.c.status.in_(HOLDING_STATUSES),
    ORD.c.hold_expires_at > bindparam("now"),
)
_LAPSED = and_(ES.c.status == "held", ~_LIVE_HOLD)
_HOLD_FROM = sources("hold")  # ('available', 'held'): the machine's sources of `hold`
assert set(_HOLD_FROM) == {"available", "held"}
# What a new hold may take: available, or held with the hold lapsed.
TAKEABLE = or_(ES.c.status == "available", _LAPSED)

# Every seat a batch of holds won, each to its order, in one statement: the guarantee. Only seats
# still takeable change (the box office's may also be blocked: kept aside as comps); the caller
# compares the row count with the seats it asked for.
_WON = select(
    func.unnest(bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True)))).label("id"),
    func.unnest(bindparam("owners", type_=ARRAY(PG_UUID(as_uuid=True)))).label("owner"),
    func.unnest(bindparam("untils", type_=ARRAY(DateTime(timezone=True)))).label("until"),
    func.unnest(bindparam("box", type_=ARRAY(Boolean))).label("box"),
).subquery("won")
TAKE_SEATS = (
    update(ES)
    .where(
        ES.c.id == _WON.c.id,
        # The seats by primary key whatever the planner thinks of `won` (an unnest it cannot
        # count): without it, it may hash-join every takeable seat of the event (14 ms for 46,000).
        ES.c.id == func.any(bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True)))),
        ES.c.event_id == bindparam("b_event"),
        or_(TAKEABLE, and_(_WON.c.box, ES.c.status == "blocked")),
    )
    .values(
        status="held", order_id=_WON.c.owner, held_until=_WON.c.until, block_reason=None, updated_at=bindparam("now")
    )
    .returning(ES.c.id)
)

# A seat of the event with what a buyer is told about it.
SEAT_COLUMNS = (
    ES.c.id.label("event_seat_id"),
    ES.c.seat_id,
    ES.c.category_id,
    ES.c.position,
    SEAT.c.label,
    SEAT.c.x,
    SEAT.c.y,
    SEAT.c.row_index,
    SEAT_ROW.c.id.label("row_id"),
    SEAT_ROW.c.label.label("row_label"),
    SEAT_ROW.c.sort_order.label("row_order"),
    SEAT_SECTION.c.name.label("section_name"),
    SEAT_SECTION.c.sort_order.label("section_order"),
)
SEAT_JOIN = (
    ES.join(SEAT, SEAT.c.id == ES.c.seat_id)
    .join(SEAT_ROW, SEAT_ROW.c.id == SEAT.c.row_id)
    .join(SEAT_SECTION, SEAT_SECTION.c.id == SEAT.c.section_id)
)


@dataclass
class SeatHoldRequest:
    event_id: uuid.UUID
    seat_ids: list[uuid.UUID] | None = None  # specific seats (plan seat ids) ...
    category: str | None = None  # ... or the best `quantity` seats of this category (its key)
    quantity: int | None = None
    session_id: str | None = None
    idempotency_key: str | None = None
    hold_minutes: int = 15
    # The organiser's box office: blocked seats too, no sales window or per-order limits.
    box_office: bool = False
    comp: bool = False  # complimentary: every seat at 0 cents

    def fingerprint(self) -> str:
        """What the request asks for: the same Idempotency-Key with another answer is refused."""
        seats = ",".join(str(s) for s in self.seat_ids) if self.seat_ids is not None else ""
        return f"{self.event_id}|{seats}|{self.category or ''}|{self.quantity or 0}"


@dataclass(frozen=True)
class HeldSeat:
    seat_id: uuid.UUID
    event_seat_id: uuid.UUID
    section: str
    row: str
    label: str
    ticket_type_id: uuid.UUID
    price_cents: int


@dataclass
class SeatHoldResult:
    hold: HoldResult
    seats: list[HeldSeat] = field(default_factory=list)


@dataclass
class Seating:
    """The event's seating as a hold needs it."""

    plan_id: uuid.UUID
    plan_version: datetime  # the plan's updated_at: what is kept per process about it is keyed by it
    focus: tuple[float, float]
    types_by_category: dict[uuid.UUID, Any]  # category id -> ticket type row
    category_ids_by_key: dict[str, uuid.UUID]


class SeatsTaken(Exception):
    """Some of the chosen seats were not free (the transaction must roll back)."""

    def __init__(self, taken: list[uuid.UUID]) -> None:
        super().__init__(f"{len(taken)} seat(s) taken")
        self.taken = taken


def seat_conflict(detail: str, taken: list[Any], alternatives: list[Any]) -> Conflict:
    """409 problem+json naming the taken seats and offering the nearest free ones."""
    return Conflict(
        detail,
        errors=[FieldError(field="seat_ids", message=f"{_name(s)} is no longer available.") for s in taken],
        extensions={
            "taken_seats": [_brief(s) for s in taken],
            "alternatives": [_brief(s) for s in alternatives],
        },
    )


def _name(s: Any) -> str:
    return f"{s.section_name} row {s.row_label} seat {s.label}"


def _brief(s: Any) -> dict[str, Any]:
    return {"seat_id": str(s.seat_id), "section": s.section_name, "row": s.row_label, "label": s.label}


# The event a seat hold is for (orders/holds.py's EVENT_FOR_HOLD: status, end, VAT, capacity) and
# its seating in ONE statement (four round trips per batch before): the plan version and focus,
# the category -> ticket type map and the plan's category keys as arrays, each pair in one order.
_ESC = EVENT_SEAT_CATEGORY
EVENT_AND_SEATING = (
    EVENT_FOR_HOLD.outerjoin(EVENT_SEATING, EVENT_SEATING.c.event_id == EVT.c.id)
    .outerjoin(PLAN, PLAN.c.id == EVENT_SEATING.c.plan_id)
    .add_columns(
        EVENT_SEATING.c.plan_id,
        PLAN.c.updated_at.label("plan_version"),
        PLAN.c.focus_x,
        PLAN.c.focus_y,
        *(
            select(func.array_agg(aggregate_order_by(column, _ESC.c.category_id)))
            .where(_ESC.c.event_id == EVT.c.id)
            .scalar_subquery()
            .label(name)
            for column, name in ((_ESC.c.category_id, "mapped_categories"), (_ESC.c.ticket_type_id, "mapped_types"))
        ),
        *(
            select(func.array_agg(aggregate_order_by(column, CAT.c.id)))
            .where(CAT.c.plan_id == EVENT_SEATING.c.plan_id)
            .scalar_subquery()
            .label(name)
            for column, name in ((CAT.c.key, "category_keys"), (CAT.c.id, "category_ids"))
        ),
    )
)


async def event_and_seating(conn: AsyncConnection, event_id: uuid.UUID, now: datetime) -> Any:
    """The event's row (EVENT_AND_SEATING) for a seat hold: 404 when it is not on sale or has no
    seating plan, 422 when it has ended. Its seating: `seating_of` (with the ticket type rows)."""
    found: Any = (await conn.execute(EVENT_AND_SEATING, {"event_id": event_id})).first()
    check_on_sale(found, now)
    if found.plan_id is None:
        raise NotFound("This event has no seating plan.")
    return found


def seating_of(found: Any, types: list[Any]) -> Seating:
    """The Seating of an EVENT_AND_SEATING row, with the event's ticket type rows (the batch's
    locked ones)."""
    by_id = {t.id: t for t in types}
    mapped = zip(found.mapped_categories or (), found.mapped_types or (), strict=True)
    return Seating(
        plan_id=found.plan_id,
        plan_version=found.plan_version,
        focus=(found.focus_x, found.focus_y),
        types_by_category={c: by_id[t] for c, t in mapped if t in by_id},
        category_ids_by_key=dict(zip(found.category_keys or (), found.category_ids or (), strict=True)),
    )


async def event_seats(conn: AsyncConnection, event_id: uuid.UUID, seat_ids: list[uuid.UUID]) -> list[Any]:
    """The event's seats of these plan seat ids (rows with labels and their status), whatever
    their status."""
    return list(
        (
            await conn.execute(
                select(*SEAT_COLUMNS, ES.c.status)
                .select_from(SEAT_JOIN)
                .where(ES.c.event_id == event_id, ES.c.seat_id.in_(seat_ids))
            )
        ).all()
    )


async def event_seats_now(
    conn: AsyncConnection, event_id: uuid.UUID, seat_ids: list[uuid.UUID], now: datetime
) -> list[Any]:
    """event_seats() with `takeable`: whether a hold may take the seat now."""
    return list(
        (
            await conn.execute(
                select(*SEAT_COLUMNS, ES.c.status, TAKEABLE.label("takeable"))
                .select_from(SEAT_JOIN)
                .where(ES.c.event_id == event_id, ES.c.seat_id.in_(seat_ids)),
                {"now": now},
            )
        ).all()
    )


async def free_seats(
    conn: AsyncConnection,
    event_id: uuid.UUID,
    category_ids: list[uuid.UUID],
    now: datetime,
    row_ids: list[uuid.UUID] | None = None,
) -> list[Any]:
    """The event's seats of these categories that a hold may take now (rows with labels); only
    those of `row_ids` when given."""
    query = (
        select(*SEAT_COLUMNS)
        .select_from(SEAT_JOIN)
        .where(ES.c.event_id == event_id, ES.c.category_id.in_(category_ids), TAKEABLE)
    )
    if row_ids is not None:
        query = query.where(SEAT.c.row_id.in_(row_ids))
    return list((await conn.execute(query, {"now": now})).all())


def as_free(row: Any) -> FreeSeat:
    return FreeSeat(
        event_seat_id=row.event_seat_id,
        seat_id=row.seat_id,
        row_id=row.row_id,
        row_rank=(row.section_order, row.row_order),
        row_index=row.row_index,
        x=row.x,
        y=row.y,
    )


async def seats_of_order(conn: AsyncConnection, order_id: uuid.UUID) -> list[Any]:
    """The seats an order's lines hold or bought (section_name, row_label, label, with the line's
    ticket_type_id and unit_price_cents), in map order: what the checkout and order pages show
    and what a replayed hold answers."""
    return list(
        (
            await conn.execute(
                select(*SEAT_COLUMNS, LINE.c.ticket_type_id, LINE.c.unit_price_cents)
                .select_from(SEAT_JOIN.join(LINE, LINE.c.event_seat_id == ES.c.id))
                .where(LINE.c.order_id == order_id)
                .order_by(ES.c.position)
            )
        ).all()
    )


async def held_seats_of_order(conn: AsyncConnection, order_id: uuid.UUID) -> list[HeldSeat]:
    """An order's seats as a hold answers them (a replayed hold, a repeated box-office request)."""
    return [
        HeldSeat(s.seat_id, s.event_seat_id, s.section_name, s.row_label, s.label, s.ticket_type_id, s.unit_price_cents)
        for s in await seats_of_order(conn, order_id)
    ]
