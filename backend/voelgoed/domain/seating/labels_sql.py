"""The seat labels' hand-written SQL (docs/architecture.md "Database access"): keyed by the
event seat ids of tickets, or the event id, the caller loaded through the tenant-scoped ORM."""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

# Plain SQL: the seat and plan tables are reached through the ticket the caller already scoped.
SEAT_LABELS = text(
    """
    SELECT es.id, sec.key, sec.name, r.label, s.label
    FROM event_seat es
    JOIN seat s ON s.id = es.seat_id
    JOIN seat_row r ON r.id = s.row_id
    JOIN seat_section sec ON sec.id = s.section_id
    WHERE es.id = ANY(:ids)
    """
).bindparams(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))))

EVENT_SECTIONS = text(
    """
    SELECT sec.key, sec.name
    FROM event_seating evs
    JOIN seat_section sec ON sec.plan_id = evs.plan_id
    WHERE evs.event_id = :event_id AND sec.kind = 'seated'
    ORDER BY sec.sort_order, sec.key
    """
)
