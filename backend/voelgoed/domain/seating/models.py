"""Reserved seating: a venue's seating plans (versioned) and an event's per-seat status.

A plan (`seating_plan`) belongs to a venue and holds categories, sections (seated or standing),
rows and seats. Plans are versioned: versions of one plan share a `lineage_id`; a version that an
event uses is never changed again (its seats are referred to by the event's seat rows, orders and
tickets): a change makes the next version (services.py).

An event uses one plan version (`event_seating`) and maps each category to one of its ticket
types (`event_seat_category`; the price comes from the ticket type). Each seat of that version
has one small row per event (`event_seat`): its status, and while held or sold, its one owner
order. A 50,000-seat event is 50,000 such rows; (event_id, position) orders them as the plan does,
(event_id, category_id, status) serves best available, (order_id) serves payment and release.

`event_seat.status` changes only as machines.py describes (SeatLifecycle): through the machine
for single seats (blocking), through conditional UPDATEs in bulk on the hot path (holds.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import BigInteger, CheckConstraint, DateTime, Float, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import text

from voelgoed.db.tenancy import OrgOwned


class SeatingPlan(OrgOwned, UUIDAuditBase):
    __tablename__ = "seating_plan"
    __table_args__ = (
        UniqueConstraint("lineage_id", "version"),
        CheckConstraint("version >= 1", name="seating_plan_version_positive"),
    )

    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    # Versions of one plan share the lineage (the first version's id); the newest is the highest.
    lineage_id: Mapped[uuid.UUID] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    # The drawing's size and the stage (the focus of "best available"), in plan units.
    width: Mapped[float] = mapped_column(Float, default=1000.0)
    height: Mapped[float] = mapped_column(Float, default=1000.0)
    focus_x: Mapped[float] = mapped_column(Float, default=500.0)
    focus_y: Mapped[float] = mapped_column(Float, default=0.0)
    seat_count: Mapped[int] = mapped_column(default=0)


class SeatCategory(OrgOwned, UUIDAuditBase):
    __tablename__ = "seat_category"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seating_plan.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))  # the plan's own short name, e.g. "A" or "premium"
    name: Mapped[str] = mapped_column(String(120))
    color: Mapped[str] = mapped_column(String(7), default="#888888")


class SeatSection(OrgOwned, UUIDAuditBase):
    __tablename__ = "seat_section"
    __table_args__ = (
        UniqueConstraint("plan_id", "key"),
        CheckConstraint("kind IN ('seated', 'standing')", name="seat_section_kind"),
        CheckConstraint(
            "(kind = 'standing') = (capacity IS NOT NULL) AND (capacity IS NULL OR capacity >= 0)",
            name="seat_section_capacity",
        ),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seating_plan.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default="seated")
    capacity: Mapped[int | None] = mapped_column(default=None)  # standing areas only
    # A standing area's category (seated sections carry one per seat).
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("seat_category.id", ondelete="RESTRICT"), default=None
    )
    sort_order: Mapped[int] = mapped_column(default=0)
    # Where the section sits on the drawing (for rendering; seats' x/y are within the section).
    x: Mapped[float] = mapped_column(Float, default=0.0)
    y: Mapped[float] = mapped_column(Float, default=0.0)
    rotation: Mapped[float] = mapped_column(Float, default=0.0)  # degrees
    curve: Mapped[float] = mapped_column(Float, default=0.0)  # bend of the rows, -1..1


class SeatRow(OrgOwned, UUIDAuditBase):
    __tablename__ = "seat_row"
    __table_args__ = (UniqueConstraint("section_id", "label"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seating_plan.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seat_section.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(20))
    sort_order: Mapped[int] = mapped_column(default=0)  # 0 = nearest the stage


class Seat(OrgOwned, UUIDAuditBase):
    __tablename__ = "seat"
    __table_args__ = (
        UniqueConstraint("row_id", "label", name="uq_seat_row_label"),
        UniqueConstraint("plan_id", "position", name="uq_seat_plan_position"),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seating_plan.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seat_section.id", ondelete="CASCADE"), index=True)
    row_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seat_row.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seat_category.id", ondelete="RESTRICT"), index=True)
    label: Mapped[str] = mapped_column(String(20))
    # Index in the plan's seat order (sections, rows, seats as listed): the availability string's order.
    position: Mapped[int] = mapped_column()
    # Index of the seat within its row, left to right as drawn: seats next in this order are adjacent.
    row_index: Mapped[int] = mapped_column(default=0)
    x: Mapped[float] = mapped_column(Float, default=0.0)  # absolute plan coordinates
    y: Mapped[float] = mapped_column(Float, default=0.0)
    accessible: Mapped[bool] = mapped_column(default=False)
    restricted_view: Mapped[bool] = mapped_column(default=False)


class EventSeating(OrgOwned, UUIDAuditBase):
    """The plan version an event sells."""

    __tablename__ = "event_seating"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    # RESTRICT: a version an event uses cannot be deleted (services.py answers 409 first).
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seating_plan.id", ondelete="RESTRICT"), index=True)


class EventSeatCategory(OrgOwned, UUIDAuditBase):
    """Category -> ticket type, per event: what a seat of the category costs and counts against."""

    __tablename__ = "event_seat_category"
    __table_args__ = (UniqueConstraint("event_id", "category_id"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seat_category.id", ondelete="RESTRICT"))
    ticket_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_type.id", ondelete="RESTRICT"), index=True)


class EventSeat(OrgOwned, UUIDAuditBase):
    """One seat at one event. At most one owner order (a single column: two orders can never both
    own a seat), and the CHECKs keep status and owner consistent whatever the code does."""

    __tablename__ = "event_seat"
    __table_args__ = (
        UniqueConstraint("event_id", "seat_id", name="uq_event_seat_event_seat"),
        UniqueConstraint("event_id", "position", name="uq_event_seat_event_position"),
        Index("ix_event_seat_best", "event_id", "category_id", "status"),
        Index("ix_event_seat_changes", "event_id", "changed_xid"),
        CheckConstraint("status IN ('available', 'held', 'sold', 'blocked')", name="event_seat_status"),
        CheckConstraint("(status IN ('held', 'sold')) = (order_id IS NOT NULL)", name="event_seat_owner"),
        CheckConstraint("status <> 'held' OR held_until IS NOT NULL", name="event_seat_hold_expiry"),
        CheckConstraint("(status = 'blocked') = (block_reason IS NOT NULL)", name="event_seat_block_reason"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    seat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seat.id", ondelete="RESTRICT"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seat_category.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column()  # copied from the seat: the availability string's order
    status: Mapped[str] = mapped_column(String(10), default="available")
    # NO ACTION (checked at the end of the statement): an organisation's deletion removes both.
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket_order.id"), default=None, index=True)
    held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    block_reason: Mapped[str | None] = mapped_column(String(20), default=None)
    # The writing transaction's id, set by a trigger on every insert and update (migration 0028):
    # free_seats.py reads only the seats changed since it last looked. Never written from here.
    changed_xid: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


# Tables for the statement-level paths (holds.py, availability.py): core SQL, no ORM events.
EVENT_SEAT = cast(Table, EventSeat.__table__)
SEAT = cast(Table, Seat.__table__)
SEAT_ROW = cast(Table, SeatRow.__table__)
SEAT_SECTION = cast(Table, SeatSection.__table__)
EVENT_SEATING = cast(Table, EventSeating.__table__)
EVENT_SEAT_CATEGORY = cast(Table, EventSeatCategory.__table__)
PLAN = cast(Table, SeatingPlan.__table__)
SEAT_CATEGORY = cast(Table, SeatCategory.__table__)
