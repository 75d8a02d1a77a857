"""Bodies for ticket types, coupons and the public event view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.catalog.models import vat_of
from voelgoed.domain.catalog.services import access_link
from voelgoed.domain.events.machines import EventStatus
from voelgoed.lib.closed_sets import closed_set

if TYPE_CHECKING:
    from voelgoed.domain.catalog.models import Coupon, TicketQuota, TicketType

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Description = Annotated[str, msgspec.Meta(max_length=5000)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
Quantity = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
PerOrder = Annotated[int, msgspec.Meta(ge=1, le=1000)]
SortOrder = Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^\s*[A-Za-z0-9_-]+\s*$")]
# An organiser's own access code: at least 6 characters, so a secret link is not guessed by trying.
AccessCode = Annotated[str, msgspec.Meta(min_length=6, max_length=40, pattern=r"^\s*[A-Za-z0-9_-]{6,40}\s*$")]
# How a coupon's `value` reads: a percentage or cents (domain/orders/pricing.py).
if TYPE_CHECKING:
    CouponKind = str
else:
    CouponKind = closed_set("CouponKind", ("percent", "fixed"), "How a coupon's value reads: a percentage or cents.")
CouponValue = Annotated[int, msgspec.Meta(ge=1, le=100_000_000)]
UsageLimit = Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]


class TicketTypeCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`price_cents` is VAT-inclusive. Sales times without an offset are read in the event's zone."""

    name: Name
    price_cents: Cents
    quantity: Quantity
    description: Description | None = None
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    min_per_order: PerOrder = 1
    max_per_order: PerOrder = 10
    hidden: bool = False
    sort_order: SortOrder = 0
    access_code: AccessCode | None = None  # hidden types get a random one when none is given


class TicketTypeUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    price_cents: Cents | msgspec.UnsetType = msgspec.UNSET
    quantity: Quantity | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    sales_start_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    sales_end_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    min_per_order: PerOrder | msgspec.UnsetType = msgspec.UNSET
    max_per_order: PerOrder | msgspec.UnsetType = msgspec.UNSET
    hidden: bool | msgspec.UnsetType = msgspec.UNSET
    sort_order: SortOrder | msgspec.UnsetType = msgspec.UNSET
    access_code: AccessCode | msgspec.UnsetType = msgspec.UNSET


