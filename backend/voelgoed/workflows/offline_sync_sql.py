"""The offline sync's hand-written SQL (workflows/offline_sync.py decides; these read and write);
docs/architecture.md "Database access".

Device paths: no tenant scope is set. Every statement is keyed by an event the device is paired
for (offline_sync checks `device.event_ids` first), or by ticket and scan ids of such an event.
"""

from __future__ import annotations

from sqlalchemy import text

# --- upload ---------------------------------------------------------------------------------

DUPLICATE_FLAGS = text("SELECT id, offline_duplicate FROM checkin_scan WHERE id = ANY(:ids)")

# The ticket's state row must exist before it can be locked.
ENSURE_STATE = text(
    """
    INSERT INTO ticket_checkin_state (ticket_id, organization_id, event_id, inside, entries, exits, updated_at)
    SELECT id, organization_id, event_id, false, 0, 0, now() FROM ticket WHERE id = :t
    ON CONFLICT (ticket_id) DO NOTHING
    """
)

LOCK_STATE = text(
    "SELECT st.event_id, coalesce(c.reentry_allowed, false) FROM ticket_checkin_state st"
    " LEFT JOIN checkin_config c ON c.event_id = st.event_id WHERE st.ticket_id = :t FOR UPDATE OF st"
)
CLAIMS = text(
    "SELECT id, direction, effective_time, offline_duplicate FROM checkin_scan"
    " WHERE ticket_id = :t AND claim ORDER BY effective_time, seq"
)
FLIP_DUPLICATES = text("UPDATE checkin_scan SET offline_duplicate = NOT offline_duplicate WHERE id = ANY(:ids)")
SET_STATE = text(
    "UPDATE ticket_checkin_state SET inside = :inside, entries = :entries, exits = :exits,"
    " admitted_scan_id = :last, admitted_at = :first, updated_at = now() WHERE ticket_id = :t"
)

# --- download -------------------------------------------------------------------------------

SEQUENCER_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('checkin_change'), hashtext(CAST(:e AS text)))")
NUMBER_CHANGES = text(
    "UPDATE checkin_change SET seq = nextval('checkin_change_seq') WHERE event_id = :e AND seq IS NULL"
)
SNAPSHOT_CURSOR = text("SELECT coalesce(max(seq), 0) FROM checkin_change WHERE event_id = :e AND seq IS NOT NULL")
FEED_HEAD = text("SELECT coalesce(max(seq), 0) FROM checkin_change WHERE event_id = :e")
CHANGES_AFTER = text(
    "SELECT seq, kind, ticket_id FROM checkin_change WHERE event_id = :e AND seq > :c ORDER BY seq LIMIT :n"
)

# One offline record per ticket (offline_sync.to_record reads the columns in this order).
_RECORDS = """
    SELECT t.serial, t.status, o.status, coalesce(st.inside, false), coalesce(st.entries, 0),
           t.holder_name, tt.name, t.ticket_type_id, sec.key, sec.name, sr.label, se.label
    FROM ticket t
    JOIN ticket_order o ON o.id = t.order_id
    JOIN ticket_type tt ON tt.id = t.ticket_type_id
    LEFT JOIN ticket_checkin_state st ON st.ticket_id = t.id
    LEFT JOIN event_seat es ON es.id = t.event_seat_id  -- a reserved seat; null for GA
    LEFT JOIN seat se ON se.id = es.seat_id
    LEFT JOIN seat_row sr ON sr.id = se.row_id
    LEFT JOIN seat_section sec ON sec.id = se.section_id
"""
EVENT_RECORDS = text(_RECORDS + " WHERE t.event_id = :e")
TICKET_RECORDS = text(_RECORDS + " WHERE t.id = ANY(:ids)")
