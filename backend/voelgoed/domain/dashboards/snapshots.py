"""Building and reading the hourly snapshots: "snapshot plus live tail equals a raw recount".

What is counted (and why it adds up exactly):
- Funnel: the number of funnel *events* per (step, UTM source) — not distinct sessions. Event
  counts are additive over buckets; distinct sessions are not (a session active in two hours
  would be counted twice), and keeping one row per session would be about as big as the raw table.
- Check-ins: admission claims (`claim`, direction entry) and allowed exits (`claim`, exit) per gate,
  by server receipt time. These columns never change after insert; the only mutable flag,
  `offline_duplicate`, is applied live by the reader (see services.py), never snapshotted.

When is a bucket complete? Rows get their timestamp (`occurred_at`, `server_time`) from the
application inside the transaction that inserts them, so a row that is not yet committed has a
timestamp no earlier than its transaction's start (minus clock skew between the app host and
PostgreSQL). The builder therefore snapshots only up to
    boundary = min(now, oldest open transaction start) - SAFETY
and a row committed after the snapshot always lands at or after the boundary: in the live tail.
The boundary need not be hour-aligned: the last hour bucket then holds [hour, boundary) only, the
next build adds [boundary, new boundary) into the same bucket, and readers count bucket rows
with `bucket_start < boundary` plus raw rows from the boundary on. So the raw tail is a few
minutes of rows (the cron runs every minute), not up to an hour.
Readers count buckets in [.., boundary) and raw rows in [boundary, ..); a row exactly at the
boundary belongs to the tail (half-open intervals). Assumption: no code inserts funnel events or
scans back-dated by more than SAFETY (true for `analytics.record()` and the scan workflows).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

BUCKET = timedelta(hours=1)
SAFETY = timedelta(minutes=2)


def floor_hour(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(t: datetime) -> datetime:
    f = floor_hour(t)
    return f if f == t else f + BUCKET


async def safe_boundary(conn: AsyncConnection) -> datetime:
    """The latest instant that no open transaction can still insert rows before."""
    now, oldest = (
        await conn.execute(
            text(
                "SELECT now(), (SELECT min(xact_start) FROM pg_stat_activity"
                " WHERE datname = current_database() AND backend_type = 'client backend'"
                " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)"
            )
        )
    ).one()
    limit = now if oldest is None else min(now, oldest)
    return limit - SAFETY  # not hour-aligned: the last bucket may be partial (see module docstring)


async def reset_event(conn: AsyncConnection, event_id: uuid.UUID) -> None:
    """Forget an event's snapshots (after a bulk import of back-dated rows); the next build
    recounts everything from the raw tables."""
    for table in ("dashboard_funnel_bucket", "dashboard_checkin_bucket", "dashboard_snapshot_state"):
        await conn.execute(text(f"DELETE FROM {table} WHERE event_id = :e"), {"e": event_id})  # noqa: S608


async def build_event(conn: AsyncConnection, event_id: uuid.UUID, boundary: datetime) -> bool:
    """Extend one event's snapshots up to `boundary` (in the caller's transaction). Idempotent:
    only the hours between the stored `*_until` and `boundary` are added."""
    await conn.execute(
        text(
            "INSERT INTO dashboard_snapshot_state (event_id, organization_id, built_at)"
            " SELECT id, organization_id, now() FROM event WHERE id = :e ON CONFLICT (event_id) DO NOTHING"
        ),
        {"e": event_id},
    )
    row = (
        await conn.execute(
            text("SELECT funnel_until, checkin_until FROM dashboard_snapshot_state WHERE event_id = :e FOR UPDATE"),
            {"e": event_id},
        )
    ).one_or_none()
    if row is None:  # the event is gone
        return False
    funnel_until, checkin_until = row
    changed = False
    if funnel_until is None or funnel_until < boundary:
        await conn.execute(
            text(
                "INSERT INTO dashboard_funnel_bucket"
                " (organization_id, event_id, bucket_start, step, utm_source, events)"
                " SELECT organization_id, event_id, date_bin('1 hour', occurred_at, TIMESTAMPTZ '2000-01-01Z'),"
                " name,"
                "  coalesce(utm_source, ''), count(*)"
                " FROM analytics_event WHERE event_id = :e"
                "  AND occurred_at >= coalesce(CAST(:lo AS timestamptz), '-infinity') AND occurred_at < :hi"
                " GROUP BY 1, 2, 3, 4, 5"
                " ON CONFLICT (event_id, bucket_start, step, utm_source)"
                " DO UPDATE SET events = dashboard_funnel_bucket.events + EXCLUDED.events"
            ),
            {"e": event_id, "lo": funnel_until, "hi": boundary},
        )
        changed = True
    if checkin_until is None or checkin_until < boundary:
        await conn.execute(
            text(
                "INSERT INTO dashboard_checkin_bucket"
                " (organization_id, event_id, bucket_start, gate_id, entries, exits)"
                " SELECT organization_id, event_id, date_bin('1 hour', server_time, TIMESTAMPTZ '2000-01-01Z'),"
                " gate_id,"
                "  count(*) FILTER (WHERE direction = 'entry'), count(*) FILTER (WHERE direction = 'exit')"
                " FROM checkin_scan WHERE event_id = :e AND claim AND gate_id IS NOT NULL"
                "  AND server_time >= coalesce(CAST(:lo AS timestamptz), '-infinity') AND server_time < :hi"
                " GROUP BY 1, 2, 3, 4"
                " ON CONFLICT (event_id, bucket_start, gate_id) DO UPDATE SET"
                "  entries = dashboard_checkin_bucket.entries + EXCLUDED.entries,"
                "  exits = dashboard_checkin_bucket.exits + EXCLUDED.exits"
            ),
            {"e": event_id, "lo": checkin_until, "hi": boundary},
        )
        changed = True
    if changed:
        await conn.execute(
            text(
                "UPDATE dashboard_snapshot_state SET funnel_until = greatest(funnel_until, :b),"
                " checkin_until = greatest(checkin_until, :b), built_at = now() WHERE event_id = :e"
            ),
            {"e": event_id, "b": boundary},
        )
    return changed


# --- reading -----------------------------------------------------------------------------------
# One statement reads the state, the buckets and the raw tail, so it sees one consistent picture
# even while the builder commits.

FUNNEL_SQL = """
WITH bounds AS (
  SELECT CAST(:from_ AS timestamptz) AS from_, CAST(:to_ AS timestamptz) AS to_,
         CAST(:slo AS timestamptz) AS slo,
         greatest(CAST(:slo AS timestamptz), least(CAST(:shi AS timestamptz),
           coalesce((SELECT funnel_until FROM dashboard_snapshot_state WHERE event_id = :e), '-infinity'))) AS cut
),
parts AS (
  SELECT b.step, b.utm_source, b.events
  FROM dashboard_funnel_bucket b, bounds
  WHERE b.event_id = :e AND b.bucket_start >= bounds.slo AND b.bucket_start < bounds.cut
  UNION ALL
  SELECT s.step, r.utm_source, r.events
  FROM bounds, unnest(CAST(:steps AS text[])) AS s(step)
  CROSS JOIN LATERAL (
    SELECT coalesce(a.utm_source, '') AS utm_source, count(*) AS events FROM analytics_event a
    WHERE a.event_id = :e AND a.name = s.step AND (
      (a.occurred_at >= bounds.from_ AND a.occurred_at < least(bounds.to_, bounds.slo))
      OR (a.occurred_at >= greatest(bounds.from_, bounds.cut) AND a.occurred_at < bounds.to_))
    GROUP BY 1
  ) r
)
SELECT step, utm_source, sum(events)::bigint,
       (SELECT funnel_until FROM dashboard_snapshot_state WHERE event_id = :e)
