"""An event's seating: which plan version it sells, the category -> ticket type map, blocked seats.

Every change here takes the event's inventory lock first (lock order: catalog/inventory.py), so
it never interleaves with a seat hold, a payment or a release of the same event.

Assigning a plan writes one `event_seat` row per seat of the version (one INSERT ... SELECT) and
marks the mapped ticket types `seated` (sold only with seats: the GA batcher refuses them). Each
mapped type's `quantity` must cover its categories' seats: the type's counters count seat holds
and sales like any other, and a quantity below the seats would refuse sales the seats allow.
Changing to another plan version is refused while a seat is held or sold (those seats' orders
and tickets refer to them); the same version with another map keeps every seat's status.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from statemachine.exceptions import TransitionNotAllowed

from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.catalog import inventory
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import Order
from voelgoed.domain.seating import availability
from voelgoed.domain.seating.free_seats_sql import ANALYZE_EVENT_SEATS
from voelgoed.domain.seating.machines import SeatLifecycle
from voelgoed.domain.seating.models import (
    EVENT_SEAT,
    SEAT,
    EventSeat,
    EventSeatCategory,
    EventSeating,
    Seat,
    SeatCategory,
    SeatingPlan,
)
from voelgoed.domain.seating.schemas import (
    CategoryMapping,
    EventCategoryRead,
    EventSeatingRead,
    SeatCounts,
)
from voelgoed.lib.problems import Conflict, FieldError, NotFound, Unprocessable


class EventSeatingService:
    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def _event(self, event_id: uuid.UUID) -> Event:
        event = await self.db.scalar(select(Event).where(Event.id == event_id))
        if event is None:
            raise NotFound("No such event.")
        return event

    async def _lock(self, event_id: uuid.UUID) -> inventory.InventoryRow:
        inv = await inventory.lock_inventory(await self.db.connection(), event_id)
        assert inv is not None
        return inv

    async def _seating(self, event_id: uuid.UUID) -> EventSeating:
        seating = await self.db.scalar(select(EventSeating).where(EventSeating.event_id == event_id))
        if seating is None:
            raise NotFound("This event has no seating plan.")
        return seating

    async def read(self, event_id: uuid.UUID) -> EventSeatingRead:
        await self._event(event_id)
        seating = await self._seating(event_id)
        plan = await self.db.scalar(select(SeatingPlan).where(SeatingPlan.id == seating.plan_id))
        assert plan is not None
        cats = list(
            await self.db.scalars(
                select(SeatCategory).where(SeatCategory.plan_id == plan.id).order_by(SeatCategory.key)
            )
        )
        seats = dict(
            (
                await self.db.execute(
                    select(Seat.category_id, func.count()).where(Seat.plan_id == plan.id).group_by(Seat.category_id)
                )
            )
            .tuples()
            .all()
        )
        mapped = {
            m.category_id: tt
            for m, tt in (
                await self.db.execute(
                    select(EventSeatCategory, TicketType)
                    .join(TicketType, TicketType.id == EventSeatCategory.ticket_type_id)
                    .where(EventSeatCategory.event_id == event_id)
                )
            ).tuples()
        }
        counts = await availability.status_counts(await self.db.connection(), event_id)
        return EventSeatingRead(
            event_id=event_id,
            plan_id=plan.id,
            plan_name=plan.name,
            plan_version=plan.version,
            categories=[
                EventCategoryRead(
                    key=c.key,
                    name=c.name,
                    color=c.color,
                    seats=int(seats.get(c.id, 0)),
                    ticket_type_id=mapped[c.id].id if c.id in mapped else None,
                    ticket_type_name=mapped[c.id].name if c.id in mapped else None,
                    price_cents=mapped[c.id].price_cents if c.id in mapped else None,
                )
                for c in cats
            ],
            counts=SeatCounts(**counts),
        )

    async def _taken(self, event_id: uuid.UUID) -> int:
        """Seats sold, or held by a hold that has not lapsed."""
        counts = await availability.status_counts(await self.db.connection(), event_id)
        return counts["held"] + counts["sold"]

    async def assign(self, event_id: uuid.UUID, plan_id: uuid.UUID, mappings: list[CategoryMapping]) -> None:
        event = await self._event(event_id)
        plan = await self.db.scalar(select(SeatingPlan).where(SeatingPlan.id == plan_id))
        if plan is None:
            raise Unprocessable.field("plan_id", "No such seating plan.")
        if plan.venue_id != event.venue_id:
            raise Unprocessable.field("plan_id", "This plan belongs to another venue than the event's.")
        await self._lock(event_id)  # lock 1: no hold, payment or release of this event meanwhile
        categories = {
            c.key: c for c in await self.db.scalars(select(SeatCategory).where(SeatCategory.plan_id == plan.id))
        }
        types = {t.id: t for t in await self.db.scalars(select(TicketType).where(TicketType.event_id == event_id))}
        seats_per_category = dict(
            (
                await self.db.execute(
                    select(Seat.category_id, func.count()).where(Seat.plan_id == plan.id).group_by(Seat.category_id)
                )
            )
            .tuples()
            .all()
        )
        chosen: dict[uuid.UUID, uuid.UUID] = {}
        per_type: Counter[uuid.UUID] = Counter()
        first_of_type: dict[uuid.UUID, int] = {}
        for i, m in enumerate(mappings):
            category = categories.get(m.category)
            if category is None:
                raise Unprocessable.field(f"categories.{i}.category", f"No category {m.category!r} in this plan.")
            if category.id in chosen:
                raise Unprocessable.field(f"categories.{i}.category", "This category is mapped twice.")
            if m.ticket_type_id not in types:
                raise Unprocessable.field(f"categories.{i}.ticket_type_id", "Not a ticket type of this event.")
            chosen[category.id] = m.ticket_type_id
            per_type[m.ticket_type_id] += int(seats_per_category.get(category.id, 0))
            first_of_type.setdefault(m.ticket_type_id, i)
        for tt_id, seats in per_type.items():
            tt = types[tt_id]
            if tt.quantity < seats:
                raise Unprocessable.field(
                    f"categories.{first_of_type[tt_id]}.ticket_type_id",
                    f"{tt.name} has a quantity of {tt.quantity} but its categories have {seats} seats: "
                    f"raise its quantity to at least {seats}.",
                )

        current = await self.db.scalar(select(EventSeating).where(EventSeating.event_id == event_id))
        if current is not None and current.plan_id != plan.id:
            await self._drop_seats(event_id)
            current.plan_id = plan.id
        elif current is None:
            self.db.add(EventSeating(organization_id=event.organization_id, event_id=event_id, plan_id=plan.id))
        await self.db.flush()
        if current is None or await self._seat_rows(event_id) == 0:
            await self._write_seats(event, plan.id)
        await self.db.execute(delete(EventSeatCategory).where(EventSeatCategory.event_id == event_id))
        for category_id, tt_id in chosen.items():
            self.db.add(
                EventSeatCategory(
                    organization_id=event.organization_id,
                    event_id=event_id,
                    category_id=category_id,
                    ticket_type_id=tt_id,
                )
            )
        seated = {tt_id for tt_id, seats in per_type.items() if seats > 0}
        for tt in types.values():
            tt.seated = tt.id in seated
        await self.db.flush()
        self.audit.record(
            action="event.seating_assigned",
            entity_type="event",
            entity_id=event_id,
            changes={"plan_id": str(plan.id), "version": plan.version, "categories": len(chosen)},
        )

    async def _seat_rows(self, event_id: uuid.UUID) -> int:
        return int(
            await self.db.scalar(select(func.count()).select_from(EventSeat).where(EventSeat.event_id == event_id)) or 0
        )

    async def _write_seats(self, event: Event, plan_id: uuid.UUID) -> None:
        now = inventory.utcnow()
        await self.db.execute(
            insert(EVENT_SEAT).from_select(
                [
                    "id",
                    "organization_id",
                    "event_id",
                    "seat_id",
                    "category_id",
                    "position",
                    "status",
                    "created_at",
                    "updated_at",
                ],
                select(
                    func.gen_random_uuid(),
                    literal(event.organization_id),
                    literal(event.id),
                    SEAT.c.id,
                    SEAT.c.category_id,
                    SEAT.c.position,
                    literal("available"),
                    literal(now),
                    literal(now),
                ).where(SEAT.c.plan_id == plan_id, SEAT.c.organization_id == event.organization_id),
            )
        )
        # Fresh statistics for the planner (it counts this transaction's own new rows): with the
        # table's old ones it takes a stadium's 50,000 new seats for a handful and plans a hold's
        # seat UPDATE as a scan of them all (5 ms instead of 0.5) until autovacuum next looks.
        await self.db.execute(ANALYZE_EVENT_SEATS)

    async def _drop_seats(self, event_id: uuid.UUID) -> None:
        if await self._taken(event_id):
            raise Conflict("Seats of this event are held or sold; its plan cannot change now.")
        await self.db.execute(delete(EventSeat).where(EventSeat.event_id == event_id))

    async def remove(self, event_id: uuid.UUID) -> None:
        await self._event(event_id)
        seating = await self._seating(event_id)
        await self._lock(event_id)
        await self._drop_seats(event_id)
        await self.db.execute(delete(EventSeatCategory).where(EventSeatCategory.event_id == event_id))
        await self.db.execute(update(TicketType).where(TicketType.event_id == event_id).values(seated=False))
        await self.db.delete(seating)
        await self.db.flush()
        self.audit.record(action="event.seating_removed", entity_type="event", entity_id=event_id, changes={})

    async def _seat_rows_for(self, event_id: uuid.UUID, seat_ids: list[uuid.UUID]) -> list[EventSeat]:
        await self._event(event_id)
        await self._seating(event_id)
        await self._lock(event_id)
        rows = {
            r.seat_id: r
            for r in await self.db.scalars(
                select(EventSeat)
                .where(EventSeat.event_id == event_id, EventSeat.seat_id.in_(seat_ids))
                .order_by(EventSeat.id)
                .with_for_update()
            )
        }
        for i, seat_id in enumerate(seat_ids):
            if seat_id not in rows:
                raise Unprocessable.field(f"seat_ids.{i}", "Not a seat of this event.")
        return [rows[s] for s in dict.fromkeys(seat_ids)]

    async def _lapsed(self, rows: list[EventSeat]) -> set[uuid.UUID]:
        """Held seats whose hold lapsed (time passed, or the order stopped holding)."""
        now = inventory.utcnow()
        held = [r for r in rows if r.status == "held"]
        live_orders = (
            set(
                await self.db.scalars(
                    select(Order.id).where(
                        Order.id.in_([r.order_id for r in held]),
                        Order.status.in_(HOLDING_STATUSES),
                        Order.hold_expires_at > now,
                    )
                )
            )
            if held
            else set()
        )
        return {r.id for r in held if r.order_id not in live_orders}

    async def block(self, event_id: uuid.UUID, seat_ids: list[uuid.UUID], reason: str) -> int:
        rows = await self._seat_rows_for(event_id, seat_ids)
        lapsed = await self._lapsed(rows)
        refused: list[Any] = []
        for row in rows:
            if row.id in lapsed:
                SeatLifecycle(row).send("release")
                row.order_id, row.held_until = None, None
            try:
                SeatLifecycle(row).send("block")
            except TransitionNotAllowed:
                refused.append(row)
                continue
            row.block_reason = reason
        if refused:
            raise Conflict(
                f"{len(refused)} of these seats are held or sold and cannot be blocked.",
                errors=[FieldError(field="seat_ids", message=f"Seat {r.seat_id} is {r.status}.") for r in refused],
            )
        await self.db.flush()
        self.audit.record(
            action="event.seats_blocked",
            entity_type="event",
            entity_id=event_id,
            changes={"seats": len(rows), "reason": reason},
        )
        return len(rows)

    async def unblock(self, event_id: uuid.UUID, seat_ids: list[uuid.UUID]) -> int:
        rows = await self._seat_rows_for(event_id, seat_ids)
        changed = 0
        for row in rows:
            if row.status != "blocked":
                continue  # available already (or held/sold: not ours to change here)
            SeatLifecycle(row).send("unblock")
            row.block_reason = None
            changed += 1
        await self.db.flush()
        self.audit.record(
            action="event.seats_unblocked", entity_type="event", entity_id=event_id, changes={"seats": changed}
        )
        return changed
