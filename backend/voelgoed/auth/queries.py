"""Authentication's hand-written SQL (docs/architecture.md "Database access").

Device paths run before any organisation is known: the device row is found by its token hash,
and the organisation comes from that row.
"""

from __future__ import annotations

from voelgoed.db.driver import Statement

# Authenticate and record the last contact in one statement (auth/device.py).
DEVICE_AUTH = Statement(
    """
    WITH d AS (
        SELECT id, organization_id, name, event_ids, gate_id, last_seen_at
        FROM device WHERE token_hash = :h::text AND revoked_at IS NULL
    ), touched AS (
        UPDATE device SET last_seen_at = now()
        FROM d WHERE device.id = d.id
          AND (d.last_seen_at IS NULL OR d.last_seen_at < now() - interval '15 seconds')
        RETURNING device.id
    )
    SELECT d.id, d.organization_id, d.name, d.event_ids, d.gate_id, (SELECT count(*) FROM touched) FROM d
    """
)
