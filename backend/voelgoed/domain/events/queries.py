"""Hand-written SQL of the events area: what an event's orders add up to, read without importing
the orders area (which sits above this one)."""

from __future__ import annotations

from sqlalchemy import text

# Paid orders of an event, what they paid and what of it is not refunded yet; unpaid holds (reserved, awaiting payment).
ORDER_FIGURES = text(
    "SELECT count(*) FILTER (WHERE status = 'paid') AS paid_orders,"
    " coalesce(sum(total_cents) FILTER (WHERE status = 'paid'), 0) AS paid_cents,"
    " coalesce(sum(total_cents - refunded_cents - refund_pending_cents) FILTER (WHERE status = 'paid'), 0)"
    " AS refundable_cents,"
    " count(*) FILTER (WHERE status IN ('reserved', 'awaiting_payment')) AS unpaid_holds"
    " FROM ticket_order WHERE event_id = :e"
)

HAS_PAID_ORDERS = text("SELECT EXISTS (SELECT 1 FROM ticket_order WHERE event_id = :e AND status = 'paid')")

# The summary's failed orders (first 50) and the e-mails sent so far.
FAILED_ORDERS = text(
    "SELECT m.order_id, o.reference, coalesce(m.error, '') AS error FROM event_cancellation_order m"
    " JOIN ticket_order o ON o.id = m.order_id WHERE m.cancellation_id = :c AND m.outcome = 'failed'"
    " ORDER BY o.reference LIMIT 50"
)
EMAILS_SENT = text(
    "SELECT count(*) FROM event_cancellation_order WHERE cancellation_id = :c AND emailed_at IS NOT NULL"
)
