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

from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.dashboards import queries

BUCKET = timedelta(hours=1)
SAFETY = timedelta(minutes=2)


def floor_hour(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(t: datetime) -> datetime:
    f = floor_hour(t)
    return f if f == t else f + BUCKET


async def safe_boundary(conn: AsyncConnection) -> datetime:
    """The latest instant that no open transaction can still insert rows before."""
    now, oldest = (await conn.execute(queries.SAFE_BOUNDARY)).one()
    limit = now if oldest is None else min(now, oldest)
    return limit - SAFETY  # not hour-aligned: the last bucket may be partial (see module docstring)


async def reset_event(conn: AsyncConnection, event_id: uuid.UUID) -> None:
    """Forget an event's snapshots (after a bulk import of back-dated rows); the next build
    recounts everything from the raw tables."""
    for statement in queries.RESET_EVENT:
        await conn.execute(statement, {"e": event_id})


async def build_event(conn: AsyncConnection, event_id: uuid.UUID, boundary: datetime) -> bool:
    """Extend one event's snapshots up to `boundary` (in the caller's transaction). Idempotent:
    only the hours between the stored `*_until` and `boundary` are added."""
    await conn.execute(queries.ENSURE_STATE, {"e": event_id})
    row = (await conn.execute(queries.LOCK_STATE, {"e": event_id})).one_or_none()
    if row is None:  # the event is gone
        return False
    funnel_until, checkin_until = row
    changed = False
    if funnel_until is None or funnel_until < boundary:
        await conn.execute(
            queries.ADD_FUNNEL_BUCKETS,
            {"e": event_id, "lo": funnel_until, "hi": boundary},
        )
        changed = True
    if checkin_until is None or checkin_until < boundary:
        await conn.execute(
            queries.ADD_CHECKIN_BUCKETS,
            {"e": event_id, "lo": checkin_until, "hi": boundary},
        )
        changed = True
    if changed:
        await conn.execute(queries.ADVANCE_STATE, {"e": event_id, "b": boundary})
    return changed


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
