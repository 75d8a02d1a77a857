"""The statements of a scan (workflows/check_in.py decides; these read and write): the two of the
hot path, LOOKUP and WRITE, and the few around it (signing key, typed code, replay, gate).

A scan is: device auth (guard), LOOKUP, the verdict rules in Python, WRITE, commit. WRITE does in
one round trip what used to be four: the admission (exactly once), the exit, the scan session,
and the scan row. Exactly-once admission: the upsert on `ticket_checkin_state` only changes the
row `WHERE inside = false` (and, without re-entry, `entries = 0`); PostgreSQL re-evaluates that
under the row lock against the latest committed version, so of N concurrent entries exactly one
gets a row back. The verdict words come in as parameters: the rules stay in Python.
"""

from __future__ import annotations

from sqlalchemy import text

from voelgoed.db.driver import Statement

# Everything a verdict needs about one serial in one event, plus this device's earlier scan with
# the same client_scan_id (a replay), who admitted the ticket (for already_redeemed), and the
# organisation's webhook endpoints subscribed to ticket.checked_in (NULL: none; asked here so an
# admission nobody listens to costs no extra round trip).
LOOKUP = Statement(
    """
    SELECT e.status, e.starts_at, e.ends_at, e.venue_id,
           c.exit_allowed, c.reentry_allowed, c.valid_from, c.valid_until, c.gates::text,
           g.venue_id, t.id, t.status, t.ticket_type_id, t.holder_name, tt.name, o.status,
           prev.id,
           adm.effective_time, adm.gate_id, ag.name, adm.device_id, ad.name,
           (SELECT array_agg(w.id) FROM webhook_endpoint w WHERE w.organization_id = :org::uuid
              AND w.status = 'enabled' AND 'ticket.checked_in' = ANY(w.event_types)),
           sec.key, sec.name, sr.label, se.label
    FROM event e
    LEFT JOIN checkin_config c ON c.event_id = e.id
    LEFT JOIN gate g ON g.id = :gate_id::uuid AND g.organization_id = :org::uuid  -- never another tenant's gate
    LEFT JOIN ticket t ON t.serial = :serial::text AND t.event_id = e.id
    LEFT JOIN ticket_type tt ON tt.id = t.ticket_type_id
    LEFT JOIN ticket_order o ON o.id = t.order_id
    LEFT JOIN checkin_scan prev ON prev.device_id = :device_id::uuid AND prev.client_scan_id = :csid::uuid
    LEFT JOIN ticket_checkin_state st ON st.ticket_id = t.id
    LEFT JOIN checkin_scan adm ON adm.id = st.admitted_scan_id
    LEFT JOIN gate ag ON ag.id = adm.gate_id
    LEFT JOIN device ad ON ad.id = adm.device_id
    -- A reserved seat (section, row, seat): joins on a null event_seat_id for GA tickets, no extra
    -- statement either way.
    LEFT JOIN event_seat es ON es.id = t.event_seat_id
    LEFT JOIN seat se ON se.id = es.seat_id
    LEFT JOIN seat_row sr ON sr.id = se.row_id
    LEFT JOIN seat_section sec ON sec.id = se.section_id
    WHERE e.id = :event_id::uuid
    """
)

