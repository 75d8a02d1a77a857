"""Request and response bodies of the seating API. The plan document itself is plan_format.py's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec
from msgspec import Meta

from voelgoed.domain.orders.schemas import ReservationRead
from voelgoed.domain.seating.machines import BlockReason
from voelgoed.domain.seating.plan_format import Key, SeatingPlanDocument

if TYPE_CHECKING:
    from voelgoed.domain.seating.holds import HeldSeat
    from voelgoed.domain.seating.models import SeatingPlan

SeatIds = Annotated[list[uuid.UUID], Meta(min_length=1, max_length=1000, description="Seat ids of the plan.")]


class SeatingPlanSummary(msgspec.Struct):
    """A stored seating plan version (the document itself: getSeatingPlan / exportSeatingPlan)."""

    id: uuid.UUID
    venue_id: uuid.UUID
    lineage_id: Annotated[uuid.UUID, Meta(description="Shared by every version of this plan.")]
    version: int
    name: str
    seat_count: int
    in_use: Annotated[bool, Meta(description="An event sells this version: a change makes a new version.")]
    created_at: datetime
    updated_at: datetime


class CategoryMapping(msgspec.Struct, forbid_unknown_fields=True):
    """Seats of this category are sold as this ticket type (its price, its counters)."""

    category: Key
    ticket_type_id: uuid.UUID


class EventSeatingAssign(msgspec.Struct, forbid_unknown_fields=True):
    """The plan version an event sells and which ticket type each category is sold as."""

    plan_id: uuid.UUID
    categories: Annotated[list[CategoryMapping], Meta(max_length=200)]


class SeatCounts(msgspec.Struct):
    available: int
    held: int
    sold: int
    blocked: int


class EventCategoryRead(msgspec.Struct):
    key: str
    name: str
    color: str
    seats: int
    ticket_type_id: uuid.UUID | None  # null: not on sale at this event
    ticket_type_name: str | None
    price_cents: int | None


class EventSeatingRead(msgspec.Struct):
    """An event's seating: the plan version, the category map, seats per status."""

    event_id: uuid.UUID
    plan_id: uuid.UUID
    plan_name: str
    plan_version: int
    categories: list[EventCategoryRead]
    counts: SeatCounts


class SeatBlock(msgspec.Struct, forbid_unknown_fields=True):
    """Keep seats off sale (cameras, sponsors, comps, ...)."""

    seat_ids: SeatIds
    reason: BlockReason


class SeatUnblock(msgspec.Struct, forbid_unknown_fields=True):
    seat_ids: SeatIds


class PublicSeatCategoryRead(msgspec.Struct):
    key: str
    name: str
    color: str
    ticket_type_id: uuid.UUID
    price_cents: int


class PublicSeatingRead(msgspec.Struct):
    """The event's seating plan for the seat picker: the drawing (with seat ids) and what each
    category costs. Seats' live status: getPublicSeatAvailability."""

    event_id: uuid.UUID
    plan: SeatingPlanDocument
    categories: list[PublicSeatCategoryRead]


class SeatAvailabilityRead(msgspec.Struct):
    """One status letter per seat in the plan's seat order (sections, rows, seats as listed):
    `a` available, `h` held, `s` sold, `b` blocked."""

    event_id: uuid.UUID
    plan_id: uuid.UUID
    plan_version: int
    seat_codes: Annotated[str, Meta(description="One letter per seat, in plan order.", examples=["aaahssab"])]
    etag: str


class BestAvailable(msgspec.Struct, forbid_unknown_fields=True):
    """The best `quantity` free seats of a category: together in one row where possible, then
    nearest the stage (docs/seating.md)."""

    category: Key
    quantity: Annotated[int, Meta(ge=1, le=50)]


class SeatReservationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Hold specific seats (`seat_ids`) or the best available (`best_available`): exactly one."""

    seat_ids: Annotated[list[uuid.UUID], Meta(max_length=50)] | None = None
    best_available: BestAvailable | None = None
    session_id: Annotated[str, Meta(max_length=64)] | None = None


class HeldSeatRead(msgspec.Struct):
    seat_id: uuid.UUID
    section: str
    row: str
    label: str
    ticket_type_id: uuid.UUID
    price_cents: int


class SeatReservationRead(msgspec.Struct):
    """The held order (as createReservation answers it) and its seats."""

    reservation: ReservationRead
    seats: list[HeldSeatRead]


def plan_summary(plan: SeatingPlan, in_use: bool) -> SeatingPlanSummary:
    return SeatingPlanSummary(
        id=plan.id,
        venue_id=plan.venue_id,
        lineage_id=plan.lineage_id,
        version=plan.version,
        name=plan.name,
        seat_count=plan.seat_count,
        in_use=in_use,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


def held_seat_read(s: HeldSeat) -> HeldSeatRead:
    return HeldSeatRead(
        seat_id=s.seat_id,
        section=s.section,
        row=s.row,
        label=s.label,
        ticket_type_id=s.ticket_type_id,
        price_cents=s.price_cents,
    )
