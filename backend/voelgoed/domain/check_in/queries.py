"""The check-in area's hand-written SQL for the organiser's monitoring (feed, counts, duplicates,
sessions); docs/architecture.md "Database access". The scan path's statements are in
workflows/check_in_sql.py.

Every statement is keyed by an event id the caller loaded through the tenant-scoped ORM, or by
ticket ids read by such a statement.
"""

from __future__ import annotations

from sqlalchemy import text

_SCAN_COLUMNS = """
    s.seq, s.id, s.device_id, d.name, s.gate_id, g.name, s.direction, s.result, s.reason, s.offline,
    s.offline_duplicate, s.local_verdict, s.client_time, s.server_time, s.effective_time, s.session_id,
    s.ticket_id, tt.name, t.holder_name, s.manual
"""
_SCAN_FROM = """
    FROM checkin_scan s
    LEFT JOIN device d ON d.id = s.device_id
    LEFT JOIN gate g ON g.id = s.gate_id
    LEFT JOIN ticket t ON t.id = s.ticket_id
    LEFT JOIN ticket_type tt ON tt.id = t.ticket_type_id
"""

# The columns of `ScanRead`, in its order (services.py builds it positionally).
SCAN_FEED = text(
    f"SELECT {_SCAN_COLUMNS} {_SCAN_FROM} WHERE s.event_id = :e AND s.seq > :after ORDER BY s.seq LIMIT :n"
)
OFFLINE_DUPLICATES = text(
    f"SELECT {_SCAN_COLUMNS} {_SCAN_FROM} WHERE s.event_id = :e AND s.offline_duplicate ORDER BY s.seq"
)
# The admitting scan of each ticket that has an offline duplicate.
DUPLICATE_WINNERS = text(
    f"SELECT {_SCAN_COLUMNS} {_SCAN_FROM} JOIN ticket_checkin_state st ON st.ticket_id = s.ticket_id "
    "WHERE s.ticket_id = ANY(:ids) AND s.claim AND s.direction = 'entry' AND NOT s.offline_duplicate "
    "ORDER BY s.effective_time DESC"
)

GATE_COUNTS = text(
    "SELECT gate_id, count(*) FILTER (WHERE direction = 'entry'),"
    " count(*) FILTER (WHERE direction = 'exit') "
    "FROM checkin_scan WHERE event_id = :e AND claim AND NOT offline_duplicate AND gate_id IS NOT NULL "
    "GROUP BY gate_id"
)
COUNT_TOTALS = text(
    "SELECT count(*) FILTER (WHERE entries > 0), count(*) FILTER (WHERE inside),"
    " (SELECT count(*) FROM checkin_scan WHERE event_id = :e AND offline_duplicate)"
    " FROM ticket_checkin_state WHERE event_id = :e"
)

SESSIONS = text(
    "SELECT ss.id, ss.device_id, d.name, ss.gate_id, ss.started_at, ss.last_scan_at, ss.scan_count,"
    " ss.clock_offset_ms FROM checkin_scan_session ss JOIN device d ON d.id = ss.device_id"
    " WHERE :e = ANY(d.event_ids) ORDER BY ss.last_scan_at DESC LIMIT :n"
)
