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
from voelgoed.domain.tickets.machines import TicketStatus

if TYPE_CHECKING:
    from voelgoed.domain.tickets.issuing import ListedTicket


class SigningKeyRead(msgspec.Struct):
    """An event's public ticket-signing key: all a scanner needs to verify VG1 payloads offline
    (docs/scanning-protocol.md)."""

    event_id: uuid.UUID
    event_slug: str
    key_id: str  # 12 lower-case hex digits; bytes 1..6 of every payload signed with this key
    algorithm: str  # "Ed25519"
    public_key: str  # the 32 raw bytes, lower-case hex
    public_key_base64url: str  # the same bytes, base64url without padding (a JWK's "x")
    payload_version: int  # the VG payload version this key signs (1)


class TicketRead(msgspec.Struct):
    id: uuid.UUID
    serial: str
    code: str  # the serial as printed under the QR, for typing in at the gate: "ABCDE-FGHIJ-KLMNO-PQRST"
    ticket_type_id: uuid.UUID
    holder_name: str | None
    status: TicketStatus
    ticket_type_name: str


class HolderNameUpdate(msgspec.Struct, forbid_unknown_fields=True):
    holder_name: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class OrderDetailRead(msgspec.Struct):
    id: uuid.UUID
    reference: str
    event_id: uuid.UUID
    event_name: str
    status: OrderStatus
    allowed_transitions: list[str]
    buyer_name: str | None
    buyer_email: str | None
    buyer_phone: str | None
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    vat_cents: int
    fees_cents: int
    coupon_code: str | None
    needs_refund: bool
    hold_expires_at: datetime
    paid_at: datetime | None
    tickets_emailed_at: datetime | None
    created_at: datetime
    lines: list[OrderLineRead]
    payments: list[PaymentTransactionRead]
    tickets: list[TicketRead]
    vat_rate_bp: int = 0  # fixed on the order at reservation; 0: the order carries no VAT
    refunded_cents: int = 0  # refunds that succeeded
    refund_pending_cents: int = 0  # refunds requested or pending
    left_to_refund_cents: int = 0
    refunds: list[OrderRefundBrief] = msgspec.field(default_factory=list)
    # The buyer's answers to the event's questions: per order, then per ticket.
    answers: list[AnswerRead] = msgspec.field(default_factory=list)


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
    )
