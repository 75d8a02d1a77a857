"""The devices area's hand-written SQL (docs/architecture.md "Database access").

Both statements are keyed by device ids the caller has just read through the tenant-scoped ORM.
"""

from __future__ import annotations

from sqlalchemy import text

# Per device, from its scan sessions (a new one starts on every gate change): the clock offset of
# its last online scan. A device paired for "any gate" has its gate chosen on the device: the one
# it reported when a person picked it (`chosen_gate_id`), or the one it last scanned at, whichever
# is newer (a scan queued offline at another gate can be newer than the report).
CLOCK_OFFSETS = text(
    """
    SELECT DISTINCT ON (device_id) device_id, clock_offset_ms FROM checkin_scan_session
    WHERE device_id = ANY(:ids) AND clock_offset_ms IS NOT NULL ORDER BY device_id, last_scan_at DESC
    """
)
CURRENT_GATES = text(
    """
    SELECT d.id, g.id, g.code, g.name FROM device d
    LEFT JOIN LATERAL (
        SELECT s.gate_id, s.last_scan_at FROM checkin_scan_session s
        WHERE s.device_id = d.id ORDER BY s.last_scan_at DESC LIMIT 1
    ) latest ON true
    JOIN gate g ON g.id = CASE
        WHEN d.chosen_gate_id IS NOT NULL
             AND (latest.last_scan_at IS NULL OR d.gate_chosen_at >= latest.last_scan_at)
        THEN d.chosen_gate_id ELSE latest.gate_id END
    WHERE d.id = ANY(:ids)
    """
)
