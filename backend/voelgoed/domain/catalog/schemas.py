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
# A coupon's validity window, described once for CouponCreate, CouponUpdate and CouponRead.
ValidFrom = Annotated[datetime, msgspec.Meta(description="The code works from this time (UTC); null: at once.")]
ValidUntil = Annotated[datetime, msgspec.Meta(description="The code works until this time (UTC); null: no end.")]


class TicketTypeCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`price_cents` is VAT-inclusive. Sales times without an offset are read in the event's zone."""

    name: Annotated[Name, msgspec.Meta(description="What buyers see.", examples=["Algemene toegang"])]
    price_cents: Annotated[
        Cents,
        msgspec.Meta(description="Price per ticket in cents, VAT included; 0 for free tickets.", examples=[25000]),
    ]
    quantity: Annotated[
        Quantity, msgspec.Meta(description="How many tickets of this type are for sale in total.", examples=[500])
    ]
    description: (
        Annotated[
            Description,
            msgspec.Meta(
                description="Shown under the name on the public page.",
                examples=["Toegang tot al die kelders en 'n proeeglas."],
            ),
        ]
        | None
    ) = None
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    min_per_order: Annotated[PerOrder, msgspec.Meta(description="Fewest tickets of this type in one order.")] = 1
    max_per_order: Annotated[PerOrder, msgspec.Meta(description="Most tickets of this type in one order.")] = 10
    hidden: Annotated[
        bool, msgspec.Meta(description="Not listed on the public page: sold only with its access code or secret link.")
    ] = False
    sort_order: SortOrder = 0
    access_code: (
        Annotated[
            AccessCode,
            msgspec.Meta(
                description=(
                    "A hidden type's code (6-40 letters, digits, - or _); a random one is made when none is given."
                ),
                examples=["BORG2026"],
            ),
        ]
        | None
    ) = None  # hidden types get a random one when none is given


class TicketTypeUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Changes to a ticket type: only the fields sent change."""

    name: (
        Annotated[Name, msgspec.Meta(description="What buyers see.", examples=["Algemene toegang"])] | msgspec.UnsetType
    ) = msgspec.UNSET
    price_cents: (
        Annotated[
            Cents,
            msgspec.Meta(
                description="Price per ticket in cents, VAT included (orders placed keep theirs).", examples=[25000]
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    quantity: (
        Annotated[
            Quantity,
            msgspec.Meta(description="Tickets for sale in total (409 below what is held and sold).", examples=[500]),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    description: (
        Annotated[
            Description,
            msgspec.Meta(
                description="Shown under the name on the public page.",
                examples=["Toegang tot al die kelders en 'n proeeglas."],
            ),
        ]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    sales_start_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    sales_end_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    min_per_order: PerOrder | msgspec.UnsetType = msgspec.UNSET
    max_per_order: PerOrder | msgspec.UnsetType = msgspec.UNSET
    hidden: bool | msgspec.UnsetType = msgspec.UNSET
    sort_order: SortOrder | msgspec.UnsetType = msgspec.UNSET
    access_code: (
        Annotated[
            AccessCode,
            msgspec.Meta(
                description="A hidden type's code (409 when another type of the event has it).", examples=["BORG2026"]
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class TicketTypeRead(msgspec.Struct):
    """A ticket type of an event, with its stock."""

    id: uuid.UUID
    event_id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="What buyers see.", examples=["Algemene toegang"])]
    description: str | None
    price_cents: Annotated[int, msgspec.Meta(description="Price per ticket in cents, VAT included.", examples=[25000])]
    vat_cents: Annotated[
        int, msgspec.Meta(description="The VAT contained in the price, at the organisation's current rate.")
    ]
    quantity: Annotated[
        int, msgspec.Meta(description="How many tickets of this type are for sale in total.", examples=[500])
    ]
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
    access_code: (
        Annotated[str, msgspec.Meta(description="A hidden type's code; null when listed.", examples=["BORG2026"])]
        | None
    ) = None
    access_link: (
        Annotated[
            str,
            msgspec.Meta(
                description="A hidden type's secret link to the public page with the type unlocked; null when listed."
            ),
        ]
        | None
    ) = None
    # The shared quota the type also draws from (`available` is then the smaller of the two).
    quota_id: (
        Annotated[
            uuid.UUID,
            msgspec.Meta(description="The shared quota it draws from; null: only its own quantity limits it."),
        ]
        | None
    ) = None


class QuotaCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A pool several ticket types of the event sell from; each type keeps its own quantity too,
    and belongs to at most one quota."""

    name: Annotated[Name, msgspec.Meta(description="What the organiser calls the pool.", examples=["Staanplek"])]
    capacity: Annotated[
        Quantity, msgspec.Meta(description="How many tickets the types in it may sell together.", examples=[2000])
    ]
    ticket_type_ids: Annotated[
        list[uuid.UUID],
        msgspec.Meta(description="The ticket types that draw from it (each type in at most one quota)."),
    ] = msgspec.field(default_factory=list)


class QuotaUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`ticket_type_ids` replaces the quota's types (types left out leave the pool)."""

    name: (
        Annotated[Name, msgspec.Meta(description="What the organiser calls the pool.", examples=["Staanplek"])]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    capacity: (
        Annotated[
            Quantity,
            msgspec.Meta(
                description="How many tickets its types may sell together (409 below what they hold and sell).",
                examples=[2000],
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    ticket_type_ids: (
        Annotated[list[uuid.UUID], msgspec.Meta(description="The ticket types that draw from it (replaces the list).")]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class QuotaRead(msgspec.Struct):
    """A shared quota: a pool of tickets several types draw from."""

    id: uuid.UUID
    event_id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="What the organiser calls the pool.", examples=["Staanplek"])]
    capacity: Annotated[int, msgspec.Meta(description="How many tickets its types may sell together.", examples=[2000])]
    reserved: Annotated[
        int, msgspec.Meta(description="Held by its types' unpaid orders and waiting-list offers.")
    ]  # held by its types' unpaid orders (and waiting-list offers)
    sold: int
    available: int
    ticket_type_ids: Annotated[list[uuid.UUID], msgspec.Meta(description="The ticket types that draw from it.")]
    created_at: datetime
    updated_at: datetime


class CouponCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`value`: 1..100 for percent, cents for fixed (taken off the order, never below zero)."""

    code: Annotated[
        Code,
        msgspec.Meta(
            description=(
                "What buyers type at checkout (letters, digits, - and _; stored upper-case, matched in any case)."
            ),
            examples=["VROEGVOEL"],
        ),
    ]
    kind: Annotated[CouponKind, msgspec.Meta(description="`percent`: `value` percent off; `fixed`: `value` cents off.")]
    value: Annotated[CouponValue, msgspec.Meta(description="Percent (1-100) or cents off, by `kind`.", examples=[20])]
    ticket_type_ids: (
        Annotated[
            list[uuid.UUID],
            msgspec.Meta(description="Only these ticket types are discounted; null: every type of the event."),
        ]
        | None
    ) = None
    valid_from: ValidFrom | None = None
    valid_until: ValidUntil | None = None
    usage_limit: (
        Annotated[UsageLimit, msgspec.Meta(description="How many orders may use it; null: no limit.", examples=[100])]
        | None
    ) = None
    active: Annotated[bool, msgspec.Meta(description="false switches the code off without deleting it.")] = True


class CouponUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Changes to a coupon: only the fields sent change."""

    code: (
        Annotated[Code, msgspec.Meta(description="What buyers type at checkout.", examples=["VROEGVOEL"])]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    kind: Annotated[CouponKind, msgspec.Meta(description="`percent` or `fixed` (cents off).")] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    value: (
        Annotated[CouponValue, msgspec.Meta(description="Percent (1-100) or cents off, by `kind`.", examples=[20])]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    ticket_type_ids: (
        Annotated[
            list[uuid.UUID], msgspec.Meta(description="Only these ticket types are discounted; null: every type.")
        ]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    valid_from: ValidFrom | msgspec.UnsetType | None = msgspec.UNSET
    valid_until: ValidUntil | msgspec.UnsetType | None = msgspec.UNSET
    usage_limit: (
        Annotated[
            UsageLimit,
            msgspec.Meta(
                description="How many orders may use it (not below its uses: 409); null: no limit.", examples=[100]
            ),
        ]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    active: Annotated[bool, msgspec.Meta(description="false switches the code off.")] | msgspec.UnsetType = (
        msgspec.UNSET
    )


class CouponRead(msgspec.Struct):
    """A discount code of an event."""

    id: uuid.UUID
    event_id: uuid.UUID
    code: Annotated[str, msgspec.Meta(description="What buyers type at checkout.", examples=["VROEGVOEL"])]
    kind: Annotated[CouponKind, msgspec.Meta(description="`percent`: `value` percent off; `fixed`: `value` cents off.")]
    value: Annotated[int, msgspec.Meta(description="Percent (1-100) or cents off, by `kind`.", examples=[20])]
    ticket_type_ids: (
        Annotated[
            list[uuid.UUID],
            msgspec.Meta(description="Only these ticket types are discounted; null: every type of the event."),
        ]
        | None
    )
    valid_from: ValidFrom | None
    valid_until: ValidUntil | None
    usage_limit: (
        Annotated[int, msgspec.Meta(description="How many orders may use it; null: no limit.", examples=[100])] | None
    )
    used: Annotated[int, msgspec.Meta(description="How many orders used it.")]
    active: Annotated[bool, msgspec.Meta(description="false: switched off.")]
    created_at: datetime
    updated_at: datetime


class PublicTicketTypeRead(msgspec.Struct):
    """A ticket type as buyers see it."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="The ticket type's name.", examples=["Algemene toegang"])]
    description: str | None
    price_cents: Annotated[int, msgspec.Meta(description="Price per ticket in cents, VAT included.")]
    vat_cents: Annotated[int, msgspec.Meta(description="The VAT contained in the price, in cents.")]
    available: int
    sold_out: Annotated[bool, msgspec.Meta(description="No tickets left (a waiting list may be open).")]
    on_sale: Annotated[
        bool, msgspec.Meta(description="Within its sales window and not sold out: it can be reserved now.")
    ]
    sales_start_at: datetime | None
    sales_end_at: datetime | None
    min_per_order: int
    max_per_order: int
    unlocked: Annotated[
        bool, msgspec.Meta(description="A hidden type shown because the request carried its access code.")
    ] = False  # a hidden type shown because the request carried its access code


class PublicEventRead(msgspec.Struct):
    """A published event as buyers see it: what is on sale and how many are left."""

    id: uuid.UUID
    slug: str
    name: Annotated[str, msgspec.Meta(description="The event's name.", examples=["Stellenbosch Wynfees 2026"])]
    description: str | None
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    ends_at_local: datetime
    timezone: str
    venue_name: str | None
    venue_city: Annotated[str, msgspec.Meta(description="The venue's city.", examples=["Stellenbosch"])] | None
    status: Annotated[
        EventStatus,
        msgspec.Meta(
            description="`published` while on sale; `closed` or `cancelled` events answer too, with nothing on sale."
        ),
    ]
    available: (
        Annotated[int, msgspec.Meta(description="Tickets left for the whole event (null: no event-wide limit).")] | None
    )
    ticket_types: Annotated[
        list[PublicTicketTypeRead],
        msgspec.Meta(description="The listed ticket types (and a hidden one unlocked by `?access=`), in their order."),
    ]
    access_code_accepted: (
        Annotated[
            bool,
            msgspec.Meta(description="Whether the `access` code sent unlocked a hidden type; null when none was sent."),
        ]
        | None
    ) = None  # None when no `access` code was sent
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
