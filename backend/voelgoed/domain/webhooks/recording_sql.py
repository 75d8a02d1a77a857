"""Hand-written SQL of ticket.checked_in's payloads (check_in_payloads.py)."""

from __future__ import annotations

from sqlalchemy import text

# ticket.checked_in's admission facts per scan. Device paths set no tenant scope: keyed by the
# organisation's own scan ids.
ADMITTING_SCANS = text(
    "SELECT s.id, s.ticket_id, s.effective_time, s.offline, s.gate_id, g.name, s.device_id, d.name, o.reference"
    " FROM checkin_scan s JOIN ticket t ON t.id = s.ticket_id JOIN ticket_order o ON o.id = t.order_id"
    " LEFT JOIN gate g ON g.id = s.gate_id LEFT JOIN device d ON d.id = s.device_id"
    " WHERE s.id = ANY(:ids) AND s.organization_id = :org"
)
