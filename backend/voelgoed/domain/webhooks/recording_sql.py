"""Hand-written SQL of recording webhook events (recording.py, check_in_payloads.py)."""

from __future__ import annotations

from sqlalchemy import text

# The organisation's enabled endpoints subscribed to any of several types (one question per batch).
SUBSCRIBERS_OF_TYPES = text(
    "SELECT id, event_types FROM webhook_endpoint WHERE organization_id = :org AND status = 'enabled'"
    " AND event_types && CAST(:types AS varchar[])"
)

# ticket.checked_in's admission facts per scan. Device paths set no tenant scope: keyed by the
# organisation's own scan ids.
ADMITTING_SCANS = text(
    "SELECT s.id, s.ticket_id, s.effective_time, s.offline, s.gate_id, g.name, s.device_id, d.name, o.reference"
    " FROM checkin_scan s JOIN ticket t ON t.id = s.ticket_id JOIN ticket_order o ON o.id = t.order_id"
    " LEFT JOIN gate g ON g.id = s.gate_id LEFT JOIN device d ON d.id = s.device_id"
    " WHERE s.id = ANY(:ids) AND s.organization_id = :org"
)
