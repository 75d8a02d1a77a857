"""The dashboards' hand-written SQL (docs/architecture.md "Database access").

Every statement here is keyed by one event id that the caller has already loaded through the
tenant-scoped ORM (or, in the snapshot job, that the job read from `event` itself), except the
organisation overview, which filters by `organization_id`.
"""

from __future__ import annotations

from sqlalchemy import text

# --- building (snapshots.py, jobs.py) ----------------------------------------------------------

# Events still selling or checking in (and any never snapshotted): a system job over all tenants.
EVENTS_TO_BUILD = text(
    "SELECT e.id FROM event e LEFT JOIN dashboard_snapshot_state s ON s.event_id = e.id"
    " WHERE s.event_id IS NULL OR e.ends_at > now() - interval '30 days' ORDER BY e.id"
)

SAFE_BOUNDARY = text(
    "SELECT now(), (SELECT min(xact_start) FROM pg_stat_activity"
    " WHERE datname = current_database() AND backend_type = 'client backend'"
    " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)"
)

RESET_EVENT = (
    text("DELETE FROM dashboard_funnel_bucket WHERE event_id = :e"),
    text("DELETE FROM dashboard_checkin_bucket WHERE event_id = :e"),
    text("DELETE FROM dashboard_snapshot_state WHERE event_id = :e"),
)

ENSURE_STATE = text(
    "INSERT INTO dashboard_snapshot_state (event_id, organization_id, built_at)"
    " SELECT id, organization_id, now() FROM event WHERE id = :e ON CONFLICT (event_id) DO NOTHING"
)

LOCK_STATE = text("SELECT funnel_until, checkin_until FROM dashboard_snapshot_state WHERE event_id = :e FOR UPDATE")

ADD_FUNNEL_BUCKETS = text(
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
)

ADD_CHECKIN_BUCKETS = text(
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
)

ADVANCE_STATE = text(
    "UPDATE dashboard_snapshot_state SET funnel_until = greatest(funnel_until, :b),"
    " checkin_until = greatest(checkin_until, :b), built_at = now() WHERE event_id = :e"
)

# --- reading (services.py) ---------------------------------------------------------------------
# One statement reads the state, the buckets and the raw tail, so it sees one consistent picture
# even while the builder commits (snapshots.py explains the boundary).

FUNNEL = text(
    """
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
)

CHECKIN = text(
    """
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
)

FUNNEL_UNTIL = text("SELECT funnel_until FROM dashboard_snapshot_state WHERE event_id = :e")
CHECKIN_UNTIL = text("SELECT checkin_until FROM dashboard_snapshot_state WHERE event_id = :e")

# The last column: what the type's shared quota still has (NULL without one; docs/inventory.md).
TICKET_TYPES = text(
    "SELECT t.id, t.name, t.quantity, t.sold, t.reserved, q.capacity - q.reserved - q.sold"
    " FROM ticket_type t LEFT JOIN ticket_quota q ON q.id = t.quota_id"
    " WHERE t.event_id = :e ORDER BY t.sort_order, t.name"
)

# Grouped by UTC quarter-hour; services.py puts the few groups into local hours/days.
SALES = text(
    "SELECT date_bin('15 minutes', paid_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), count(*),"
    " sum(total_cents), sum(fees_cents), sum(vat_cents)"
    " FROM ticket_order WHERE event_id = :e AND status = 'paid' GROUP BY 1"
)

OVERVIEW_TYPES = text(
    "SELECT event_id, sum(sold), sum(quantity) FROM ticket_type WHERE organization_id = :o GROUP BY 1"
)
OVERVIEW_GROSS = text(
    "SELECT event_id, sum(total_cents) FROM ticket_order WHERE organization_id = :o AND status = 'paid' GROUP BY 1"
)
OVERVIEW_CHECKED_IN = text(
    "SELECT event_id, count(*) FROM ticket_checkin_state WHERE organization_id = :o AND entries > 0 GROUP BY 1"
)

CHANGE_TOKEN = text(
    "SELECT (SELECT array_agg(sold ORDER BY id) FROM ticket_type WHERE event_id = :e),"
    " (SELECT array_agg(reserved ORDER BY id) FROM ticket_type WHERE event_id = :e),"
    " (SELECT max(seq) FROM checkin_scan WHERE event_id = :e),"
    " (SELECT built_at FROM dashboard_snapshot_state WHERE event_id = :e)"
)
