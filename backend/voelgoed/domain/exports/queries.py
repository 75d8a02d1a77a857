"""The exports area's hand-written SQL (docs/architecture.md "Database access").

Rows of one event, keyed by an event id the caller loaded through the tenant-scoped ORM (the
request, or the job from its export row); chunks keyed by their export's id. The columns of each
kind are listed in services.py, in the order these statements select them.
"""

from __future__ import annotations

from sqlalchemy import text

ROWS = {
    "orders": text(
        "SELECT o.reference, o.status, o.buyer_name, o.buyer_email, o.buyer_phone,"
        " (SELECT coalesce(sum(l.quantity), 0) FROM order_line l WHERE l.order_id = o.id),"
        " o.subtotal_cents, o.discount_cents, o.total_cents, o.vat_cents, o.fees_cents, o.created_at, o.paid_at,"
        # the order's answers to per-order questions, {question id: value}
        " (SELECT jsonb_object_agg(a.question_id::text, a.value) FROM attendee_answer a"
        "   WHERE a.order_id = o.id AND a.order_line_id IS NULL)"
        " FROM ticket_order o WHERE o.event_id = :e ORDER BY o.created_at, o.id"
    ),
    "attendees": text(
        "SELECT t.serial, t.holder_name, tt.name, t.status, o.reference, o.status, o.buyer_email,"
        " coalesce(cs.entries, 0) > 0, coalesce(cs.inside, false), cs.admitted_at,"
        " sec.name, sr.label, se.label,"  # the reserved seat (services.py drops them without seating)
        # the ticket's answers and its order's, {question id: value}
        " (SELECT jsonb_object_agg(a.question_id::text, a.value) FROM attendee_answer a WHERE a.order_id = t.order_id"
        "   AND (a.order_line_id IS NULL OR (a.order_line_id = t.order_line_id AND a.position = t.position)))"
        " FROM ticket t JOIN ticket_type tt ON tt.id = t.ticket_type_id JOIN ticket_order o ON o.id = t.order_id"
        " LEFT JOIN ticket_checkin_state cs ON cs.ticket_id = t.id"
        " LEFT JOIN event_seat es ON es.id = t.event_seat_id LEFT JOIN seat se ON se.id = es.seat_id"
        " LEFT JOIN seat_row sr ON sr.id = se.row_id LEFT JOIN seat_section sec ON sec.id = se.section_id"
        " WHERE t.event_id = :e ORDER BY o.created_at, t.id"
    ),
    "scans": text(
        "SELECT s.seq, s.server_time, s.effective_time, g.name, d.name, s.direction, s.result, s.reason,"
        " s.offline, s.offline_duplicate, s.manual, t.serial, t.holder_name, sec.name, sr.label, se.label"
        " FROM checkin_scan s LEFT JOIN gate g ON g.id = s.gate_id LEFT JOIN device d ON d.id = s.device_id"
        " LEFT JOIN ticket t ON t.id = s.ticket_id"
        " LEFT JOIN event_seat es ON es.id = t.event_seat_id LEFT JOIN seat se ON se.id = es.seat_id"
        " LEFT JOIN seat_row sr ON sr.id = se.row_id LEFT JOIN seat_section sec ON sec.id = se.section_id"
        " WHERE s.event_id = :e ORDER BY s.seq"
    ),
}

# The event's questions, one CSV column each (orders: the per-order ones; attendees: all), in the
# order checkout asks them, archived ones after.
QUESTIONS = text(
    "SELECT id::text, label, scope FROM question WHERE event_id = :e"
    " ORDER BY archived_at IS NOT NULL, position, created_at"
)

# Whether the event sells reserved seats: its CSVs then have section, row and seat columns.
IS_SEATED = text("SELECT EXISTS (SELECT 1 FROM event_seating WHERE event_id = :e)")

COUNT_ROWS = {
    "orders": text("SELECT count(*) FROM ticket_order WHERE event_id = :e"),
    "attendees": text("SELECT count(*) FROM ticket WHERE event_id = :e"),
    "scans": text("SELECT count(*) FROM checkin_scan WHERE event_id = :e"),
}

# One consistent snapshot for the count and all chunks.
READ_ONLY_SNAPSHOT = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

STORED_CHUNKS = text("SELECT data FROM data_export_chunk WHERE export_id = :x ORDER BY seq")
DELETE_CHUNKS = text("DELETE FROM data_export_chunk WHERE export_id = :x")
INSERT_CHUNK = text("INSERT INTO data_export_chunk (export_id, organization_id, seq, data) VALUES (:x, :o, :s, :d)")
SET_TOTAL_ROWS = text("UPDATE data_export SET total_rows = :n WHERE id = :x")
SET_PROGRESS = text("UPDATE data_export SET rows_written = :w, size_bytes = :b WHERE id = :x")


# Exports whose job never reached the queue (Redis lost it, or the API kept it in memory while
# Redis was away and then stopped): queued for over 2 minutes. A day later a person should look.
STALLED_QUEUED = text(
    "SELECT id FROM data_export WHERE status = 'queued'"
    " AND created_at < now() - interval '2 minutes' AND created_at > now() - interval '1 day'"
    " ORDER BY created_at LIMIT 100"
)
