"""Request and response bodies for reservations, checkout and the organiser's order views."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.orders.machines import OrderStatus
from voelgoed.domain.payments.machines import PaymentStatus
from voelgoed.domain.payments.providers import PROVIDER_NAMES, PaymentProviderName
from voelgoed.lib.closed_sets import documented_as
from voelgoed.lib.contact import Email

if TYPE_CHECKING:
    from voelgoed.domain.orders.holds import HoldResult
    from voelgoed.domain.orders.models import Order
    from voelgoed.domain.payments.models import PaymentTransaction

Quantity = Annotated[int, msgspec.Meta(ge=1, le=1000)]
CouponCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
ShortText = Annotated[str, msgspec.Meta(max_length=100)]
BuyerName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
BuyerPhone = Annotated[str, msgspec.Meta(max_length=40)]
# Any name decodes; get_provider() refuses an unknown one with 422 at field `provider`.
Provider = Annotated[str, msgspec.Meta(min_length=1, max_length=20), documented_as(PROVIDER_NAMES)]


class ReservationItem(msgspec.Struct, forbid_unknown_fields=True):
    ticket_type_id: uuid.UUID
    quantity: Quantity


class ReservationCreate(msgspec.Struct, forbid_unknown_fields=True):
    items: Annotated[list[ReservationItem], msgspec.Meta(min_length=1, max_length=50)]
    coupon_code: CouponCode | None = None
    # The code of a hidden ticket type (from the organiser's secret link): without it, a hidden
    # type cannot be reserved.
    access_code: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    session_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    utm_source: ShortText | None = None
    utm_medium: ShortText | None = None
    utm_campaign: ShortText | None = None


class OrderLineRead(msgspec.Struct):
    """One line as domain/orders/pricing.py computes it: line_subtotal = quantity x unit price,
    line_total = line_subtotal - discount. The lines' subtotals add up to the order's subtotal."""

    ticket_type_id: uuid.UUID
    ticket_type_name: str | None
    quantity: int
    unit_price_cents: int
    discount_cents: int
    line_total_cents: int
    line_subtotal_cents: int


class ReservationRead(msgspec.Struct):
    order_id: uuid.UUID
    reference: str
    access_token: str | None  # shown once; null on a replay whose token is no longer known
    status: OrderStatus
    hold_expires_at: datetime
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    vat_cents: int
    lines: list[OrderLineRead]
    coupon_code: str | None = None
    replayed: bool = False
    vat_rate_bp: int = 0  # fixed on the order at reservation; 0: no VAT (the seller is not a VAT vendor)


# An answer to one of the event's questions: text or a choice's option as a string, a checkbox
# as a boolean. Lengths, options and kinds are checked against the question by
# domain/attendees/checkout_details.py, which answers 422 at the field.
AnswerValue = Annotated[str, msgspec.Meta(max_length=10_000)] | bool


class AnswerInput(msgspec.Struct, forbid_unknown_fields=True):
    question_id: uuid.UUID
    value: AnswerValue


class TicketDetailsInput(msgspec.Struct, forbid_unknown_fields=True):
    """One ticket of the order: its type and its number within that type (1..quantity)."""

    ticket_type_id: uuid.UUID
    number: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    holder_name: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    answers: Annotated[list[AnswerInput], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)


class CheckoutStart(msgspec.Struct, forbid_unknown_fields=True):
    """`answers` and `tickets` answer what `getCheckoutQuestions` lists for the order."""

    buyer_name: BuyerName
    buyer_email: Email
    provider: Provider = "simulated"
    buyer_phone: BuyerPhone | None = None
    answers: Annotated[list[AnswerInput], msgspec.Meta(max_length=200)] = msgspec.field(default_factory=list)
    tickets: Annotated[list[TicketDetailsInput], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)


class PaymentRedirectRead(msgspec.Struct):
    transaction_id: uuid.UUID
    provider: PaymentProviderName
    url: str
    method: str
    fields: dict[str, str]


# The words of domain/refunds/machines.py's RefundLifecycle (refunds sit above orders, so the
# order views name them here; tests/api/test_refunds.py checks they agree).
REFUND_STATUS_WORDS = ("requested", "pending", "succeeded", "failed")


class OrderRefundBrief(msgspec.Struct):
    """One refund of an order, as the order's own views show it (the buyer's and the organiser's)."""

    id: uuid.UUID
    amount_cents: int
    status: Annotated[str, documented_as(REFUND_STATUS_WORDS)]
    method: str  # provider | manual
    reason: str
    ticket_ids: list[uuid.UUID]
    created_at: datetime
    completed_at: datetime | None