class TicketTypeRead(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    description: str | None
    price_cents: int
    vat_cents: int
    quantity: int
    reserved: int
    sold: int
    available: int
    sales_start_at: datetime | None
    sales_end_at: datetime | None
    min_per_order: int
    max_per_order: int
    hidden: bool
    sort_order: int
    created_at: datetime
    updated_at: datetime
    # Hidden types only: the code that unlocks the type, and the secret link to hand out.
    access_code: str | None = None
    access_link: str | None = None
    # The shared quota the type also draws from (`available` is then the smaller of the two).
    quota_id: uuid.UUID | None = None


class QuotaCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A pool several ticket types of the event sell from; each type keeps its own quantity too,
    and belongs to at most one quota."""

    name: Name
    capacity: Quantity
    ticket_type_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class QuotaUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`ticket_type_ids` replaces the quota's types (types left out leave the pool)."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    capacity: Quantity | msgspec.UnsetType = msgspec.UNSET
    ticket_type_ids: list[uuid.UUID] | msgspec.UnsetType = msgspec.UNSET


class QuotaRead(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    capacity: int
    reserved: int  # held by its types' unpaid orders (and waiting-list offers)
    sold: int
    available: int
    ticket_type_ids: list[uuid.UUID]
    created_at: datetime
    updated_at: datetime


class CouponCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`value`: 1..100 for percent, cents for fixed (taken off the order, never below zero)."""

    code: Code
    kind: CouponKind
    value: CouponValue
    ticket_type_ids: list[uuid.UUID] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    usage_limit: UsageLimit | None = None
    active: bool = True


class CouponUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    code: Code | msgspec.UnsetType = msgspec.UNSET
    kind: CouponKind | msgspec.UnsetType = msgspec.UNSET
    value: CouponValue | msgspec.UnsetType = msgspec.UNSET
    ticket_type_ids: list[uuid.UUID] | msgspec.UnsetType | None = msgspec.UNSET
    valid_from: datetime | msgspec.UnsetType | None = msgspec.UNSET
    valid_until: datetime | msgspec.UnsetType | None = msgspec.UNSET
    usage_limit: UsageLimit | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class CouponRead(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    code: str
    kind: CouponKind
    value: int
    ticket_type_ids: list[uuid.UUID] | None
    valid_from: datetime | None
    valid_until: datetime | None
    usage_limit: int | None
    used: int
    active: bool
    created_at: datetime
    updated_at: datetime


class PublicTicketTypeRead(msgspec.Struct):
    id: uuid.UUID
    name: str
    description: str | None
    price_cents: int
    vat_cents: int
    available: int
    sold_out: bool
    on_sale: bool
    sales_start_at: datetime | None
    sales_end_at: datetime | None
    min_per_order: int
    max_per_order: int
    unlocked: bool = False  # a hidden type shown because the request carried its access code


class PublicEventRead(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    description: str | None
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    ends_at_local: datetime
    timezone: str
    venue_name: str | None
    venue_city: str | None
    status: EventStatus
    available: int | None
    ticket_types: list[PublicTicketTypeRead]
    access_code_accepted: bool | None = None  # None when no `access` code was sent
    vat_rate_bp: int = 0  # the organiser's VAT rate for new orders; 0: prices carry no VAT


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def type_read(
    t: TicketType, event_slug: str, public_url: str, vat_rate_bp: int, quota_room: int | None = None
) -> TicketTypeRead:
    """`event_slug` builds a hidden type's secret link (the slug can change; the link follows);
    `vat_rate_bp` is the organisation's VAT rate for new orders (0 when it is not a VAT vendor);
    `quota_room` what its shared quota still has (quotas.py `quota_room_per_type`)."""
    code = t.access_code if t.hidden else None
    available = max(t.quantity - t.reserved - t.sold, 0)
    if quota_room is not None:
        available = max(min(available, quota_room), 0)
    return TicketTypeRead(
        id=t.id,
        event_id=t.event_id,
        name=t.name,
        description=t.description,
        price_cents=t.price_cents,
        vat_cents=vat_of(t.price_cents, vat_rate_bp),
        quantity=t.quantity,
        reserved=t.reserved,
        sold=t.sold,
        available=available,
        sales_start_at=t.sales_start_at,
        sales_end_at=t.sales_end_at,
        min_per_order=t.min_per_order,
        max_per_order=t.max_per_order,
        hidden=t.hidden,
        sort_order=t.sort_order,
        created_at=t.created_at,
        updated_at=t.updated_at,
        access_code=code,
        access_link=access_link(public_url, event_slug, code) if code else None,
        quota_id=t.quota_id,
    )


def quota_read(q: TicketQuota, ticket_type_ids: list[uuid.UUID]) -> QuotaRead:
    return QuotaRead(
        id=q.id,
        event_id=q.event_id,
        name=q.name,
        capacity=q.capacity,
        reserved=q.reserved,
        sold=q.sold,
        available=max(q.capacity - q.reserved - q.sold, 0),
        ticket_type_ids=ticket_type_ids,
        created_at=q.created_at,
        updated_at=q.updated_at,
    )


def coupon_read(c: Coupon) -> CouponRead:
    return CouponRead(
        id=c.id,
        event_id=c.event_id,
        code=c.code,
        kind=c.kind,
        value=c.value,
        ticket_type_ids=list(c.ticket_type_ids) if c.ticket_type_ids else None,
        valid_from=c.valid_from,
        valid_until=c.valid_until,
        usage_limit=c.usage_limit,
        used=c.used,
        active=c.active,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )
