"""Request and response bodies of the seating API. The plan document itself is plan_format.py's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec
from msgspec import Meta

from voelgoed.domain.orders.machines import OrderStatus
from voelgoed.domain.orders.schemas import ReservationRead
from voelgoed.domain.seating.machines import BlockReason
from voelgoed.domain.seating.plan_format import Key, SeatingPlanDocument

if TYPE_CHECKING:
    from voelgoed.domain.seating.holds import HeldSeat
    from voelgoed.domain.seating.models import SeatingPlan

SeatIds = Annotated[list[uuid.UUID], Meta(min_length=1, max_length=1000, description="Seat ids of the plan.")]


class SeatingPlanSummary(msgspec.Struct):
    """A stored seating plan version (the document itself: getSeatingPlan / exportSeatingPlan)."""

    id: Annotated[uuid.UUID, Meta(description="The plan version's id.")]
    venue_id: Annotated[uuid.UUID, Meta(description="The venue the plan belongs to.")]
    lineage_id: Annotated[uuid.UUID, Meta(description="Shared by every version of this plan.")]
    version: Annotated[int, Meta(description="The version number within the lineage (1, 2, ...).")]
    name: Annotated[str, Meta(description="The plan's name.")]
    seat_count: Annotated[int, Meta(description="Seats in this version (standing places not counted).")]
    in_use: Annotated[bool, Meta(description="An event sells this version: a change makes a new version.")]
    created_at: Annotated[datetime, Meta(description="When this version was written.")]
    updated_at: Annotated[datetime, Meta(description="When this version last changed.")]


class CategoryMapping(msgspec.Struct, forbid_unknown_fields=True):
    """Seats of this category are sold as this ticket type (its price, its counters)."""

    category: Annotated[Key, Meta(description="The key of a category of the plan.")]
    ticket_type_id: Annotated[
        uuid.UUID, Meta(description="A ticket type of the event: the price and counters of these seats.")
    ]


class EventSeatingAssign(msgspec.Struct, forbid_unknown_fields=True):
    """The plan version an event sells and which ticket type each category is sold as."""

    plan_id: Annotated[uuid.UUID, Meta(description="A plan version of the event's venue.")]
    categories: Annotated[
        list[CategoryMapping],
        Meta(
            max_length=200,
            description="Which ticket type each category is sold as; unmapped categories are not on sale.",
        ),
    ]


class SeatCounts(msgspec.Struct):
    available: Annotated[int, Meta(description="Seats on sale now (lapsed holds included).")]
    held: Annotated[int, Meta(description="Seats in a live hold.")]
    sold: Annotated[int, Meta(description="Seats of paid orders.")]
    blocked: Annotated[int, Meta(description="Seats kept off sale by the organiser.")]


class EventCategoryRead(msgspec.Struct):
    """A seat category of the event's plan, with its seat count and the ticket type it sells as."""

    key: Annotated[str, Meta(description="The category's key in the plan.")]
    name: Annotated[str, Meta(description="The category's name.")]
    color: Annotated[str, Meta(description="The category's colour (#rrggbb).")]
    seats: Annotated[int, Meta(description="Seats of this category in the plan.")]
    ticket_type_id: Annotated[
        uuid.UUID | None, Meta(description="The ticket type it is sold as; null: not on sale at this event.")
    ]
    ticket_type_name: Annotated[str | None, Meta(description="That ticket type's name.")]
    price_cents: Annotated[int | None, Meta(description="That ticket type's price in cents (VAT-inclusive).")]


class EventSeatingRead(msgspec.Struct):
    """An event's seating: the plan version, the category map, seats per status."""

    event_id: Annotated[uuid.UUID, Meta(description="The event.")]
    plan_id: Annotated[uuid.UUID, Meta(description="The plan version the event sells.")]
    plan_name: Annotated[str, Meta(description="That plan's name.")]
    plan_version: Annotated[int, Meta(description="That plan's version number.")]
    categories: Annotated[
        list[EventCategoryRead], Meta(description="The plan's categories with what they are sold as.")
    ]
    counts: Annotated[SeatCounts, Meta(description="Seats per status.")]


class SeatBlock(msgspec.Struct, forbid_unknown_fields=True):
    """Keep seats off sale (cameras, sponsors, comps, ...)."""

    seat_ids: SeatIds
    reason: Annotated[BlockReason, Meta(description="Why the seats are kept off sale.")]


class SeatAllocationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Seats to allocate by hand to a person (the box office): available or blocked seats."""

    seat_ids: SeatIds
    buyer_name: Annotated[
        str, Meta(max_length=200, description="The person the tickets are for.", examples=["Thandi Mokoena"])
    ]
    buyer_email: Annotated[
        str, Meta(max_length=254, description="Where the tickets are e-mailed.", examples=["thandi@example.com"])
    ]
    comp: Annotated[
        bool,
        Meta(
            description="Complimentary: the tickets cost nothing. Otherwise the seats' prices, paid at the box office."
        ),
    ] = False


class SeatAllocationRead(msgspec.Struct):
    """The paid order the allocated seats belong to (its tickets are issued and e-mailed)."""

    order_id: uuid.UUID
    reference: Annotated[str, Meta(description="The order's reference.", examples=["VG-7K3M9Q"])]
    status: Annotated[OrderStatus, Meta(description="`paid`: the tickets are issued.")]
    total_cents: Annotated[int, Meta(description="What the order cost (0 for comps), VAT-inclusive.")]
    comp: Annotated[bool, Meta(description="True for complimentary seats (0 cents).")]
    buyer_name: str
    buyer_email: str
    seats: Annotated[list[HeldSeatRead], Meta(description="The allocated seats: section, row and seat.")]
    replayed: Annotated[bool, Meta(description="True when an earlier request with this Idempotency-Key made it.")] = (
        False
    )


class SeatUnblock(msgspec.Struct, forbid_unknown_fields=True):
    """Seats to put back on sale (blocked seats only)."""

    seat_ids: SeatIds


class PublicSeatCategoryRead(msgspec.Struct):
    """A seat category as buyers see it: name, colour, and the ticket type (price) it sells as."""

    key: Annotated[str, Meta(description="The category's key (seats in the plan name it).")]
    name: Annotated[str, Meta(description="The category's name.")]
    color: Annotated[str, Meta(description="The category's colour (#rrggbb).")]
    ticket_type_id: Annotated[uuid.UUID, Meta(description="The ticket type a seat of this category is sold as.")]
    price_cents: Annotated[int, Meta(description="The price of one seat, in cents (VAT-inclusive).")]


class PublicSeatingRead(msgspec.Struct):
    """The event's seating plan for the seat picker: the drawing (with seat ids) and what each
    category costs. Seats' live status: getPublicSeatAvailability."""

    event_id: Annotated[uuid.UUID, Meta(description="The event.")]
    plan: Annotated[
        SeatingPlanDocument,
        Meta(description="The plan's drawing with every id; seats in the availability string's order."),
    ]
    categories: Annotated[list[PublicSeatCategoryRead], Meta(description="Categories on sale, with their prices.")]


class SeatAvailabilityRead(msgspec.Struct):
    """One status letter per seat in the plan's seat order (sections, rows, seats as listed):
    `a` available, `h` held, `s` sold, `b` blocked."""

    event_id: Annotated[uuid.UUID, Meta(description="The event.")]
    plan_id: Annotated[uuid.UUID, Meta(description="The plan version the letters belong to.")]
    plan_version: Annotated[int, Meta(description="That plan's version number.")]
    seat_codes: Annotated[str, Meta(description="One letter per seat, in plan order.", examples=["aaahssab"])]
    etag: Annotated[str, Meta(description="Changes whenever a letter changes (also sent as the ETag header).")]


class BestAvailable(msgspec.Struct, forbid_unknown_fields=True):
    """The best `quantity` free seats of a category: together in one row where possible, then
    nearest the stage (docs/seating.md)."""

    category: Annotated[Key, Meta(description="The key of the category to choose from.")]
    quantity: Annotated[int, Meta(ge=1, le=50, description="How many seats.")]


class SeatReservationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Hold specific seats (`seat_ids`) or the best available (`best_available`): exactly one."""

    seat_ids: Annotated[
        Annotated[list[uuid.UUID], Meta(max_length=50)] | None,
        Meta(description="Specific seats (plan seat ids), each once."),
    ] = None
    best_available: Annotated[BestAvailable | None, Meta(description="Or: the best seats of a category.")] = None
    session_id: Annotated[
        Annotated[str, Meta(max_length=64)] | None, Meta(description="The checkout site's analytics session, if any.")
    ] = None


class HeldSeatRead(msgspec.Struct):
    """A seat held for the order: where it is (section, row, seat)."""

    seat_id: Annotated[uuid.UUID, Meta(description="The plan's seat id.")]
    section: Annotated[str, Meta(description="The section's name.")]
    row: Annotated[str, Meta(description="The row's label.")]
    label: Annotated[str, Meta(description="The seat's label in its row.")]
    ticket_type_id: Annotated[uuid.UUID, Meta(description="The ticket type the seat is sold as.")]
    price_cents: Annotated[int, Meta(description="The seat's price in cents (VAT-inclusive).")]


class SeatReservationRead(msgspec.Struct):
    """The held order (as createReservation answers it) and its seats."""

    reservation: Annotated[ReservationRead, Meta(description="The held order, as createReservation answers it.")]
    seats: Annotated[list[HeldSeatRead], Meta(description="The held seats.")]


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
