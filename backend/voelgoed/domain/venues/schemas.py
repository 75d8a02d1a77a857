from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

if TYPE_CHECKING:
    from voelgoed.domain.venues.models import Gate, Venue

Text200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Optional200 = (
    Annotated[str, msgspec.Meta(max_length=200, description="More of the address.", examples=["Gebou B"])] | None
)
Country = Annotated[str, msgspec.Meta(min_length=2, max_length=2, pattern="^[A-Z]{2}$")]
Capacity = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)] | None
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class GateCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new gate."""

    code: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=40, description="Short and unique at the venue (upper-cased).", examples=["NOORD"]
        ),
    ]
    name: Annotated[
        str, msgspec.Meta(max_length=120, description="What people see; default: the code.", examples=["Noordhek"])
    ] = ""


class GateUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Changes to a gate: only the fields sent change."""

    code: (
        Annotated[
            str,
            msgspec.Meta(min_length=1, max_length=40, description="Short and unique at the venue.", examples=["NOORD"]),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    name: (
        Annotated[
            str, msgspec.Meta(min_length=1, max_length=120, description="What people see.", examples=["Noordhek"])
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class GateRead(msgspec.Struct):
    """A gate of a venue."""

    id: uuid.UUID
    code: Annotated[str, msgspec.Meta(description="Short and unique at the venue.", examples=["NOORD"])]
    name: Annotated[str, msgspec.Meta(description="What people see.", examples=["Noordhek"])]


class VenueCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new venue."""

    name: Annotated[Text200, msgspec.Meta(description="Its name.", examples=["Coetzenburg Stadium"])]
    address_line1: Annotated[Text200, msgspec.Meta(description="Street address.", examples=["Merrimanlaan 12"])]
    city: Annotated[
        str, msgspec.Meta(min_length=1, max_length=120, description="City or town.", examples=["Stellenbosch"])
    ]
    address_line2: Optional200 = None
    province: Annotated[str, msgspec.Meta(max_length=120)] | None = None
    postal_code: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    country: Country = "ZA"
    capacity: Capacity = None
    timezone: TimeZone = "Africa/Johannesburg"
    notes: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=5000, description="For the organiser's team.", examples=["Laaisone by die suidhek."]
            ),
        ]
        | None
    ) = None


class VenueUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent are changed; send null to clear an optional field."""

    name: (
        Annotated[Text200, msgspec.Meta(description="Its name.", examples=["Coetzenburg Stadium"])] | msgspec.UnsetType
    ) = msgspec.UNSET
    address_line1: (
        Annotated[Text200, msgspec.Meta(description="Street address.", examples=["Merrimanlaan 12"])]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    city: (
        Annotated[
            str, msgspec.Meta(min_length=1, max_length=120, description="City or town.", examples=["Stellenbosch"])
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    address_line2: Optional200 | msgspec.UnsetType = msgspec.UNSET
    province: Annotated[str, msgspec.Meta(max_length=120)] | msgspec.UnsetType | None = msgspec.UNSET
    postal_code: Annotated[str, msgspec.Meta(max_length=20)] | msgspec.UnsetType | None = msgspec.UNSET
    country: Country | msgspec.UnsetType = msgspec.UNSET
    capacity: Capacity | msgspec.UnsetType = msgspec.UNSET
    timezone: TimeZone | msgspec.UnsetType = msgspec.UNSET
    notes: Annotated[str, msgspec.Meta(max_length=5000)] | msgspec.UnsetType | None = msgspec.UNSET


class VenueRead(msgspec.Struct):
    """A venue."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="Its name.", examples=["Coetzenburg Stadium"])]
    address_line1: Annotated[str, msgspec.Meta(description="Street address.", examples=["Merrimanlaan 12"])]
    address_line2: Annotated[str, msgspec.Meta(description="More of the address.", examples=["Gebou B"])] | None
    city: Annotated[str, msgspec.Meta(description="City or town.", examples=["Stellenbosch"])]
    province: str | None
    postal_code: str | None
    country: str
    capacity: int | None
    timezone: str
    notes: (
        Annotated[str, msgspec.Meta(description="For the organiser's team.", examples=["Laaisone by die suidhek."])]
        | None
    )
    gates: Annotated[list[GateRead], msgspec.Meta(description="Its gates.")]
    created_at: datetime
    updated_at: datetime


class VenuePage(msgspec.Struct):
    """A page of venues."""

    items: list[VenueRead]
    total: int
    page: int
    page_size: int


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def venue_read(v: Venue) -> VenueRead:
    return VenueRead(
        id=v.id,
        name=v.name,
        address_line1=v.address_line1,
        address_line2=v.address_line2,
        city=v.city,
        province=v.province,
        postal_code=v.postal_code,
        country=v.country,
        capacity=v.capacity,
        timezone=v.timezone,
        notes=v.notes,
        gates=[gate_read(g) for g in v.gates],
        created_at=v.created_at,
        updated_at=v.updated_at,
    )


def gate_read(g: Gate) -> GateRead:
    return GateRead(id=g.id, code=g.code, name=g.name)
