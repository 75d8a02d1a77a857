"""Hand-written SQL of the event cancellation job (workflows/event_cancellation_jobs.py)."""

from __future__ import annotations

from sqlalchemy import text

# One job per cancellation across every worker: a session-level advisory lock on a connection the
# job keeps for its whole run. A worker that dies closes the connection, which frees the lock.
TRY_LOCK = text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))")
UNLOCK = text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))")
# One e-mail of one order at a time (released at commit or rollback).
XACT_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))")

# The next paid orders of the event nobody has handled yet, locked; an order locked by someone
# else (a refund being made from the order page) is skipped now and picked up by a later batch.
NEXT_PAID_BATCH = text(
    "SELECT o.id FROM ticket_order o WHERE o.event_id = :e AND o.status = 'paid'"
    " AND NOT EXISTS (SELECT 1 FROM event_cancellation_order m WHERE m.order_id = o.id)"
    " ORDER BY o.id LIMIT :n FOR UPDATE OF o SKIP LOCKED"
)
REMAINING_PAID = text(
    "SELECT count(*) FROM ticket_order o WHERE o.event_id = :e AND o.status = 'paid'"
    " AND NOT EXISTS (SELECT 1 FROM event_cancellation_order m WHERE m.order_id = o.id)"
)
REMAINING_HOLDS = text(
    "SELECT count(*) FROM ticket_order WHERE event_id = :e AND status IN ('reserved', 'awaiting_payment')"
)

# Handled orders whose buyer's e-mail has not been queued yet (the job queues them after each batch
# commits; a resumed job queues what a killed one did not).
EMAILS_TO_QUEUE = text(
    "SELECT m.id FROM event_cancellation_order m JOIN ticket_order o ON o.id = m.order_id"
    " WHERE m.cancellation_id = :c AND m.outcome <> 'failed' AND m.emailed_at IS NULL"
    " AND m.email_queued_at IS NULL AND o.buyer_email IS NOT NULL ORDER BY m.id LIMIT :n"
)
MARK_EMAILS_QUEUED = text(
    "UPDATE event_cancellation_order SET email_queued_at = now(), updated_at = now()"
    " WHERE id = ANY(:ids) AND email_queued_at IS NULL"
)
# E-mails queued long ago and still not sent (the queue lost the job, or it ran out of retries).
STALE_EMAILS = text(
    "SELECT m.id FROM event_cancellation_order m WHERE m.outcome <> 'failed' AND m.emailed_at IS NULL"
    " AND m.email_queued_at < now() - interval '15 minutes' ORDER BY m.email_queued_at LIMIT 1000"
)

# What the buyer's e-mail says, read while holding the order's e-mail lock.
MAIL_FACTS = text(
    "SELECT m.order_id, m.outcome, m.refund_cents, m.emailed_at, o.reference, o.buyer_email, o.buyer_name,"
    " o.total_cents, o.organization_id, o.locale, o.access_token_hash, e.name AS event_name, e.starts_at, e.timezone,"
    " c.message, v.name AS venue_name, v.city AS venue_city"
    " FROM event_cancellation_order m JOIN ticket_order o ON o.id = m.order_id"
    " JOIN event_cancellation c ON c.id = m.cancellation_id JOIN event e ON e.id = c.event_id"
    " LEFT JOIN venue v ON v.id = e.venue_id"
    " WHERE m.id = :m"
)
MARK_EMAILED = text("UPDATE event_cancellation_order SET emailed_at = now(), updated_at = now() WHERE id = :m")

# Running cancellations whose job has not finished a batch for a while (it died, or Redis lost it).
STALLED = text(
    "SELECT id FROM event_cancellation WHERE status = 'running'"
    " AND heartbeat_at < now() - make_interval(secs => :s) ORDER BY heartbeat_at LIMIT 100"
)
