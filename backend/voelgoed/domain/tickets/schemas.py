"""Response bodies of the ticket endpoints, and the organiser's order detail: it joins an order,
its payments and its tickets, so it lives with the highest of those areas (tickets)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.attendees.schemas import AnswerRead
from voelgoed.domain.orders.machines import OrderStatus
from voelgoed.domain.orders.schemas import OrderLineRead, OrderRefundBrief, PaymentTransactionRead
from voelgoed.domain.seating.labels import SeatLabel
from voelgoed.domain.tickets.machines import TicketStatus

if TYPE_CHECKING:
    from voelgoed.domain.tickets.issuing import ListedTicket


class SigningKeyRead(msgspec.Struct):
    """An event's public ticket-signing key: all a scanner needs to verify VG1 payloads offline
    (docs/scanning-protocol.md)."""

    event_id: uuid.UUID
    event_slug: Annotated[
        str, msgspec.Meta(description="The event's URL name.", examples=["stellenbosch-wynfees-2026"])
    ]
    key_id: Annotated[
        str,
        msgspec.Meta(
            description="12 lower-case hex digits; bytes 1-6 of every payload signed with this key.",
            examples=["3fa2c9b81d07"],
        ),
    ]  # 12 lower-case hex digits; bytes 1..6 of every payload signed with this key
    algorithm: Annotated[str, msgspec.Meta(description="Always Ed25519.", examples=["Ed25519"])]  # "Ed25519"
    public_key: Annotated[
        str,
        msgspec.Meta(
            description="The 32 raw bytes, lower-case hex.",
            examples=["d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"],
        ),
    ]  # the 32 raw bytes, lower-case hex
    public_key_base64url: Annotated[
        str,
        msgspec.Meta(
            description="The same bytes, base64url without padding (a JWK's x).",
            examples=["11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"],
        ),
    ]  # the same bytes, base64url without padding (a JWK's "x")
    payload_version: Annotated[
        int, msgspec.Meta(description="The payload version this key signs.")
    ]  # the VG payload version this key signs (1)


class TicketRead(msgspec.Struct):
    """An issued ticket."""

    id: uuid.UUID
    serial: Annotated[
        str, msgspec.Meta(description="The ticket's serial: 20 base32 characters.", examples=["ABCDEFGHIJKLMNOPQRST"])
    ]
    code: Annotated[
        str,
        msgspec.Meta(
            description="The serial as printed under the QR, for typing in at the gate.",
            examples=["ABCDE-FGHIJ-KLMNO-PQRST"],
        ),
    ]  # the serial as printed under the QR, for typing in at the gate: "ABCDE-FGHIJ-KLMNO-PQRST"
    ticket_type_id: uuid.UUID
    holder_name: str | None
    status: Annotated[
        TicketStatus, msgspec.Meta(description="`valid` admits; `void` (refunded or cancelled) does not.")
    ]
    ticket_type_name: str
    seat: Annotated[
        SeatRead | None, msgspec.Meta(description="The reserved seat; null on a general-admission ticket.")
    ] = None


class SeatRead(msgspec.Struct):
    """A reserved seat as printed on the ticket (docs/seating.md, "Tickets and scanning")."""

    section: Annotated[str, msgspec.Meta(description="The section's name.", examples=["Stalls"])]
    row: Annotated[str, msgspec.Meta(description="The row's label.", examples=["A"])]
    seat: Annotated[str, msgspec.Meta(description="The seat's label.", examples=["12"])]
    section_key: Annotated[
        str, msgspec.Meta(description="The plan's short name of the section (gate rules use it).", examples=["stalls"])
    ]


def seat_read(label: SeatLabel | None) -> SeatRead | None:
    if label is None:
        return None
    return SeatRead(section=label.section, row=label.row, seat=label.seat, section_key=label.section_key)


class HolderNameUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The new name on a ticket."""

    holder_name: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=1000,
            description="Printed on the ticket and shown at the gate.",
            examples=["Pieter van der Merwe"],
        ),
    ]


class OrderDetailRead(msgspec.Struct):
    """An order with everything in it."""

    id: uuid.UUID
    reference: str
    event_id: uuid.UUID
    event_name: str
    status: Annotated[OrderStatus, msgspec.Meta(description="Where the order is in its lifecycle.")]
    allowed_transitions: list[str]
    buyer_name: str | None
    buyer_email: str | None
    buyer_phone: str | None
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    vat_cents: int
    fees_cents: Annotated[int, msgspec.Meta(description="Provider fees on its payments.")]
    coupon_code: str | None
    needs_refund: bool
    hold_expires_at: datetime
    paid_at: datetime | None
    tickets_emailed_at: (
        Annotated[datetime, msgspec.Meta(description="When the ticket e-mail was last sent (UTC).")] | None
    )
    created_at: datetime
    lines: Annotated[list[OrderLineRead], msgspec.Meta(description="The order's lines.")]
    payments: Annotated[list[PaymentTransactionRead], msgspec.Meta(description="Its payment attempts.")]
    tickets: Annotated[list[TicketRead], msgspec.Meta(description="Its tickets.")]
    vat_rate_bp: int = 0  # fixed on the order at reservation; 0: the order carries no VAT
    refunded_cents: int = 0  # refunds that succeeded
    refund_pending_cents: int = 0  # refunds requested or pending
    left_to_refund_cents: int = 0
    refunds: Annotated[list[OrderRefundBrief], msgspec.Meta(description="Its refunds.")] = msgspec.field(
        default_factory=list
    )
    # The buyer's answers to the event's questions: per order, then per ticket.
    answers: Annotated[list[AnswerRead], msgspec.Meta(description="Answers to checkout questions.")] = msgspec.field(
        default_factory=list
    )


# --- mappers: stored rows -> response bodies ---


def ticket_read(t: ListedTicket) -> TicketRead:
    return TicketRead(
        id=t.ticket.id,
        serial=t.ticket.serial,
        code=t.code,
        ticket_type_id=t.ticket.ticket_type_id,
        holder_name=t.ticket.holder_name,
        status=t.ticket.status,
        ticket_type_name=t.type_name,
        seat=seat_read(t.seat),
    )
