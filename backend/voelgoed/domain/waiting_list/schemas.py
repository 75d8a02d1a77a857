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
    event_id: uuid.UUID
    enabled: bool
    offer_hours: int  # how long an offer holds the freed tickets for the buyer


class WaitingListSettingsUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    offer_hours: OfferHours | msgspec.UnsetType = msgspec.UNSET


class WaitingListEntryRead(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    ticket_type_id: uuid.UUID
    email: str
    name: str
    quantity: int
    status: WaitingListStatus
    position: int | None  # 1 = next in line (waiting entries of the type only)
    order_id: uuid.UUID | None  # the hold made for the offer
    offered_at: datetime | None
    offer_expires_at: datetime | None
    offer_used_at: datetime | None  # when the buyer opened the offer's checkout
    closed_at: datetime | None
    created_at: datetime


class WaitingListJoin(msgspec.Struct, forbid_unknown_fields=True):
    """Join the waiting list of a sold-out ticket type (`quantity`: 1 to the type's maximum per order)."""

    ticket_type_id: uuid.UUID
    email: Email
    name: BuyerName
    quantity: WantedQuantity = 1


class WaitingListJoined(msgspec.Struct):
    """The buyer's place: the same answer when the same e-mail joins the same type again."""

    ticket_type_id: uuid.UUID
    quantity: int
    status: WaitingListStatus
    joined_at: datetime


class OfferClaimed(msgspec.Struct):
    """The offer's held order: send `access_token` as X-Order-Token to check out (startCheckout)."""

    order_id: uuid.UUID
    reference: str
    access_token: str
    hold_expires_at: datetime
    ticket_type_id: uuid.UUID
    quantity: int


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
