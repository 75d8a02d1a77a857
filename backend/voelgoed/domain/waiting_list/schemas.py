"""Bodies of the waiting list: the organiser's settings and entries, the buyer's join and offer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.waiting_list.machines import WaitingListStatus
from voelgoed.lib.contact import Email

if TYPE_CHECKING:
    from voelgoed.domain.waiting_list.models import WaitingListEntry, WaitingListSettings

OfferHours = Annotated[int, msgspec.Meta(ge=1, le=168)]
BuyerName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
WantedQuantity = Annotated[int, msgspec.Meta(ge=1, le=1000)]


class WaitingListSettingsRead(msgspec.Struct):
    """Whether sold-out types take a waiting list."""

    event_id: uuid.UUID
    enabled: Annotated[bool, msgspec.Meta(description="Sold-out types take a waiting list.")]
    offer_hours: Annotated[
        int, msgspec.Meta(description="How long an offer holds the freed tickets for the buyer.")
    ]  # how long an offer holds the freed tickets for the buyer


class WaitingListSettingsUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Changes to the waiting-list settings."""

    enabled: Annotated[bool, msgspec.Meta(description="Sold-out types take a waiting list.")] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    offer_hours: (
        Annotated[
            OfferHours,
            msgspec.Meta(description="How long an offer holds the freed tickets (1-168 hours).", examples=[24]),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class WaitingListEntryRead(msgspec.Struct):
    """An entry on an event's waiting list."""

    id: uuid.UUID
    event_id: uuid.UUID
    ticket_type_id: uuid.UUID
    email: str
    name: Annotated[str, msgspec.Meta(description="The person's name.", examples=["Thandi Nkosi"])]
    quantity: int
    status: Annotated[WaitingListStatus, msgspec.Meta(description="Where the entry is.")]
    position: (
        Annotated[int, msgspec.Meta(description="1 = next in line (waiting entries only); null otherwise.")] | None
    )  # 1 = next in line (waiting entries of the type only)
    order_id: (
        Annotated[uuid.UUID, msgspec.Meta(description="The hold made for the offer.")] | None
    )  # the hold made for the offer
    offered_at: Annotated[datetime, msgspec.Meta(description="When tickets were offered (UTC).")] | None
    offer_expires_at: Annotated[datetime, msgspec.Meta(description="When the offer lapses (UTC).")] | None
    offer_used_at: (
        Annotated[datetime, msgspec.Meta(description="When the buyer opened the offer's checkout (UTC).")] | None
    )  # when the buyer opened the offer's checkout
    closed_at: Annotated[datetime, msgspec.Meta(description="When it left the list (UTC).")] | None
    created_at: datetime


class WaitingListJoin(msgspec.Struct, forbid_unknown_fields=True):
    """Join the waiting list of a sold-out ticket type (`quantity`: 1 to the type's maximum per order)."""

    ticket_type_id: uuid.UUID
    email: Email
    name: Annotated[BuyerName, msgspec.Meta(description="The person's name.", examples=["Thandi Nkosi"])]
    quantity: Annotated[WantedQuantity, msgspec.Meta(description="Tickets wanted.", examples=[2])] = 1


class WaitingListJoined(msgspec.Struct):
    """The buyer's place: the same answer when the same e-mail joins the same type again."""

    ticket_type_id: uuid.UUID
    quantity: Annotated[int, msgspec.Meta(description="Tickets wanted.")]
    status: Annotated[WaitingListStatus, msgspec.Meta(description="`waiting`.")]
    joined_at: Annotated[datetime, msgspec.Meta(description="When they joined (UTC).")]


class OfferClaimed(msgspec.Struct):
    """The offer's held order: send `access_token` as X-Order-Token to check out (startCheckout)."""

    order_id: uuid.UUID
    reference: str
    access_token: str
    hold_expires_at: datetime
    ticket_type_id: uuid.UUID
    quantity: Annotated[int, msgspec.Meta(description="Tickets held.")]


def settings_read(event_id: uuid.UUID, s: WaitingListSettings | None) -> WaitingListSettingsRead:
    if s is None:
        return WaitingListSettingsRead(event_id=event_id, enabled=False, offer_hours=24)
    return WaitingListSettingsRead(event_id=event_id, enabled=s.enabled, offer_hours=s.offer_hours)


def entry_read(e: WaitingListEntry, position: int | None = None) -> WaitingListEntryRead:
    return WaitingListEntryRead(
        id=e.id,
        event_id=e.event_id,
        ticket_type_id=e.ticket_type_id,
        email=e.email,
        name=e.name,
        quantity=e.quantity,
        status=e.status,
        position=position,
        order_id=e.order_id,
        offered_at=e.offered_at,
        offer_expires_at=e.offer_expires_at,
        offer_used_at=e.offer_used_at,
        closed_at=e.closed_at,
        created_at=e.created_at,
    )


def joined_read(e: WaitingListEntry) -> WaitingListJoined:
    return WaitingListJoined(
        ticket_type_id=e.ticket_type_id, quantity=e.quantity, status=e.status, joined_at=e.created_at
    )
