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

# An API key's row, found by the public prefix of the key (auth/api_key.py compares the hash in
# constant time); the organisation comes from this row. `stale`: last use is over a minute old.
API_KEY_BY_PREFIX = Statement(
    """
    SELECT id, organization_id, name, prefix, secret_hash, scopes, expires_at,
           revoked_at IS NOT NULL AS revoked,
           expires_at IS NOT NULL AND expires_at <= now() AS expired,
           last_used_at IS NULL OR last_used_at < now() - interval '1 minute' AS stale
    FROM api_key WHERE prefix = :prefix::text
    """
)

# Last use, written at most once a minute per key (not a write per request).
API_KEY_TOUCH = Statement(
    """
    UPDATE api_key SET last_used_at = now()
    WHERE id = :id AND organization_id = :org
      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
    """
)