class PublicOrderRead(msgspec.Struct):
    """What the buyer (holding the order's token) sees."""

    order_id: uuid.UUID
    reference: str
    status: OrderStatus
    event_id: uuid.UUID
    event_name: str
    event_slug: str
    hold_expires_at: datetime
    buyer_name: str | None
    buyer_email: str | None
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    vat_cents: int
    paid_at: datetime | None
    needs_refund: bool
    lines: list[OrderLineRead]
    allowed_transitions: list[str]
    coupon_code: str | None
    vat_rate_bp: int = 0  # 0: the seller was not a VAT vendor; show no VAT
    refunded_cents: int = 0
    refunds: list[OrderRefundBrief] = msgspec.field(default_factory=list)


class CheckoutRead(msgspec.Struct):
    order: PublicOrderRead
    payment: PaymentRedirectRead


class PaymentTransactionRead(msgspec.Struct):
    id: uuid.UUID
    provider: PaymentProviderName
    status: PaymentStatus
    amount_cents: int
    provider_reference: str | None
    failure_reason: str | None
    created_at: datetime
    completed_at: datetime | None


class OrderSummaryRead(msgspec.Struct):
    id: uuid.UUID
    reference: str
    event_id: uuid.UUID
    status: OrderStatus
    buyer_name: str | None
    buyer_email: str | None
    total_cents: int
    vat_cents: int
    tickets: int
    needs_refund: bool
    hold_expires_at: datetime
    paid_at: datetime | None
    created_at: datetime


class OrderPage(msgspec.Struct):
    items: list[OrderSummaryRead]
    total: int
    page: int
    page_size: int


class ResendRead(msgspec.Struct):
    order_id: uuid.UUID
    queued: bool
    job: str


class TypeSalesRead(msgspec.Struct):
    ticket_type_id: uuid.UUID
    name: str
    price_cents: int
    quantity: int
    sold: int
    reserved: int
    available: int
    gross_cents: int


class SalesSummaryRead(msgspec.Struct):
    event_id: uuid.UUID
    capacity: int | None
    sold: int
    reserved: int
    available: int | None
    paid_orders: int
    gross_revenue_cents: int  # VAT-inclusive, after discounts, of paid orders
    vat_cents: int
    discount_cents: int
    refunds_needed: int
    types: list[TypeSalesRead]


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def order_summary_read(o: Order) -> OrderSummaryRead:
    return OrderSummaryRead(
        id=o.id,
        reference=o.reference,
        event_id=o.event_id,
        status=o.status,
        buyer_name=o.buyer_name,
        buyer_email=o.buyer_email,
        total_cents=o.total_cents,
        vat_cents=o.vat_cents,
        tickets=sum(ln.quantity for ln in o.lines),
        needs_refund=o.needs_refund,
        hold_expires_at=o.hold_expires_at,
        paid_at=o.paid_at,
        created_at=o.created_at,
    )


def reservation_read(held: HoldResult) -> ReservationRead:
    from voelgoed.domain.orders.pricing import summarise  # pricing builds OrderLineRead from this module

    # the same sums as every order view, at the rate fixed on the order
    summary = summarise(held.lines, {}, held.coupon_code, vat_rate_bp=held.amounts.vat_rate_bp)
    return ReservationRead(
        order_id=held.order_id,
        reference=held.reference,
        access_token=held.access_token,
        status=held.status,
        hold_expires_at=held.hold_expires_at,
        subtotal_cents=summary.subtotal_cents,
        discount_cents=summary.discount_cents,
        total_cents=summary.total_cents,
        vat_cents=summary.vat_cents,
        lines=summary.lines,
        coupon_code=held.coupon_code,
        replayed=held.replayed,
        vat_rate_bp=summary.vat_rate_bp,
    )


def payment_transaction_read(p: PaymentTransaction) -> PaymentTransactionRead:
    return PaymentTransactionRead(
        id=p.id,
        provider=p.provider,
        status=p.status,
        amount_cents=p.amount_cents,
        provider_reference=p.provider_reference,
        failure_reason=p.failure_reason,
        created_at=p.created_at,
        completed_at=p.completed_at,
    )
