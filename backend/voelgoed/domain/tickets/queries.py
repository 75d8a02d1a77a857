"""The tickets area's hand-written SQL (docs/architecture.md "Database access")."""

from __future__ import annotations

from sqlalchemy import text

# One delivery of an order at a time, across workers; released at commit/rollback.
DELIVERY_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))")

# After 2 minutes the normal path's job has had its chance; after a week of failures a person
# should look, not a cron job. A system job over all tenants.
MISSED_DELIVERIES = text(
    """
    SELECT id FROM ticket_order
    WHERE status = 'paid' AND tickets_emailed_at IS NULL AND buyer_email IS NOT NULL
      AND paid_at < now() - interval '2 minutes' AND paid_at > now() - interval '7 days'
    ORDER BY paid_at LIMIT 500
    """
)