# :enter / :leave say whether to move the admission state; when the move finds nothing to move
# (already inside / not inside) the scan is stored with :fail_result / :fail_reason instead of
# :result / :reason. When this device stored the same client_scan_id meanwhile, the unique
# constraint fails the whole statement: no admission without its scan row.
SCAN_UNIQUE = "uq_checkin_scan_device_client_scan"
WRITE = Statement(
    """
    WITH entered AS (
        INSERT INTO ticket_checkin_state AS s
            (ticket_id, organization_id, event_id, inside, entries, exits, admitted_scan_id, admitted_at,
             updated_at)
        SELECT :t::uuid, :org::uuid, :ev::uuid, true, 1, 0, :scan::uuid, :now::timestamptz, :now::timestamptz
        WHERE :enter::boolean
        ON CONFLICT (ticket_id) DO UPDATE
            SET inside = true, entries = s.entries + 1, admitted_scan_id = EXCLUDED.admitted_scan_id,
                admitted_at = COALESCE(s.admitted_at, EXCLUDED.admitted_at), updated_at = EXCLUDED.updated_at
            WHERE s.inside = false AND (:reentry::boolean OR s.entries = 0)
        RETURNING 1
    ), exited AS (
        UPDATE ticket_checkin_state SET inside = false, exits = exits + 1, updated_at = :now
        WHERE :leave::boolean AND ticket_id = :t AND inside
        RETURNING 1
    ), touched AS (
        UPDATE checkin_scan_session
        SET last_scan_at = greatest(last_scan_at, :effective::timestamptz), scan_count = scan_count + 1,
            clock_offset_ms = coalesce(:session_offset::integer, clock_offset_ms)
        WHERE :gate_ok::boolean
          AND id = (SELECT id FROM checkin_scan_session WHERE device_id = :d::uuid ORDER BY started_at DESC LIMIT 1)
          AND gate_id = :g::uuid AND last_scan_at > :effective::timestamptz - interval '30 minutes'
        RETURNING id
    ), created AS (
        INSERT INTO checkin_scan_session
            (id, organization_id, device_id, gate_id, started_at, last_scan_at, scan_count, clock_offset_ms)
        SELECT :new_session::uuid, :org, :d, :g, :effective, :effective, 1, :session_offset
        WHERE :gate_ok AND NOT EXISTS (SELECT 1 FROM touched)
        RETURNING id
    ), moved AS (
        SELECT CASE WHEN :enter THEN EXISTS (SELECT 1 FROM entered)
                    WHEN :leave THEN EXISTS (SELECT 1 FROM exited) END AS ok
    )
    INSERT INTO checkin_scan (id, organization_id, event_id, device_id, gate_id, session_id, ticket_id,
        client_scan_id, direction, result, reason, offline, manual, local_verdict, claim, offline_duplicate,
        client_time, server_time, effective_time, clock_offset_ms)
    SELECT :scan, :org, :ev, :d, CASE WHEN :gate_ok THEN :g END,
           (SELECT id FROM touched UNION ALL SELECT id FROM created LIMIT 1), :t, :csid::uuid, :direction::text,
           CASE WHEN m.ok IS FALSE THEN :fail_result::text ELSE :result::text END,
           CASE WHEN m.ok IS FALSE THEN :fail_reason::text ELSE :reason::text END,
           :offline::boolean, :manual::boolean, :local::text, coalesce(m.ok, false) OR :claim::boolean, false,
           :client_time::timestamptz, :now, :effective, :offset::integer
    FROM moved m
    RETURNING result, reason, claim
    """
)

# --- around the hot path (workflows/check_in.py) ------------------------------------------------

# A signing key by its id: the caller then checks that the key is of the device's organisation
# and one of its events (else "other_event"); cached for the process.
EVENT_KEY = text("SELECT event_id, organization_id, public_key FROM event_signing_key WHERE key_id = :k")

# A typed ticket code: one of the device's events, in the device's organisation.
CODE_LOOKUP = Statement(
    "SELECT event_id FROM ticket"
    " WHERE serial = :s::text AND organization_id = :o::uuid AND event_id = ANY(:events::uuid[])"
)

# A replayed scan: this device's earlier scan with the same client_scan_id.
STORED = text(
    """
    SELECT s.id, s.result, s.reason, s.direction, s.offline_duplicate, t.serial, t.ticket_type_id, tt.name,
           t.holder_name, s.ticket_id, sec.key, sec.name, sr.label, se.label
    FROM checkin_scan s
    LEFT JOIN ticket t ON t.id = s.ticket_id
    LEFT JOIN ticket_type tt ON tt.id = t.ticket_type_id
    LEFT JOIN event_seat es ON es.id = t.event_seat_id
    LEFT JOIN seat se ON se.id = es.seat_id
    LEFT JOIN seat_row sr ON sr.id = se.row_id
    LEFT JOIN seat_section sec ON sec.id = se.section_id
    WHERE s.device_id = :d AND s.client_scan_id = :csid
    """
)

ADMITTED = text(
    """
    SELECT s.effective_time, s.gate_id, g.name, s.device_id, d.name
    FROM ticket_checkin_state st
    JOIN checkin_scan s ON s.id = st.admitted_scan_id
    LEFT JOIN gate g ON g.id = s.gate_id
    LEFT JOIN device d ON d.id = s.device_id
    WHERE st.ticket_id = :t
    """
)

GATE_EXISTS = text("SELECT 1 FROM gate WHERE id = :g AND organization_id = :o")
