"""The event seats' hand-written SQL (docs/architecture.md "Database access"): keyed by an event id
the caller already checked (a seat-hold batch's event, an organiser's event)."""

from __future__ import annotations

from sqlalchemy import text

# The seats of an event changed by transactions at least `since` (free_seats.py), with the xmin of
# the statement's own snapshot (pg_current_snapshot()): one row of arrays, decoded by asyncpg in C.
CHANGED_SEATS = text(
    """
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
           array_agg(position) AS positions,
           array_agg(CASE status WHEN 'available' THEN 0 WHEN 'held' THEN 1 ELSE 2 END) AS codes,
           array_agg(held_until) AS untils,
           array_agg(id) AS ids
      FROM event_seat
     WHERE event_id = :event_id AND changed_xid >= :since
    """
)

# Fresh planner statistics after an event's seats were created (event_seating.py).
ANALYZE_EVENT_SEATS = text("ANALYZE event_seat")
