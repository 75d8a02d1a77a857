"""Seat holds: specific seats or the best available, as a normal order hold, atomically.

A seat hold is an order in `reserved` until now + HOLD_MINUTES (exactly like a GA hold: the
same order row, the same lifecycle, the same expiry, payment and cancellation), with one order
line per seat (quantity 1, `event_seat_id`) and the ticket type's counters moved like any hold.
It does not use the GA hold batcher (orders/holds.py): seats need their own statement, and the
batcher's throughput for GA stays untouched.

One transaction, in the house lock order (catalog/inventory.py): (1) the event's inventory row,
then (2) the new order, (2b) the seats, by one conditional UPDATE (below), (3) ticket types.
Taking lock (1) first serialises seat holds of one event with every counter change, so "best
available" chooses from a stable picture; the conditional UPDATE is the guarantee regardless:

    UPDATE event_seat SET status='held', order_id=:order, held_until=:expires
     WHERE event_id=:event AND id = ANY(:seats)
       AND (status='available' OR (status='held' AND <the hold lapsed>))
    RETURNING id

and its row count must equal the number of seats asked for, else the whole transaction rolls
back and the buyer gets 409 naming the taken seats with the nearest free ones. A seat row has one
`order_id` column: two orders can never both own a seat, and a CHECK ties held/sold to an owner.
A hold has lapsed when its time passed or its order no longer holds (cancelled, expired): such a
seat is free at once, whether or not the expiry job has run (machines.py).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog import inventory
from voelgoed.domain.catalog.inventory import TT, utcnow
from voelgoed.domain.orders import expiry
from voelgoed.domain.orders.holds import EVENT_FOR_HOLD, HoldResult
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import LINE, ORD
from voelgoed.domain.orders.pricing import PricedLine, totals
from voelgoed.domain.orders.services import new_access_token, new_reference
from voelgoed.domain.seating.best import FreeSeat, best_seats, centre_of
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
from voelgoed.lib.problems import Conflict, FieldError, NotFound, Unprocessable

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

_TAKE = (
    update(ES)
    .where(ES.c.event_id == bindparam("b_event"), ES.c.id.in_(bindparam("ids", expanding=True)), TAKEABLE)
    .values(status="held", order_id=bindparam("b_owner"), held_until=bindparam("expires"), updated_at=bindparam("now"))
    .returning(ES.c.id)
)
# The box office (workflows/box_office.py) may also take blocked seats (e.g. kept aside as comps).
_TAKE_BOX_OFFICE = (
    update(ES)
    .where(
        ES.c.event_id == bindparam("b_event"),
        ES.c.id.in_(bindparam("ids", expanding=True)),
        or_(TAKEABLE, ES.c.status == "blocked"),
    )
    .values(
        status="held",
        order_id=bindparam("b_owner"),
        held_until=bindparam("expires"),
        block_reason=None,
        updated_at=bindparam("now"),
    )
    .returning(ES.c.id)
)

# A seat of the event with what a buyer is told about it.
_SEAT_COLUMNS = (
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
_SEAT_JOIN = (
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


async def load_seating(conn: AsyncConnection, event_id: uuid.UUID) -> Seating:
    found = (
        await conn.execute(
            select(EVENT_SEATING.c.plan_id, PLAN.c.focus_x, PLAN.c.focus_y)
            .join(PLAN, PLAN.c.id == EVENT_SEATING.c.plan_id)
            .where(EVENT_SEATING.c.event_id == event_id)
        )
    ).first()
    if found is None:
        raise NotFound("This event has no seating plan.")
    types = (
        await conn.execute(
            select(EVENT_SEAT_CATEGORY.c.category_id, TT)
            .join(TT, TT.c.id == EVENT_SEAT_CATEGORY.c.ticket_type_id)
            .where(EVENT_SEAT_CATEGORY.c.event_id == event_id)
        )
    ).all()
    keys = (await conn.execute(select(CAT.c.key, CAT.c.id).where(CAT.c.plan_id == found.plan_id))).all()
    return Seating(
        plan_id=found.plan_id,
        focus=(found.focus_x, found.focus_y),
        types_by_category={t.category_id: t for t in types},
        category_ids_by_key={k.key: k.id for k in keys},
    )


async def event_seats(conn: AsyncConnection, event_id: uuid.UUID, seat_ids: list[uuid.UUID]) -> list[Any]:
    """The event's seats of these plan seat ids (rows with labels and their status), whatever
    their status."""
    return list(
        (
            await conn.execute(
                select(*_SEAT_COLUMNS, ES.c.status)
                .select_from(_SEAT_JOIN)
                .where(ES.c.event_id == event_id, ES.c.seat_id.in_(seat_ids))
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
        select(*_SEAT_COLUMNS)
        .select_from(_SEAT_JOIN)
        .where(ES.c.event_id == event_id, ES.c.category_id.in_(category_ids), TAKEABLE)
    )
    if row_ids is not None:
        query = query.where(SEAT.c.row_id.in_(row_ids))
    return list((await conn.execute(query, {"now": now})).all())


# Blocks whose centre is within this many plan units of the nearest block's are all handed to
# best_seats: far more than PostgreSQL's and Python's float arithmetic can differ, so the block
# best_seats would choose from every free seat is always among them (its distances are rounded
# to 1e-6 before comparing).
_NEAR_BLOCK_MARGIN = 1e-3


async def _rows_of_nearest_blocks(
    conn: AsyncConnection,
    event_id: uuid.UUID,
    category_id: uuid.UUID,
    n: int,
    focus: tuple[float, float],
    now: datetime,
) -> list[uuid.UUID]:
    """The rows holding a block of `n` free seats together (best.py's rule 1) whose centre is
    nearest the focus (rule 2, within _NEAR_BLOCK_MARGIN); [] when no row has `n` together.
    In SQL, so a hold reads a few rows' seats instead of every free seat of the category while
    it holds the event's lock. A run of free seats in a row is `row_index - row_number()`
    (consecutive row_index, nothing taken, blocked or missing between); each window of `n` in a run
    is a block."""
    free = (
        select(
            SEAT.c.row_id,
            SEAT.c.row_index,
            SEAT.c.x,
            SEAT.c.y,
            (SEAT.c.row_index - func.row_number().over(partition_by=SEAT.c.row_id, order_by=SEAT.c.row_index)).label(
                "run"
            ),
        )
        .select_from(ES.join(SEAT, SEAT.c.id == ES.c.seat_id))
        .where(ES.c.event_id == event_id, ES.c.category_id == category_id, TAKEABLE)
        .subquery("free")
    )

    def over_block(f: Any) -> Any:
        return f.over(partition_by=(free.c.row_id, free.c.run), order_by=free.c.row_index, rows=(0, n - 1))

    windows = select(
        free.c.row_id,
        over_block(func.count()).label("size"),
        over_block(func.avg(free.c.x)).label("cx"),
        over_block(func.avg(free.c.y)).label("cy"),
    ).subquery("windows")
    distance = func.sqrt(func.power(windows.c.cx - focus[0], 2) + func.power(windows.c.cy - focus[1], 2))
    blocks = select(windows.c.row_id, distance.label("d")).where(windows.c.size == n).cte("blocks")
    nearest = select(func.min(blocks.c.d)).scalar_subquery()
    query = select(blocks.c.row_id).distinct().where(blocks.c.d <= nearest + _NEAR_BLOCK_MARGIN)
    return list((await conn.scalars(query, {"now": now})).all())


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


async def nearest_free(
    conn: AsyncConnection, event_id: uuid.UUID, around: list[Any], exclude: set[uuid.UUID], now: datetime
) -> list[Any]:
    """As many free seats as `around` has, of the same categories, nearest them (together where
    possible): what a buyer whose seats were taken is offered instead."""
    if not around:
        return []
    rows = [
        r
        for r in await free_seats(conn, event_id, list({s.category_id for s in around}), now)
        if r.seat_id not in exclude
    ]
    by_id = {r.event_seat_id: r for r in rows}
    picked = best_seats(
        [as_free(r) for r in rows], min(len(around), len(rows)), centre_of([as_free(s) for s in around])
    )
    return [by_id[p.event_seat_id] for p in picked or []]


def _check_type(tt: Any, count: int, at: str, now: datetime) -> None:
    if tt.sales_start_at is not None and now < tt.sales_start_at:
        raise Unprocessable.field(at, f"Sales for {tt.name} have not started.")
    if tt.sales_end_at is not None and now >= tt.sales_end_at:
        raise Unprocessable.field(at, f"Sales for {tt.name} have ended.")
    if count > tt.max_per_order:
        raise Unprocessable.field(at, f"At most {tt.max_per_order} {tt.name} seats per order.")
    if count < tt.min_per_order:
        raise Unprocessable.field(at, f"At least {tt.min_per_order} {tt.name} seats per order.")


async def _chosen_seats(conn: AsyncConnection, r: SeatHoldRequest, seating: Seating, now: datetime) -> list[Any]:
    """The specific seats asked for, checked: in this event's plan, each once, on sale, within limits."""
    ids = r.seat_ids or []
    if not ids:
        raise Unprocessable.field("seat_ids", "Choose at least one seat.")
    if len(ids) > MAX_SEATS_PER_REQUEST:
        raise Unprocessable.field("seat_ids", f"At most {MAX_SEATS_PER_REQUEST} seats per order.")
    first: dict[uuid.UUID, int] = {}
    for i, seat_id in enumerate(ids):
        if seat_id in first:
            raise Unprocessable.field(f"seat_ids.{i}", "This seat is listed twice.")
        first[seat_id] = i
    rows = {row.seat_id: row for row in await event_seats(conn, r.event_id, ids)}
    for seat_id, i in first.items():
        if seat_id not in rows:
            raise Unprocessable.field(f"seat_ids.{i}", "Not a seat of this event.")
        if rows[seat_id].category_id not in seating.types_by_category:
            raise Unprocessable.field(f"seat_ids.{i}", "This seat is not on sale.")
    if r.box_office:
        return [rows[seat_id] for seat_id in ids]
    per_type: Counter[uuid.UUID] = Counter(seating.types_by_category[row.category_id].id for row in rows.values())
    for tt_id, count in per_type.items():
        tt = next(t for t in seating.types_by_category.values() if t.id == tt_id)
        _check_type(tt, count, "seat_ids", now)
    return [rows[seat_id] for seat_id in ids]


async def _best_seats(conn: AsyncConnection, r: SeatHoldRequest, seating: Seating, now: datetime) -> list[Any]:
    category_id = seating.category_ids_by_key.get(r.category or "")
    if category_id is None or category_id not in seating.types_by_category:
        raise Unprocessable.field("best_available.category", "No such seating category on sale at this event.")
    quantity = r.quantity or 0
    if quantity < 1:
        raise Unprocessable.field("best_available.quantity", "Choose at least 1 seat.")
    if quantity > MAX_SEATS_PER_REQUEST:
        raise Unprocessable.field("best_available.quantity", f"At most {MAX_SEATS_PER_REQUEST} seats per order.")
    _check_type(seating.types_by_category[category_id], quantity, "best_available.quantity", now)
    near = await _rows_of_nearest_blocks(conn, r.event_id, category_id, quantity, seating.focus, now)
    # Only the rows that hold the nearest blocks (their free seats, for best_seats to choose among);
    # when no row has `quantity` together, every free seat of the category (rule 3).
    rows = await free_seats(conn, r.event_id, [category_id], now, row_ids=near or None)
    picked = best_seats([as_free(row) for row in rows], quantity, seating.focus)
    if picked is None:
        left = len(rows)
        msg = "No seats are left in this category." if left == 0 else f"Only {left} seat(s) left in this category."
        raise Conflict(msg, errors=[FieldError(field="best_available.quantity", message=msg)])
    by_id = {row.event_seat_id: row for row in rows}
    return [by_id[p.event_seat_id] for p in picked]


async def hold_seats(conn: AsyncConnection, r: SeatHoldRequest) -> SeatHoldResult:
    """Hold seats in the caller's transaction (which must roll back on any exception). Raises
    404 (no such event on sale, no seating), 422 (bad seats, limits), 409 (seats taken: a
    SeatsTaken; nothing left in the category; the ticket type's quantity reached)."""
    now = utcnow()
    event = (await conn.execute(EVENT_FOR_HOLD, {"event_id": r.event_id})).first()
    if event is None or event.status != "published":
        raise NotFound("No such event, or it is not on sale.")
    if event.ends_at <= now:
        raise Unprocessable("This event has ended; tickets are no longer sold.")
    seating = await load_seating(conn, r.event_id)
    chosen = await _chosen_seats(conn, r, seating, now) if r.seat_ids is not None else None
    inv = await inventory.lock_inventory(conn, r.event_id)  # lock 1: before any seat or counter
    assert inv is not None
    if chosen is None:
        chosen = await _best_seats(conn, r, seating, now)

    order_id = uuid.uuid4()
    expires = now + timedelta(minutes=r.hold_minutes)
    types = [seating.types_by_category[s.category_id] for s in chosen]
    per_type: Counter[uuid.UUID] = Counter(t.id for t in types)
    price = {t.id: 0 if r.comp else t.price_cents for t in types}
    priced = [PricedLine(tt_id, n, price[tt_id]) for tt_id, n in per_type.items()]
    amounts = totals(priced, event.vat_rate_bp)
    token, token_hash = new_access_token()
    reference = new_reference()
    await conn.execute(
        insert(ORD),
        [
            {
                "id": order_id,
                "organization_id": event.organization_id,
                "event_id": event.id,
                "reference": reference,
                "status": "reserved",  # the order machine's initial state
                "hold_expires_at": expires,
                "subtotal_cents": amounts.subtotal_cents,
                "discount_cents": amounts.discount_cents,
                "total_cents": amounts.total_cents,
                "vat_cents": amounts.vat_cents,
                "vat_rate_bp": amounts.vat_rate_bp,
                "fees_cents": 0,
                "coupon_id": None,
                "access_token_hash": token_hash,
                "idempotency_key": r.idempotency_key,
                "session_id": r.session_id,
                "needs_refund": False,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    await conn.execute(
        insert(LINE),
        [
            {
                "id": uuid.uuid4(),
                "organization_id": event.organization_id,
                "order_id": order_id,
                "ticket_type_id": tt.id,
                "quantity": 1,
                "unit_price_cents": price[tt.id],
                "discount_cents": 0,
                "line_total_cents": price[tt.id],
                "event_seat_id": seat.event_seat_id,
                "created_at": now,
                "updated_at": now,
            }
            for seat, tt in zip(chosen, types, strict=True)
        ],
    )
    ids = [s.event_seat_id for s in chosen]
    took = {
        row.id
        for row in await conn.execute(
            _TAKE_BOX_OFFICE if r.box_office else _TAKE,
            {"b_event": r.event_id, "ids": ids, "b_owner": order_id, "expires": expires, "now": now},
        )
    }
    if len(took) != len(ids):
        raise SeatsTaken([s.seat_id for s in chosen if s.event_seat_id not in took])
    await _move_counters(conn, inv, per_type, now)
    hold = HoldResult(
        order_id=order_id,
        organization_id=event.organization_id,
        event_id=event.id,
        reference=reference,
        access_token=token,
        status="reserved",
        hold_expires_at=expires,
        lines=priced,
        amounts=amounts,
    )
    seats = [
        HeldSeat(
            seat_id=s.seat_id,
            event_seat_id=s.event_seat_id,
            section=s.section_name,
            row=s.row_label,
            label=s.label,
            ticket_type_id=tt.id,
            price_cents=price[tt.id],
        )
        for s, tt in zip(chosen, types, strict=True)
    ]
    return SeatHoldResult(hold=hold, seats=seats)


async def _move_counters(
    conn: AsyncConnection, inv: inventory.InventoryRow, per_type: Counter[uuid.UUID], now: datetime
) -> None:
    """The hold counts in `reserved` like any hold. A seat taken from a lapsed hold may still be
    counted for its old order until that is released: release the event's expired holds and try
    once more before saying no."""
    for attempt in (1, 2):
        try:
            async with conn.begin_nested():
                await inventory.move_event_counters(conn, inv, sum(per_type.values()), 0)
                await inventory.move_type_counters(conn, {t: (n, 0) for t, n in per_type.items()})
            return
        except inventory.StockShort:
            # The savepoint undid the move; read the counters again (the in-memory row may have moved).
            fresh = await inventory.lock_inventory(conn, inv.event_id)
            assert fresh is not None
            inv.reserved, inv.sold, inv.capacity = fresh.reserved, fresh.sold, fresh.capacity
            if attempt == 2:
                break
            await expiry.release_expired(conn, inv, now)
    raise Conflict(
        "Not enough tickets left for these seats: the seats' ticket type or the event is sold out.",
        errors=[FieldError(field="seat_ids", message="The ticket type of these seats is sold out.")],
    )


async def seats_of_order(conn: AsyncConnection, order_id: uuid.UUID) -> list[Any]:
    """The seats an order's lines hold or bought (section_name, row_label, label, with the line's
    ticket_type_id and unit_price_cents), in map order: what the checkout and order pages show
    and what a replayed hold answers."""
    return list(
        (
            await conn.execute(
                select(*_SEAT_COLUMNS, LINE.c.ticket_type_id, LINE.c.unit_price_cents)
                .select_from(_SEAT_JOIN.join(LINE, LINE.c.event_seat_id == ES.c.id))
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
