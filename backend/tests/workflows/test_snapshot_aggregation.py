"""Snapshot plus live tail equals a raw recount: funnel and check-in figures, for ranges that cut
hours, rows exactly on the snapshot boundary, rows that arrive after the snapshot, and offline
duplicate flags that change after it. Also: the builder never snapshots past an open transaction.

Times are in the future (tomorrow) so the product's own cron job (which only snapshots up to the
present) cannot move this test's boundary; the builder is called directly with a chosen boundary.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import Setup, live_event, pair
from tests.conftest import Api, Stack, sign_up
from voelgoed.domain.analytics.models import FUNNEL_STEPS
from voelgoed.domain.dashboards import snapshots

SOURCES = [None, "facebook", "google", "newsletter"]


async def _insert_funnel(engine: AsyncEngine, setup: Setup, times: list[datetime]) -> None:
    rng = random.Random(len(times))
    rows = [
        {"o": setup.event.organization_id, "e": setup.event.event_id, "n": rng.choice(FUNNEL_STEPS),
         "s": f"sess{rng.randrange(50):04d}xxxxxxxxxxxx", "u": rng.choice(SOURCES), "t": t}
        for t in times
    ]  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO analytics_event (organization_id, event_id, name, session_id, utm_source, occurred_at)"
                " VALUES (:o, :e, :n, :s, :u, :t)"
            ),
            rows,
        )


async def _raw_funnel(engine: AsyncEngine, event_id: uuid.UUID, start: datetime | None, end: datetime | None) -> Any:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT coalesce(utm_source, ''), name, count(*) FROM analytics_event WHERE event_id = :e"
                " AND (CAST(:a AS timestamptz) IS NULL OR occurred_at >= :a)"
                " AND (CAST(:b AS timestamptz) IS NULL OR occurred_at < :b) GROUP BY 1, 2"
            ),
            {"e": event_id, "a": start, "b": end},
        )
        out: dict[str | None, list[int]] = {}
        for source, name, n in rows:
            out.setdefault(source or None, [0, 0, 0, 0])[FUNNEL_STEPS.index(name)] += int(n)
        return out


async def _api_funnel(api: Api, event_id: str, start: datetime | None, end: datetime | None) -> Any:
    params = {k: v.isoformat() for k, v in (("start", start), ("end", end)) if v is not None}
    r = await api.get(api.org(f"/events/{event_id}/funnel"), params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    by = {s["utm_source"]: [x["events"] for x in s["steps"]] for s in body["by_utm_source"]}
    total = [x["events"] for x in body["steps"]]
    return {k: v for k, v in by.items() if any(v)}, total, body["snapshot_until"]


async def _build(engine: AsyncEngine, setup: Setup, boundary: datetime) -> None:
    async with engine.begin() as conn:
        await snapshots.build_event(conn, setup.event.event_id, boundary)


async def test_funnel_snapshot_plus_tail_equals_raw_recount(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    setup = await live_event(client, engine, tickets=0)
    base = snapshots.floor_hour(datetime.now(UTC)) + timedelta(days=1)  # tomorrow, hour-aligned
    rng = random.Random(7)
    early = [base + timedelta(seconds=rng.randrange(0, 5 * 3600)) for _ in range(400)]
    boundary = base + timedelta(hours=3)
    early += [boundary - timedelta(microseconds=1), boundary, boundary, base]  # both sides of the boundary
    await _insert_funnel(engine, setup, early)
    await _build(engine, setup, boundary)
    # rows arriving after the snapshot (at and after its boundary, as the builder guarantees)
    late = [boundary, boundary + timedelta(minutes=1)] + [
        boundary + timedelta(seconds=rng.randrange(0, 4 * 3600)) for _ in range(150)
    ]
    await _insert_funnel(engine, setup, late)

    ranges: list[tuple[datetime | None, datetime | None]] = [
        (None, None),
        (base, boundary),
        (base + timedelta(minutes=17), boundary + timedelta(minutes=43)),
        (boundary, None),
        (boundary - timedelta(microseconds=1), boundary + timedelta(microseconds=1)),
        (None, base + timedelta(hours=1, minutes=30)),
        (base + timedelta(hours=1), base + timedelta(hours=2)),
        (boundary + timedelta(hours=1), boundary + timedelta(hours=2, minutes=5)),
    ]
    for start, end in ranges:
        by, total, until = await _api_funnel(client, setup.event_id, start, end)
        raw = await _raw_funnel(engine, setup.event.event_id, start, end)
        assert by == raw, (start, end)
        assert total == [sum(v[i] for v in raw.values()) for i in range(4)], (start, end)
        assert until is not None and datetime.fromisoformat(until) == boundary

    # the snapshot is really read: a raw row deleted from inside the snapshot still counts
    async with engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM analytics_event WHERE id = (SELECT min(id) FROM analytics_event WHERE event_id = :e"
                 " AND occurred_at < :b)"),
            {"e": setup.event.event_id, "b": boundary},
        )  # fmt: skip
    _, total, _ = await _api_funnel(client, setup.event_id, None, None)
    async with engine.connect() as conn:
        raw_total = (await conn.execute(text("SELECT count(*) FROM analytics_event WHERE event_id = :e"),
                                        {"e": setup.event.event_id})).scalar()  # fmt: skip
    assert sum(total) == int(raw_total or 0) + 1

    # building again up to the same boundary adds nothing; building further keeps the equality
    await _build(engine, setup, boundary)
    await _build(engine, setup, boundary + timedelta(hours=2))
    _, total2, until2 = await _api_funnel(client, setup.event_id, None, None)
    assert total2 == total and datetime.fromisoformat(until2) == boundary + timedelta(hours=2)

    # a boundary in the middle of an hour (the cron job's usual case): the last bucket is partial
    mid = boundary + timedelta(hours=2, minutes=17, seconds=3, microseconds=5)
    await _build(engine, setup, mid)
    await _insert_funnel(engine, setup, [mid, mid, mid + timedelta(seconds=1), mid + timedelta(minutes=50)])
    await _build(engine, setup, mid + timedelta(minutes=30))  # the same hour bucket grows
    await _insert_funnel(engine, setup, [mid + timedelta(minutes=30), mid + timedelta(hours=1)])
    async with engine.begin() as conn:  # undo the deletion's offset: reset and recount everything
        await snapshots.reset_event(conn, setup.event.event_id)
        await snapshots.build_event(conn, setup.event.event_id, mid)
    await _build(engine, setup, mid + timedelta(minutes=30))
    for start, end in [*ranges, (mid, None), (mid - timedelta(minutes=17), mid + timedelta(minutes=31)), (None, mid)]:
        by, _, until = await _api_funnel(client, setup.event_id, start, end)
        assert by == await _raw_funnel(engine, setup.event.event_id, start, end), (start, end)
        assert datetime.fromisoformat(until) == mid + timedelta(minutes=30)


async def _insert_scans(engine: AsyncEngine, setup: Setup, device_id: str, rows: list[tuple[Any, ...]]) -> None:
    values = [
        {"id": uuid.uuid4(), "o": setup.event.organization_id, "e": setup.event.event_id, "d": uuid.UUID(device_id),
         "g": uuid.UUID(gate), "dir": direction, "claim": claim, "dup": dup, "t": t, "c": uuid.uuid4()}
        for gate, direction, claim, dup, t in rows
    ]  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO checkin_scan (id, organization_id, event_id, device_id, gate_id, client_scan_id,"
                " direction,"
                " result, offline, claim, offline_duplicate, client_time, server_time, effective_time, clock_offset_ms)"
                " VALUES (:id, :o, :e, :d, :g, :c, :dir, CASE WHEN :claim THEN 'ok' ELSE 'already_redeemed' END,"
                " :dup, :claim, :dup, :t, :t, :t, 0)"
            ),
            values,
        )


async def _raw_occupancy(engine: AsyncEngine, event_id: uuid.UUID) -> dict[str, tuple[int, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT gate_id, count(*) FILTER (WHERE direction = 'entry'),"
                " count(*) FILTER (WHERE direction = 'exit')"
                " FROM checkin_scan WHERE event_id = :e AND claim AND NOT offline_duplicate GROUP BY 1"
            ),
            {"e": event_id},
        )
        return {str(g): (int(a), int(b)) for g, a, b in rows}


async def test_checkin_snapshot_plus_tail_equals_raw_recount(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    await sign_up(client)
    setup = await live_event(client, engine, tickets=0)
    device = await pair(client, stack.base_url, [setup.event_id])
    await device.aclose()
    base = snapshots.floor_hour(datetime.now(UTC)) + timedelta(days=1)
    boundary = base + timedelta(hours=2)
    rng = random.Random(3)
    gates = [g.id for g in setup.gates]

    def scans(n: int, lo: datetime, hi_seconds: int) -> list[tuple[Any, ...]]:
        return [
            (rng.choice(gates), rng.choice(["entry", "entry", "exit"]), rng.random() < 0.9, rng.random() < 0.05,
             lo + timedelta(seconds=rng.randrange(hi_seconds)))
            for _ in range(n)
        ]  # fmt: skip

    await _insert_scans(engine, setup, device.device_id, scans(300, base, 4 * 3600))  # type: ignore[attr-defined]
    await _insert_scans(engine, setup, device.device_id, [(gates[0], "entry", True, False, boundary)])  # type: ignore[attr-defined]
    await _build(engine, setup, boundary)
    await _insert_scans(engine, setup, device.device_id, scans(80, boundary, 3 * 3600))  # type: ignore[attr-defined]
    # offline conflict resolution flips flags of scans inside the snapshot, both ways
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE checkin_scan SET offline_duplicate = NOT offline_duplicate WHERE id IN (SELECT id FROM"
                 " checkin_scan WHERE event_id = :e AND claim AND server_time < :b ORDER BY id LIMIT 20)"),
            {"e": setup.event.event_id, "b": boundary},
        )  # fmt: skip

    d = (await client.get(client.org(f"/events/{setup.event_id}/dashboard"))).json()
    assert datetime.fromisoformat(d["snapshot"]["checkin_until"]) == boundary
    raw = await _raw_occupancy(engine, setup.event.event_id)
    got = {g["gate_id"]: (g["entries"], g["exits"]) for g in d["occupancy"]["gates"] if g["entries"] or g["exits"]}
    assert got == {k: v for k, v in raw.items() if v != (0, 0)}
    for g in d["occupancy"]["gates"]:
        assert g["inside"] == g["entries"] - g["exits"]
    assert d["occupancy"]["total"]["entries"] == sum(v[0] for v in raw.values())
    assert sum(b["entries"] for b in d["checkins_over_time"]) == sum(v[0] for v in raw.values())
    assert sum(b["exits"] for b in d["checkins_over_time"]) == sum(v[1] for v in raw.values())
    # the hour buckets match a raw recount by hour (Johannesburg is UTC+2: whole hours)
    async with engine.connect() as conn:
        hourly = {
            r[0]: (int(r[1]), int(r[2]))
            for r in await conn.execute(
                text(
                    "SELECT date_trunc('hour', server_time AT TIME ZONE 'UTC'), count(*) FILTER (WHERE direction ="
                    " 'entry'), count(*) FILTER (WHERE direction = 'exit') FROM checkin_scan"
                    " WHERE event_id = :e AND claim AND NOT offline_duplicate GROUP BY 1"
                ),
                {"e": setup.event.event_id},
            )
        }
    got_hourly = {
        datetime.fromisoformat(b["start"]).astimezone(UTC).replace(tzinfo=None): (b["entries"], b["exits"])
        for b in d["checkins_over_time"]
    }
    assert got_hourly == {k: v for k, v in hourly.items() if v != (0, 0)}


async def test_builder_waits_for_open_transactions(engine: AsyncEngine) -> None:
    """A transaction that started before the boundary could still commit rows before it."""
    async with engine.connect() as holder:
        await holder.execute(text("SELECT 1"))  # opens a transaction (xact_start = now)
        started = (await holder.execute(text("SELECT now()"))).scalar()
        assert isinstance(started, datetime)
        async with engine.connect() as conn:
            boundary = await snapshots.safe_boundary(conn)
        assert boundary <= started - snapshots.SAFETY
        await holder.rollback()


async def test_the_worker_cron_job_builds_snapshots(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    """The product's own SAQ job (run on demand here instead of waiting for the minute)."""
    from voelgoed.worker import make_queue

    await sign_up(client)
    setup = await live_event(client, engine, tickets=0)
    now = datetime.now(UTC)
    await _insert_funnel(engine, setup, [now - timedelta(minutes=m) for m in range(5, 300, 7)])
    queue = make_queue(stack.redis_url)
    await queue.connect()
    try:
        await queue.apply("build_dashboard_snapshots", timeout=60)
    finally:
        await queue.disconnect()
    by, _, until = await _api_funnel(client, setup.event_id, None, None)
    assert until is not None and now - timedelta(minutes=3) < datetime.fromisoformat(until) <= now
    async with engine.connect() as conn:
        in_buckets = (
            await conn.execute(
                text("SELECT coalesce(sum(events), 0) FROM dashboard_funnel_bucket WHERE event_id = :e"),
                {"e": setup.event.event_id},
            )
        ).scalar()
    assert int(in_buckets or 0) == 43  # every row older than the boundary is in a bucket
    assert by == await _raw_funnel(engine, setup.event.event_id, None, None)
