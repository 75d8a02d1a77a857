"""The organiser's view of one order (getOrder), built in one place for the API and for webhook
payloads (domain/webhooks/payloads.py). Here, in domain/refunds, because it shows the order's
refunds: the highest of the areas it draws on (orders, payments, tickets, attendees, refunds)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.attendees.checkout_details import answers_of_order
from voelgoed.domain.attendees.schemas import AnswerRead, answer_read
from voelgoed.domain.catalog.services import get_event
from voelgoed.domain.orders import services as order_services
from voelgoed.domain.orders.machines import OrderLifecycle
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.pricing import order_summary
from voelgoed.domain.orders.schemas import payment_transaction_read
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.domain.refunds import services as refund_services
from voelgoed.domain.refunds.schemas import refund_brief
from voelgoed.domain.tickets.issuing import ListedTicket, listed_tickets
from voelgoed.domain.tickets.schemas import OrderDetailRead, ticket_read


async def _answers(db: AsyncSession, order: Order, tickets: list[ListedTicket]) -> list[AnswerRead]:
    ticket_ids = {(t.ticket.order_line_id, t.ticket.position): t.ticket.id for t in tickets}
    type_of_line = {line.id: line.ticket_type_id for line in order.lines}
    return [answer_read(a, q, ticket_ids, type_of_line) for a, q in await answers_of_order(db, order.id)]


async def order_detail_read(db: AsyncSession, order_id: uuid.UUID) -> OrderDetailRead:
    """The order with its lines, payments, tickets, refunds and answers (404 outside the session's
    organisation)."""
    o = await order_services.get_order(db, order_id)
    event = await get_event(db, o.event_id)
    summary = await order_summary(db, o)
    payments = await db.scalars(
        select(PaymentTransaction).where(PaymentTransaction.order_id == o.id).order_by(PaymentTransaction.created_at)
    )
    tickets = await listed_tickets(db, o.id)  # in the order the buyer's page, PDF and e-mail use
    return OrderDetailRead(
        id=o.id,
        reference=o.reference,
        event_id=o.event_id,
        event_name=event.name,
        status=o.status,
        allowed_transitions=OrderLifecycle(o).allowed(),
        buyer_name=o.buyer_name,
        buyer_email=o.buyer_email,
        buyer_phone=o.buyer_phone,
        subtotal_cents=summary.subtotal_cents,
        discount_cents=summary.discount_cents,
        total_cents=summary.total_cents,
        vat_cents=summary.vat_cents,
        vat_rate_bp=summary.vat_rate_bp,
        fees_cents=o.fees_cents,
        coupon_code=summary.coupon_code,
        needs_refund=o.needs_refund,
        hold_expires_at=o.hold_expires_at,
        paid_at=o.paid_at,
        tickets_emailed_at=o.tickets_emailed_at,
        created_at=o.created_at,
        lines=summary.lines,
        payments=[payment_transaction_read(p) for p in payments],
        tickets=[ticket_read(t) for t in tickets],
        refunded_cents=o.refunded_cents,
        refund_pending_cents=o.refund_pending_cents,
        left_to_refund_cents=refund_services.left_to_refund(o),
        refunds=[refund_brief(r) for r in await refund_services.refunds_of_order(db, o.id)],
        answers=await _answers(db, o, tickets),
    )
