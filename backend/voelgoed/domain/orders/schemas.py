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
    """Tickets of one type."""

    ticket_type_id: uuid.UUID
    quantity: Annotated[Quantity, msgspec.Meta(description="How many.", examples=[2])]


class ReservationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Tickets to hold for a buyer."""

    items: Annotated[
        list[ReservationItem],
        msgspec.Meta(min_length=1, max_length=50, description="Ticket types and quantities (1-50 lines)."),
    ]
    coupon_code: Annotated[CouponCode, msgspec.Meta(description="A coupon to apply.")] | None = None
    # The code of a hidden ticket type (from the organiser's secret link): without it, a hidden
    # type cannot be reserved.
    access_code: (
        Annotated[str, msgspec.Meta(max_length=60, description="A hidden type's access code (needed to reserve it).")]
        | None
    ) = None
    session_id: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=64, description="The browser session, to link funnel events.", examples=["s_4f9c2e71"]
            ),
        ]
        | None
    ) = None
    utm_source: Annotated[ShortText, msgspec.Meta(description="Where the buyer came from (for the funnel).")] | None = (
        None
    )
    utm_medium: Annotated[ShortText, msgspec.Meta(description="The channel (for the funnel).")] | None = None
    utm_campaign: Annotated[ShortText, msgspec.Meta(description="The campaign (for the funnel).")] | None = None


class OrderLineRead(msgspec.Struct):
    """One line as domain/orders/pricing.py computes it: line_subtotal = quantity x unit price,
    line_total = line_subtotal - discount. The lines' subtotals add up to the order's subtotal."""

    ticket_type_id: uuid.UUID
    ticket_type_name: Annotated[str, msgspec.Meta(examples=["Algemene toegang"])] | None
    quantity: int
    unit_price_cents: Annotated[int, msgspec.Meta(description="Price per ticket, VAT included, fixed at reservation.")]
    discount_cents: Annotated[int, msgspec.Meta(description="The coupon's discount on this line.")]
    line_total_cents: Annotated[int, msgspec.Meta(description="Subtotal minus discount.")]
    line_subtotal_cents: Annotated[int, msgspec.Meta(description="quantity x unit price.")]


class ReservationRead(msgspec.Struct):
    """The held order."""

    order_id: uuid.UUID
    reference: str
    access_token: str | None  # shown once; null on a replay whose token is no longer known
    status: Annotated[OrderStatus, msgspec.Meta(description="`reserved` while held.")]
    hold_expires_at: datetime
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    vat_cents: int
    lines: Annotated[list[OrderLineRead], msgspec.Meta(description="The order's lines.")]
    coupon_code: str | None = None
    replayed: Annotated[
        bool, msgspec.Meta(description="The same Idempotency-Key was sent before: the first order again.")
    ] = False
    vat_rate_bp: int = 0  # fixed on the order at reservation; 0: no VAT (the seller is not a VAT vendor)


# An answer to one of the event's questions: text or a choice's option as a string, a checkbox
# as a boolean. Lengths, options and kinds are checked against the question by
# domain/attendees/checkout_details.py, which answers 422 at the field.
AnswerValue = Annotated[str, msgspec.Meta(max_length=10_000)] | bool


class AnswerInput(msgspec.Struct, forbid_unknown_fields=True):
    """An answer to a checkout question."""

    question_id: uuid.UUID
    value: Annotated[
        AnswerValue,
        msgspec.Meta(
            description="Text, one of the question's options, or true/false for a checkbox.", examples=["Vegetaries"]
        ),
    ]


class TicketDetailsInput(msgspec.Struct, forbid_unknown_fields=True):
    """One ticket of the order: its type and its number within that type (1..quantity)."""

    ticket_type_id: uuid.UUID
    number: Annotated[int, msgspec.Meta(ge=1, le=10_000, description="Which ticket of its type in the order (from 1).")]
    holder_name: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=1000, description="The name printed on the ticket.", examples=["Pieter van der Merwe"]
            ),
        ]
        | None
    ) = None
    answers: Annotated[
        list[AnswerInput], msgspec.Meta(max_length=200, description="Answers to the ticket questions.")
    ] = msgspec.field(default_factory=list)


class CheckoutStart(msgspec.Struct, forbid_unknown_fields=True):
    """`answers` and `tickets` answer what `getCheckoutQuestions` lists for the order."""

    buyer_name: Annotated[BuyerName, msgspec.Meta(examples=["Thandi Nkosi"])]
    buyer_email: Email
    provider: Annotated[
        Provider, msgspec.Meta(description="The payment provider the buyer chose (one the checkout offers).")
    ] = "simulated"
    buyer_phone: Annotated[BuyerPhone, msgspec.Meta(description="The buyer's phone number (optional).")] | None = None
    answers: Annotated[
        list[AnswerInput], msgspec.Meta(max_length=200, description="Answers to the order questions.")
    ] = msgspec.field(default_factory=list)
    tickets: Annotated[
        list[TicketDetailsInput],
        msgspec.Meta(max_length=1000, description="Per ticket: the holder's name and answers to ticket questions."),
    ] = msgspec.field(default_factory=list)


class PaymentRedirectRead(msgspec.Struct):
    """Where to send the buyer to pay."""

    transaction_id: uuid.UUID
    provider: PaymentProviderName
    url: Annotated[str, msgspec.Meta(description="The provider's payment page.")]
    method: Annotated[
        str, msgspec.Meta(description="`GET`: open `url`; `POST`: post `fields` to `url` as a form.", examples=["POST"])
    ]
    fields: Annotated[
        dict[str, str],
        msgspec.Meta(
            description="Form fields for a POST (empty for GET).",
            examples=[{"merchant_id": "10000100", "amount": "250.00"}],
        ),
    ]


# The words of domain/refunds/machines.py's RefundLifecycle (refunds sit above orders, so the
# order views name them here; tests/api/test_refunds.py checks they agree).
REFUND_STATUS_WORDS = ("requested", "pending", "succeeded", "failed")


class OrderRefundBrief(msgspec.Struct):
    """One refund of an order, as the order's own views show it (the buyer's and the organiser's)."""

    id: uuid.UUID
    amount_cents: int
    status: Annotated[
        Annotated[str, documented_as(REFUND_STATUS_WORDS)],
        msgspec.Meta(description="`requested`, `pending`, `succeeded` or `failed`."),
    ]
    method: Annotated[str, msgspec.Meta(description="`provider` or `manual`.")]  # provider | manual
    reason: Annotated[
        str, msgspec.Meta(description="Why, in the organiser's words.", examples=["Kliënt kan nie meer kom nie."])
    ]
    ticket_ids: Annotated[list[uuid.UUID], msgspec.Meta(description="The tickets it voided.")]
    created_at: datetime
    completed_at: datetime | None


