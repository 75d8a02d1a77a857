"""Hand-written SQL of notifications (tests/unit/test_sql_tenancy.py reads every query module)."""

from __future__ import annotations

from sqlalchemy import text

# Paid orders with an address, of published events starting in the window, not reminded yet
# (reminders.py). Across every organisation: the reminder cron is system work.
DUE_ORDERS = text(
    "SELECT o.id FROM ticket_order o JOIN event e ON e.id = o.event_id"
    " WHERE o.status = 'paid' AND o.buyer_email IS NOT NULL AND e.status = 'published'"
    " AND e.starts_at BETWEEN :starts_from AND :starts_until"
    " AND NOT EXISTS (SELECT 1 FROM order_reminder r WHERE r.order_id = o.id)"
    " ORDER BY e.starts_at, o.id LIMIT :batch"
)
