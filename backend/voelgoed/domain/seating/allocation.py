"""Seat holds in batches: many buyers' seat holds of one event in ONE transaction.

Seat holds go through the same group-commit batcher as general-admission holds (orders/holds.py's
HoldBatcher; seat_batcher.py): concurrent requests for one event share one transaction, one lock
of the event's inventory row and one commit, which is what lets an on-sale go faster than
PostgreSQL can hand one hot row from transaction to transaction. Inside that transaction
(`allocate_seats`), in the house lock order (catalog/inventory.py): the inventory row, the ticket
types (id order), then, in memory and in arrival order, each request's seats:

- chosen seats: read once for the whole batch (with whether each is takeable now: holds.py's
  TAKEABLE), each request checked (in this plan, each once, on sale, within limits) and refused
  with SeatsTaken when one of its seats is not free or went to an earlier request of the batch;
- best available: nearest.py's FreeNearest over free_seats.py's free seats of the event (kept per
  process, brought up to date once per batch, right after the locks and before anything is
  written, from the seats changed since), one walk per category and size kept from batch to
  batch;
- the ticket types' room (the locked counters), releasing the event's expired holds once before
  saying no, as GA holds do.

Then one INSERT of the orders, one of the lines, ONE conditional UPDATE of every seat won
(holds.py's TAKEABLE again: the guarantee, whatever was read) whose row count must be the number
of seats, and the counters once. A request that is refused does not touch the others; when the
batch transaction fails (the UPDATE found a seat gone, a race on an Idempotency-Key), the
batcher retries each request alone, where the failure is that request's answer. When the UPDATE
comes back short, the process first forgets what it kept of the event's free seats
(free_seats.py `forget`), so the retries read them whole.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog import inventory
from voelgoed.domain.catalog.inventory import utcnow
from voelgoed.domain.orders import expiry
from voelgoed.domain.orders.holds import new_hold
from voelgoed.domain.orders.models import LINE, ORD
from voelgoed.domain.orders.pricing import PricedLine, totals
from voelgoed.domain.seating import free_seats
from voelgoed.domain.seating.batch_writes import write_batch
from voelgoed.domain.seating.free_seats import FreeSeats
from voelgoed.domain.seating.holds import (
    MAX_SEATS_PER_REQUEST,
    TAKE_SEATS,
    HeldSeat,
    SeatHoldRequest,
    SeatHoldResult,
    Seating,
    SeatsTaken,
    event_and_seating,
    event_seats_now,
    seating_of,
)
from voelgoed.domain.seating.nearest import FreeNearest, kept_walk, placed, plan_geometry
from voelgoed.lib.problems import AppError, Conflict, FieldError, Unprocessable


@dataclass
class _SeatBatch:
    event: Any
    inv: inventory.InventoryRow
    seating: Seating
    left: dict[uuid.UUID, int]  # per ticket type: quantity - reserved - sold (locked rows)
    now: datetime
    chosen_rows: dict[uuid.UUID, Any] = field(default_factory=dict)  # plan seat id -> seat row
    picked: dict[uuid.UUID, Any] = field(default_factory=dict)  # plan seat id -> best available's PlacedSeat
    taken: set[uuid.UUID] = field(default_factory=set)  # plan seat ids won in this batch
    candidates: dict[tuple[uuid.UUID, int], FreeNearest] = field(default_factory=dict)
    free: FreeSeats | None = None  # the event's free seats, when the batch asks for best available
    released: bool = False


async def hold_seats(conn: AsyncConnection, r: SeatHoldRequest) -> SeatHoldResult:
    """One seat hold in the caller's transaction (the box office's; it must roll back on any
    exception). Raises 404 (no such event on sale, no seating), 422 (bad seats, limits), 409
    (SeatsTaken; nothing left in the category; the ticket type's quantity reached)."""
    outcome = (await allocate_seats(conn, r.event_id, [r]))[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def allocate_seats(
    conn: AsyncConnection,
    event_id: uuid.UUID,
    requests: list[SeatHoldRequest] | Callable[[], list[SeatHoldRequest]],
    *,
    replays: Any = None,
    held: list[tuple[int, datetime]] | None = None,
) -> list[SeatHoldResult | BaseException]:
    """Process a batch of seat holds for one event inside the caller's transaction: one answer per
    request. `requests` may be a function giving them, called once the event is locked
    (seat_batcher.py's pipeline: the batch is whatever queued until then). Raises (the whole batch
    fails) only when the final seat UPDATE or a counter refuses what the locked rows allowed, or
    on a database error. `held` receives the (position, held_until) of every seat taken, for the
    caller to note once the transaction has committed (free_seats.committed)."""
    if isinstance(requests, list):
        given = requests

        def take() -> list[SeatHoldRequest]:
            return given
    else:
        take = requests
    try:
        event = await event_and_seating(conn, event_id, utcnow())  # the event and its seating: one read
    except AppError as exc:
        return [exc for _ in take()]
    # Before the lock (a pipelined batch overlaps this with the batch holding it): the plan's
    # geometry and, the first time, the event's free seats read whole (kept per process).
    geometry = await plan_geometry(conn, event.plan_id, event.plan_version)
    if not free_seats.is_kept(event_id, geometry):
        await free_seats.free_seats_now(conn, event_id, geometry, utcnow())
    inv = await inventory.lock_inventory(conn, event_id, event)  # lock 1: before any seat or counter
    assert inv is not None
    types = await inventory.lock_type_rows(conn, event_id)  # lock 2, id order
    batch = take()
    if not batch:
        return []
    now = utcnow()  # after the lock: a pipelined batch may have waited for it
    seating = seating_of(event, types)
    b = _SeatBatch(event, inv, seating, {t.id: t.quantity - t.reserved - t.sold for t in types}, now)
    asked = [s for r in batch if r.seat_ids for s in r.seat_ids[:MAX_SEATS_PER_REQUEST]]
    if asked:
        b.chosen_rows = {row.seat_id: row for row in await event_seats_now(conn, event_id, list(set(asked)), now)}
    replayed: dict[str, SeatHoldResult] = await replays(conn, batch) if replays else {}
    if any(r.seat_ids is None for r in batch):  # before anything is written (free_seats.py)
        b.free = await free_seats.free_seats_now(conn, event_id, geometry, now)

    # Phase 1, in arrival order: each request checked and given its seats (plan seat ids).
    outcomes: list[SeatHoldResult | BaseException | None] = []
    accepted: list[tuple[int, SeatHoldRequest, list[uuid.UUID], Counter[uuid.UUID]]] = []
    for r in batch:
        if r.idempotency_key and r.idempotency_key in replayed:
            outcomes.append(replayed[r.idempotency_key])
            continue
        try:
            seat_ids, categories = _chosen(b, r) if r.seat_ids is not None else _best(b, r)
            wanted = Counter(seating.types_by_category[c].id for c in categories)
            await _make_room(conn, b, wanted)
        except (AppError, SeatsTaken) as exc:
            outcomes.append(exc.with_traceback(None))  # no traceback: it would hold this frame
            continue
        b.taken.update(seat_ids)
        for tt_id, n in wanted.items():
            b.left[tt_id] -= n
        accepted.append((len(outcomes), r, seat_ids, wanted))
        outcomes.append(None)

    # Phase 2: the orders (best-available seats as placed by the kept geometry and free seats).
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    takes: list[tuple[uuid.UUID, uuid.UUID, datetime, bool]] = []  # event seat, order, until, box office
    won: dict[uuid.UUID, Any] = {}  # event seat id -> its row
    per_type: Counter[uuid.UUID] = Counter()
    for at, r, seat_ids, wanted in accepted:
        chosen = [b.picked.get(sid) or b.chosen_rows[sid] for sid in seat_ids]
        result, order_row, line_rows = _order(b, r, chosen, wanted)
        for s in chosen:
            won[s.event_seat_id] = s
            takes.append((s.event_seat_id, result.hold.order_id, result.hold.hold_expires_at, r.box_office))
        per_type.update(wanted)
        outcomes[at] = result
        orders.append(order_row)
        lines.extend(line_rows)

    if orders:
        ids, owners, untils, box = (list(c) for c in zip(*takes, strict=True))
        seats = {"b_event": event_id, "ids": ids, "owners": owners, "untils": untils, "box": box, "now": now}
        if not any(t.quota_id for t in types if t.id in per_type):  # the usual case: one statement
            done = await write_batch(
                conn, orders=orders, lines=lines, seats=seats, per_type=dict(per_type), inventory_id=inv.id
            )
            took = set(done.took or ())
            short = done.types != len(per_type) or done.moved_event != 1
        else:  # a type in a shared quota: inventory.py moves the quota too
            done = None
            await conn.execute(insert(ORD), orders)
            await conn.execute(insert(LINE), lines)
            took = {row.id for row in await conn.execute(TAKE_SEATS, seats)}
            short = False
        if len(took) != len(ids):  # a seat went between the read and now: retried alone, read whole
            free_seats.forget(event_id)
            raise SeatsTaken([won[i].seat_id for i in ids if i not in took])
        if short:  # the room check said yes under the lock: only a bug gets here
            raise _sold_out()
        if held is not None:
            held.extend((won[i].position, until) for i, until in zip(ids, untils, strict=True))
        if done is None:
            try:
                await inventory.move_event_counters(conn, inv, sum(per_type.values()), 0)
                await inventory.move_type_counters(conn, {t: (n, 0) for t, n in per_type.items()})
            except inventory.StockShort:  # a shared quota ran out (not in the room check)
                raise _sold_out() from None
    assert all(o is not None for o in outcomes)  # phase 2 answered every request phase 1 accepted
    return cast(list[SeatHoldResult | BaseException], outcomes)


def _sold_out() -> Conflict:
    return Conflict(
        "Not enough tickets left for these seats: the seats' ticket type or the event is sold out.",
        errors=[FieldError(field="seat_ids", message="The ticket type of these seats is sold out.")],
    )


def _check_type(tt: Any, count: int, at: str, now: datetime) -> None:
    if tt.sales_start_at is not None and now < tt.sales_start_at:
        raise Unprocessable.field(at, f"Sales for {tt.name} have not started.")
    if tt.sales_end_at is not None and now >= tt.sales_end_at:
        raise Unprocessable.field(at, f"Sales for {tt.name} have ended.")
    if count > tt.max_per_order:
        raise Unprocessable.field(at, f"At most {tt.max_per_order} {tt.name} seats per order.")
    if count < tt.min_per_order:
        raise Unprocessable.field(at, f"At least {tt.min_per_order} {tt.name} seats per order.")


def _chosen(b: _SeatBatch, r: SeatHoldRequest) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The specific seats asked for, checked: in this event's plan, each once, on sale, within
    limits, and free (not taken, nor won by an earlier request of the batch)."""
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
    types = b.seating.types_by_category
    for seat_id, i in first.items():
        row = b.chosen_rows.get(seat_id)
        if row is None:
            raise Unprocessable.field(f"seat_ids.{i}", "Not a seat of this event.")
        if row.category_id not in types:
            raise Unprocessable.field(f"seat_ids.{i}", "This seat is not on sale.")
    rows = [b.chosen_rows[seat_id] for seat_id in ids]
    if not r.box_office:
        for tt_id, count in Counter(types[row.category_id].id for row in rows).items():
            tt = next(t for t in types.values() if t.id == tt_id)
            _check_type(tt, count, "seat_ids", b.now)
    taken = [
        row.seat_id
        for row in rows
        if row.seat_id in b.taken or not (row.takeable or (r.box_office and row.status == "blocked"))
    ]
    if taken:
        raise SeatsTaken(taken)
    return list(ids), [row.category_id for row in rows]


def _best(b: _SeatBatch, r: SeatHoldRequest) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The best `quantity` free seats of the category (best.py's rule), of what is left after the
    batch's earlier requests (nearest.py, over free_seats.py's free seats)."""
    category_id = b.seating.category_ids_by_key.get(r.category or "")
    if category_id is None or category_id not in b.seating.types_by_category:
        raise Unprocessable.field("best_available.category", "No such seating category on sale at this event.")
    n = r.quantity or 0
    if n < 1:
        raise Unprocessable.field("best_available.quantity", "Choose at least 1 seat.")
    if n > MAX_SEATS_PER_REQUEST:
        raise Unprocessable.field("best_available.quantity", f"At most {MAX_SEATS_PER_REQUEST} seats per order.")
    _check_type(b.seating.types_by_category[category_id], n, "best_available.quantity", b.now)
    near = b.candidates.get((category_id, n))
    if near is None:  # shared by the batch's requests of this category and size
        assert b.free is not None  # read at the start of a batch with best-available requests
        near = b.candidates[(category_id, n)] = kept_walk(b.free, category_id, n, b.seating.focus)
    picked = near.pick(b.taken)
    if picked is None:
        left = near.left()
        msg = "No seats are left in this category." if left == 0 else f"Only {left} seat(s) left in this category."
        raise Conflict(msg, errors=[FieldError(field="best_available.quantity", message=msg)])
    for s in picked:  # their labels and event seat ids, for the order lines and the answer
        b.picked[s.seat_id] = placed(near.geometry, s, near.seats.ids[s.position])
    return [s.seat_id for s in picked], [category_id] * n


async def _make_room(conn: AsyncConnection, b: _SeatBatch, wanted: Counter[uuid.UUID]) -> None:
    """The seats' ticket types must have room (the locked counters). A seat taken from a lapsed
    hold may still be counted for its old order: release the event's expired holds once per
    batch before saying no."""
    if all(n <= b.left[t] for t, n in wanted.items()):
        return
    if not b.released:
        b.released = True
        released = await expiry.release_expired(conn, b.inv, b.now)
        for tt_id, n in released.per_type.items():
            if tt_id in b.left:
                b.left[tt_id] += n
        if all(n <= b.left[t] for t, n in wanted.items()):
            return
    raise _sold_out()


def _order(
    b: _SeatBatch, r: SeatHoldRequest, chosen: list[Any], per_type: Counter[uuid.UUID]
) -> tuple[SeatHoldResult, dict[str, Any], list[dict[str, Any]]]:
    """The new order (in `reserved`, the machine's initial state), its seat lines and the answer;
    `per_type`: its seats per ticket type (phase 1's room check counted them)."""
    event, now = b.event, b.now
    types = [b.seating.types_by_category[s.category_id] for s in chosen]
    price = {t.id: 0 if r.comp else t.price_cents for t in types}
    priced = [PricedLine(tt_id, n, price[tt_id]) for tt_id, n in per_type.items()]
    hold, order_row = new_hold(event, r, priced, totals(priced, event.vat_rate_bp), now)
    order_id = hold.order_id
    line_rows = [
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
    ]
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
    return SeatHoldResult(hold=hold, seats=seats), order_row, line_rows