class PublicOrderRead(msgspec.Struct):
    """What the buyer (holding the order's token) sees."""

    order_id: uuid.UUID
    reference: str
    status: Annotated[OrderStatus, msgspec.Meta(description="Where the order is in its lifecycle.")]
    event_id: uuid.UUID
    event_name: str
    event_slug: Annotated[
        str, msgspec.Meta(description="The event's URL name.", examples=["stellenbosch-wynfees-2026"])
    ]
    hold_expires_at: datetime
    buyer_name: str | None
    buyer_email: str | None
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    vat_cents: int
    paid_at: datetime | None
    needs_refund: bool
    lines: Annotated[list[OrderLineRead], msgspec.Meta(description="The order's lines.")]
    allowed_transitions: list[str]
    coupon_code: str | None
    vat_rate_bp: int = 0  # 0: the seller was not a VAT vendor; show no VAT
    refunded_cents: int = 0
    refunds: Annotated[list[OrderRefundBrief], msgspec.Meta(description="Its refunds.")] = msgspec.field(
        default_factory=list
    )


class CheckoutRead(msgspec.Struct):
    """The order and where to send the buyer to pay."""

    order: Annotated[PublicOrderRead, msgspec.Meta(description="The order, now awaiting payment.")]
    payment: Annotated[PaymentRedirectRead, msgspec.Meta(description="Where to send the buyer.")]


class PaymentTransactionRead(msgspec.Struct):
    """A payment attempt of an order."""

    id: uuid.UUID
    provider: PaymentProviderName
    status: Annotated[PaymentStatus, msgspec.Meta(description="Where the payment is.")]
    amount_cents: int
    provider_reference: str | None
    failure_reason: str | None
    created_at: datetime
    completed_at: datetime | None


class OrderSummaryRead(msgspec.Struct):
    """An order in a list."""

    id: uuid.UUID
    reference: str
    event_id: uuid.UUID
    status: Annotated[OrderStatus, msgspec.Meta(description="Where the order is in its lifecycle.")]
    buyer_name: str | None
    buyer_email: str | None
    total_cents: int
    vat_cents: int
    tickets: Annotated[int, msgspec.Meta(description="Tickets in the order.")]
    needs_refund: bool
    hold_expires_at: datetime
    paid_at: datetime | None
    created_at: datetime


class OrderPage(msgspec.Struct):
    """A page of orders."""

    items: list[OrderSummaryRead]
    total: int
    page: int
    page_size: int


class ResendRead(msgspec.Struct):
    """The ticket e-mail was queued again."""

    order_id: uuid.UUID
    queued: Annotated[bool, msgspec.Meta(description="Whether it was queued.")]
    job: Annotated[str, msgspec.Meta(description="The job queued.", examples=["deliver_order_tickets"])]


class TypeSalesRead(msgspec.Struct):
    """One ticket type's sales."""

    ticket_type_id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="The ticket type's name.", examples=["Algemene toegang"])]
    price_cents: int
    quantity: Annotated[int, msgspec.Meta(description="Tickets for sale in total.", examples=[500])]
    sold: int
    reserved: int
    available: int
    gross_cents: Annotated[int, msgspec.Meta(description="What its paid tickets brought in, VAT included.")]


class SalesSummaryRead(msgspec.Struct):
    """An event's sales."""

    event_id: uuid.UUID
    capacity: int | None
    sold: int
    reserved: int
    available: int | None
    paid_orders: Annotated[int, msgspec.Meta(description="Paid orders.")]
    gross_revenue_cents: Annotated[
        int, msgspec.Meta(description="What paid orders paid, VAT included, after discounts.")
    ]  # VAT-inclusive, after discounts, of paid orders
    vat_cents: int
    discount_cents: int
    refunds_needed: Annotated[
        int, msgspec.Meta(description="Orders paid after they expired or were cancelled (money to give back).")
    ]
    types: Annotated[list[TypeSalesRead], msgspec.Meta(description="Per ticket type.")]


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