FROM parts GROUP BY 1, 2
"""


def funnel_params(
    event_id: uuid.UUID, start: datetime | None, end: datetime | None, steps: list[str]
) -> dict[str, Any]:
    """Snapshot hours lie within [ceil(start), floor(end)); partial hours at the edges are raw."""
    far_past = datetime(1970, 1, 1, tzinfo=UTC)
    far_future = datetime(9999, 1, 1, tzinfo=UTC)
    from_ = start or far_past
    to_ = end or far_future
    return {
        "e": event_id,
        "from_": from_,
        "to_": to_,
        "slo": ceil_hour(from_),
        "shi": floor_hour(to_) if end else far_future,
        "steps": steps,
    }


CHECKIN_SQL = """
WITH st AS (
  SELECT coalesce((SELECT checkin_until FROM dashboard_snapshot_state WHERE event_id = :e), '-infinity') AS cut
)
SELECT b.bucket_start, b.gate_id, b.entries, b.exits, 0::bigint, 0::bigint, (SELECT cut FROM st)
FROM dashboard_checkin_bucket b, st WHERE b.event_id = :e AND b.bucket_start < st.cut
UNION ALL
SELECT date_bin('1 hour', s.server_time, TIMESTAMPTZ '2000-01-01 00:00:00+00'), s.gate_id,
       count(*) FILTER (WHERE s.direction = 'entry' AND s.server_time >= st.cut),
       count(*) FILTER (WHERE s.direction = 'exit' AND s.server_time >= st.cut),
       count(*) FILTER (WHERE s.direction = 'entry' AND s.offline_duplicate),
       count(*) FILTER (WHERE s.direction = 'exit' AND s.offline_duplicate),
       (SELECT cut FROM st)
FROM checkin_scan s, st
WHERE s.event_id = :e AND s.claim AND s.gate_id IS NOT NULL AND (s.server_time >= st.cut OR s.offline_duplicate)
GROUP BY 1, 2
"""
