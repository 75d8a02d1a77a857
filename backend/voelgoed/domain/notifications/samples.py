"""Sample e-mails for the organiser's preview and test: the real render functions with made-up
order data, so what they see is what buyers get."""

from __future__ import annotations

import uuid

from voelgoed.domain.notifications.kinds import EmailKind
from voelgoed.domain.notifications.messages import (
    EventCancelledMail,
    Mail,
    MailLook,
    OrderCancelledMail,
    RefundMail,
    ReminderMail,
    TicketsMail,
    event_cancelled,
    order_cancelled,
    refund_confirmation,
    reminder,
    tickets_delivery,
)
from voelgoed.domain.orders.pricing import OrderSummary
from voelgoed.domain.orders.schemas import OrderLineRead

SAMPLE_REFERENCE = "VG-SAMPLE1"


def _facts(to: str, public_url: str) -> dict[str, object]:
    return {
        "to": to,
        "buyer_name": "Thandiwe Mokoena",
        "reference": SAMPLE_REFERENCE,
        "event_name": "Summer Sunset Concert",
        "starts_local": "Sat 12 Dec 2026, 19:00",
        "timezone": "Africa/Johannesburg",
        "venue": "Kirstenbosch Gardens, Cape Town",
        "order_url": f"{public_url}/orders/{SAMPLE_REFERENCE}?token=sample",
    }


_TICKETS = [("General admission", "ABCDE-FGHIJ-KLMNO-PQRST"), ("General admission", "BCDEF-GHIJK-LMNOP-QRSTU")]


def sample_mail(kind: EmailKind, look: MailLook, *, to: str, public_url: str, locale: str = "en") -> Mail:
    f = _facts(to, public_url)
    if kind is EmailKind.ORDER_CONFIRMATION:
        line = OrderLineRead(
            ticket_type_id=uuid.UUID(int=0),
            ticket_type_name="General admission",
            quantity=2,
            unit_price_cents=25000,
            discount_cents=0,
            line_total_cents=50000,
            line_subtotal_cents=50000,
        )
        summary = OrderSummary(lines=[line], subtotal_cents=50000, discount_cents=0, total_cents=50000, vat_cents=0)
        return tickets_delivery(TicketsMail(**f, summary=summary, tickets=_TICKETS), look, locale)  # type: ignore[arg-type]
    if kind is EmailKind.REMINDER:
        return reminder(ReminderMail(**f), look, locale)  # type: ignore[arg-type]
    if kind is EmailKind.REFUND:
        refund = RefundMail(**f, amount="R 250.00", reason="Could not attend", tickets=_TICKETS[:1])  # type: ignore[arg-type]
        return refund_confirmation(refund, look, locale)
    if kind is EmailKind.ORDER_CANCELLED:
        return order_cancelled(OrderCancelledMail(**f, reason="Duplicate order"), look, locale)  # type: ignore[arg-type]
    return event_cancelled(
        EventCancelledMail(**f, refunded=True, refund_cents=50000, organiser_message=None),  # type: ignore[arg-type]
        look,
        locale,
    )
