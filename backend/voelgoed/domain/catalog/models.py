"""Ticket types, the event's inventory counters and coupons.

Inventory is held in counters (`reserved`, `sold`) that only change through conditional updates
(`... WHERE reserved + sold + n <= quantity`), guarded again by CHECK constraints, so the database
itself refuses an oversell whatever the code does.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned

STANDARD_VAT_RATE_BP = 1500  # South African VAT, 15%, in basis points; prices are VAT-inclusive


def vat_of(total_cents: int, rate_bp: int) -> int:
    """The VAT contained in a VAT-inclusive amount at `rate_bp` basis points (0: no VAT), rounded
    half up: round(total * rate / (10000 + rate)); at 15% that is round(total * 15 / 115)."""
    if rate_bp <= 0:
        return 0
    return (total_cents * rate_bp * 2 + 10000 + rate_bp) // (2 * (10000 + rate_bp))


class TicketType(OrgOwned, UUIDAuditBase):
    __tablename__ = "ticket_type"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="ticket_type_price_non_negative"),
        CheckConstraint("quantity >= 0", name="ticket_type_quantity_non_negative"),
        CheckConstraint("reserved >= 0 AND sold >= 0", name="ticket_type_counters_non_negative"),
        CheckConstraint("reserved + sold <= quantity", name="ticket_type_no_oversell"),
        CheckConstraint("min_per_order >= 1 AND max_per_order >= min_per_order", name="ticket_type_order_limits"),
        # One code opens one type: the checkout site reveals the type a code names.
        Index(
            "uq_ticket_type_event_access_code",
            "event_id",
            "access_code",
            unique=True,
            postgresql_where=text("access_code IS NOT NULL"),
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    price_cents: Mapped[int] = mapped_column(default=0)
    quantity: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)  # held by unexpired reserved/awaiting-payment orders
    sold: Mapped[int] = mapped_column(default=0)  # in paid orders
    sales_start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sales_end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    min_per_order: Mapped[int] = mapped_column(default=1)
    max_per_order: Mapped[int] = mapped_column(default=10)
    hidden: Mapped[bool] = mapped_column(default=False)
    # A hidden type is sold only to a request that carries this code (the organiser's secret
    # link or a code typed at checkout). Stored upper-cased; kept when the type is listed again,
    # so hiding it later brings the same link back.
    access_code: Mapped[str | None] = mapped_column(String(40), default=None)
    sort_order: Mapped[int] = mapped_column(default=0)
    # Sold with reserved seats (a seating category maps to it: domain/seating/services.py): only
    # seat holds sell it, the GA hold batcher refuses it (orders/holds.py).
    seated: Mapped[bool] = mapped_column(default=False, server_default="false")
    # The shared quota this type also draws from (at most one; docs/inventory.md). The type keeps
    # its own `quantity`: what is left is the smaller of the two.
    quota_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket_quota.id", ondelete="SET NULL"), default=None, index=True
    )


class TicketQuota(OrgOwned, UUIDAuditBase):
    """A pool several ticket types of one event sell from (early bird and general from the same
    500). Its counters move with its types' counters in inventory.py, in the same statements'
    transaction, and a CHECK refuses an oversell of the pool as `ticket_type_no_oversell` does of
    a type."""

    __tablename__ = "ticket_quota"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("capacity >= 0", name="ticket_quota_capacity_non_negative"),
        CheckConstraint("reserved >= 0 AND sold >= 0", name="ticket_quota_counters_non_negative"),
        CheckConstraint("reserved + sold <= capacity", name="ticket_quota_no_oversell"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column()
    reserved: Mapped[int] = mapped_column(default=0)  # the sum of its types' `reserved`
    sold: Mapped[int] = mapped_column(default=0)  # the sum of its types' `sold`


class EventInventory(OrgOwned, UUIDAuditBase):
    """The event-wide cap: the sum of all ticket types never exceeds the event's capacity."""

    __tablename__ = "event_inventory"
    __table_args__ = (
        CheckConstraint("reserved >= 0 AND sold >= 0", name="event_inventory_counters_non_negative"),
        CheckConstraint("capacity IS NULL OR reserved + sold <= capacity", name="event_inventory_no_oversell"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    capacity: Mapped[int | None] = mapped_column(default=None)  # mirrors event.capacity
    reserved: Mapped[int] = mapped_column(default=0)
    sold: Mapped[int] = mapped_column(default=0)


class Coupon(OrgOwned, UUIDAuditBase):
    __tablename__ = "coupon"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        CheckConstraint("kind IN ('percent', 'fixed')", name="coupon_kind"),
        CheckConstraint("value > 0 AND (kind <> 'percent' OR value <= 100)", name="coupon_value"),
        CheckConstraint("used >= 0 AND (usage_limit IS NULL OR used <= usage_limit)", name="coupon_usage_limit"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # stored upper-cased
    kind: Mapped[str] = mapped_column(String(10))  # 'percent' (value 1..100) or 'fixed' (value in cents)
    value: Mapped[int] = mapped_column()
    # None: every ticket type of the event; else only these.
    ticket_type_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)), default=None)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    usage_limit: Mapped[int | None] = mapped_column(default=None)  # orders, not tickets
    used: Mapped[int] = mapped_column(default=0)  # by reserved, awaiting-payment and paid orders
    active: Mapped[bool] = mapped_column(default=True)
