"""The compose topology without Docker (infra/local/topology.py): 2 API processes and 2 workers
behind PgBouncer in transaction pooling mode, with Debian's PostgreSQL, PgBouncer and Redis
(installed by the topology when missing and we are root, as on a fresh CI machine).

What must hold when there is more than one process (docs/operations.md, "Many processes"):
a flash sale spread over both API processes sells exactly the tickets there are; one
Idempotency-Key sent to both at once makes one order; a watcher of a live stream on one process
sees a sale made on the other, without polling PostgreSQL; each cron job runs once per tick across
both workers, even when its tick is enqueued twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from croniter import croniter
from saq import Job

from voelgoed.lib.live import APP_NAME
from voelgoed.worker import CRON_JOBS, make_queue

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "infra" / "local"))
from topology import Topology

pytestmark = pytest.mark.multiprocess

TICKETS = 60
BUYERS = 150
SSE = {"Accept": "text/event-stream"}


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    # durable=False: fsync off, for a CI-sized run (never for published figures).
    running = Topology(apis=2, workers=2, durable=False, env={"LOG_LEVEL": "INFO"}).start()
    try:
        yield running
    finally:
        running.stop()
        if os.environ.get("VG_KEEP_TEST_DATA"):  # keep the processes' logs to debug a failure
            print(f"\ntopology kept in {running.directory}")
        else:
            shutil.rmtree(running.directory, ignore_errors=True)


async def organiser(base: str) -> tuple[httpx.AsyncClient, str]:
    api = httpx.AsyncClient(base_url=base, timeout=30)
    r = await api.post(
        "/api/auth/sign-up",
        json={
            "email": f"mp-{uuid.uuid4().hex[:8]}@example.co.za",
            "password": "multi-process-123",
            "name": "Multi",
            "organization_name": "Multi Process",
        },
    )
    r.raise_for_status()
    api.headers["X-CSRF-Token"] = api.cookies["vg_csrf"]
    return api, str(r.json()["memberships"][0]["organization_id"])


async def published_event(api: httpx.AsyncClient, org: str, tickets: int) -> dict[str, str]:
    venue = await api.post(
        f"/api/organizations/{org}/venues", json={"name": "Hall", "address_line1": "1 Main Rd", "city": "Cape Town"}
    )
    venue.raise_for_status()
    start = (datetime.now() + timedelta(days=10)).replace(microsecond=0)
    event = await api.post(
        f"/api/organizations/{org}/events",
        json={
            "name": f"Flash {uuid.uuid4().hex[:6]}",
            "venue_id": venue.json()["id"],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "capacity": tickets,
        },
    )
    event.raise_for_status()
    (await api.post(f"/api/organizations/{org}/events/{event.json()['id']}/publish")).raise_for_status()
    tt = await api.post(
        f"/api/organizations/{org}/events/{event.json()['id']}/ticket-types",
        json={"name": "General", "price_cents": 10000, "quantity": tickets, "max_per_order": 4},
    )
    tt.raise_for_status()
    return {"org": org, "event_id": event.json()["id"], "slug": event.json()["slug"], "type_id": tt.json()["id"]}


def reservation(ev: dict[str, str], quantity: int = 1) -> dict[str, Any]:
    return {"items": [{"ticket_type_id": ev["type_id"], "quantity": quantity}]}


async def counters(topology: Topology, ev: dict[str, str]) -> dict[str, int]:
    conn = await asyncpg.connect(topology.direct_url)
    try:
        row = await conn.fetchrow(
            "SELECT quantity, reserved, sold FROM ticket_type WHERE id = $1", uuid.UUID(ev["type_id"])
        )
        in_orders = await conn.fetchval(
            "SELECT coalesce(sum(l.quantity), 0) FROM order_line l JOIN ticket_order o ON o.id = l.order_id"
            " WHERE l.ticket_type_id = $1 AND o.status IN ('reserved', 'awaiting_payment', 'paid')",
            uuid.UUID(ev["type_id"]),
        )
    finally:
        await conn.close()
    return {"quantity": row["quantity"], "held": row["reserved"] + row["sold"], "in_orders": int(in_orders)}


async def test_a_flash_sale_over_both_api_processes_sells_exactly_the_tickets_there_are(topology: Topology) -> None:
    api, org = await organiser(topology.api_urls[0])
    ev = await published_event(api, org, TICKETS)
    await api.aclose()
    path = f"/api/public/events/{ev['slug']}/reservations"
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(timeout=60, limits=limits) as buyers:

        async def buy(i: int) -> tuple[int, int]:
            process = i % 2
            r = await buyers.post(topology.api_urls[process] + path, json=reservation(ev))
            return process, r.status_code

        outcomes = await asyncio.gather(*(buy(i) for i in range(BUYERS)))
    by_status = Counter(status for _, status in outcomes)
    assert by_status == {201: TICKETS, 409: BUYERS - TICKETS}, by_status
    # Both processes sold: the sale really was spread over them.
    assert {process for process, status in outcomes if status == 201} == {0, 1}
    figures = await counters(topology, ev)
    assert figures == {"quantity": TICKETS, "held": TICKETS, "in_orders": TICKETS}  # oversold 0


async def test_one_idempotency_key_sent_to_both_processes_at_once_makes_one_order(topology: Topology) -> None:
    api, org = await organiser(topology.api_urls[1])
    ev = await published_event(api, org, 100)
    await api.aclose()
    path = f"/api/public/events/{ev['slug']}/reservations"
    keys = [f"mp-{uuid.uuid4().hex}" for _ in range(8)]
    async with httpx.AsyncClient(timeout=60) as buyers:

        async def reserve(base: str, key: str) -> httpx.Response:
            return await buyers.post(base + path, json=reservation(ev, 2), headers={"Idempotency-Key": key})

        answers = await asyncio.gather(*(reserve(base, key) for key in keys for base in topology.api_urls))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers if a.status_code >= 300]
    for i in range(len(keys)):
        first, second = answers[2 * i], answers[2 * i + 1]
        assert first.json()["reference"] == second.json()["reference"]
    figures = await counters(topology, ev)
    assert figures["in_orders"] == figures["held"] == 2 * len(keys)


async def _next_summary(lines: AsyncIterator[str]) -> dict[str, Any]:
    event = None
    async for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "summary":
            return dict(json.loads(line.split(":", 1)[1]))
    raise AssertionError("the stream ended")


async def change_token_reads(topology: Topology) -> int:
    """How often PostgreSQL ran the live streams' change-token query (pg_stat_statements)."""
    conn = await asyncpg.connect(topology.direct_url)
    try:
        calls = await conn.fetchval(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '%array_agg(sold ORDER BY id)%'"
        )
    finally:
        await conn.close()
    return int(calls)


async def test_a_watcher_on_one_process_sees_a_sale_made_on_the_other_without_polling(topology: Topology) -> None:
    first, second = topology.api_urls
    api, org = await organiser(first)
    ev = await published_event(api, org, 50)
    url = f"/api/organizations/{org}/events/{ev['event_id']}/dashboard/stream"
    watchers = 20
    async with EventStreams(api, url, watchers) as responses:
        streams = [r.aiter_lines() for r in responses]  # one line reader per stream, kept
        summaries = await asyncio.wait_for(asyncio.gather(*(_next_summary(s) for s in streams)), 15)
        assert all(s["available"] == 50 for s in summaries)
        # Quiet: 20 watchers open and nothing sold. Polling (the old way) read the figures every 2 s
        # per watcher; now nothing is read until PostgreSQL says something changed.
        await asyncio.sleep(1)
        before = await change_token_reads(topology)
        await asyncio.sleep(4)
        assert await change_token_reads(topology) - before == 0
        # A sale on the other process reaches every watcher on this one.
        sold_at = time.monotonic()
        async with httpx.AsyncClient(base_url=second, timeout=30) as buyer:
            r = await buyer.post(f"/api/public/events/{ev['slug']}/reservations", json=reservation(ev, 3))
            assert r.status_code == 201, r.text
        updates = await asyncio.wait_for(asyncio.gather(*(_next_summary(s) for s in streams)), 5)
        latency = time.monotonic() - sold_at
        assert all(u["available"] == 47 for u in updates), [u["available"] for u in updates]
        # One change: the watchers of this process shared one read of it.
        assert await change_token_reads(topology) - before <= 2
    await api.aclose()
    assert latency < 5


async def listeners(topology: Topology, *, terminate: bool = False) -> int:
    """The API processes' LISTEN connections (lib/live.py names them); `terminate`: cut them."""
    conn = await asyncpg.connect(topology.direct_url)
    try:
        if terminate:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", APP_NAME
            )
        return int(await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", APP_NAME))
    finally:
        await conn.close()


async def test_a_watcher_keeps_seeing_sales_when_its_process_loses_the_listen_connection(topology: Topology) -> None:
    first, second = topology.api_urls
    api, org = await organiser(first)
    ev = await published_event(api, org, 50)
    url = f"/api/organizations/{org}/events/{ev['event_id']}/dashboard/stream"
    # One watcher on each process (each process starts listening with its first watcher).
    async with EventStreams(api, url, 1) as responses, EventStreams(api, second + url, 1) as others:
        stream, other = responses[0].aiter_lines(), others[0].aiter_lines()
        assert (await asyncio.wait_for(_next_summary(stream), 15))["available"] == 50
        assert (await asyncio.wait_for(_next_summary(other), 15))["available"] == 50
        await until_listening(topology)  # one per API process
        await listeners(topology, terminate=True)
        async with httpx.AsyncClient(base_url=second, timeout=30) as buyer:
            r = await buyer.post(f"/api/public/events/{ev['slug']}/reservations", json=reservation(ev, 2))
            assert r.status_code == 201, r.text
        # Polling while the listener is down, or the re-read when it is back: within seconds.
        updates = await asyncio.wait_for(asyncio.gather(_next_summary(stream), _next_summary(other)), 10)
        assert [u["available"] for u in updates] == [48, 48]
    await api.aclose()
    await until_listening(topology)  # both listen again


async def until_listening(topology: Topology, within: float = 15) -> None:
    """Each API process has its LISTEN connection (it connects when its first watcher comes)."""
    deadline = time.monotonic() + within
    while await listeners(topology) < len(topology.api_urls) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert await listeners(topology) == len(topology.api_urls)


class EventStreams:
    """`count` event streams of `url`, opened by one organiser's client, closed together."""

    def __init__(self, api: httpx.AsyncClient, url: str, count: int) -> None:
        self.openers = [api.stream("GET", url, headers=SSE) for _ in range(count)]

    async def __aenter__(self) -> list[httpx.Response]:
        responses = await asyncio.gather(*(o.__aenter__() for o in self.openers))
        assert all(r.status_code == 200 for r in responses)
        return list(responses)

    async def __aexit__(self, *exc: object) -> None:
        for opener in self.openers:
            await opener.__aexit__(None, None, None)


CRON_LINE = re.compile(r"cron (\w+) tick (\S+): (run|already run, skipped)")


def cron_lines(topology: Topology, tick: datetime) -> Counter[tuple[str, str]]:
    seen: Counter[tuple[str, str]] = Counter()
    for worker in ("worker-1", "worker-2"):
        for match in CRON_LINE.finditer(topology.log(worker).read_text()):
            if match.group(2) == tick.isoformat():
                seen[(match.group(1), match.group(3))] += 1
    return seen


async def test_each_cron_job_runs_once_per_tick_across_both_workers(topology: Topology) -> None:
    now = datetime.now(UTC)
    tick = croniter("* * * * *", now + timedelta(seconds=8)).get_next(datetime)  # >= 8 s to enqueue
    due = {cron.function.__qualname__ for cron in CRON_JOBS if croniter.match(cron.cron, tick)}
    assert {"release_expired_holds", "build_dashboard_snapshots", "sweep_refunds"} <= due
    # Each due job enqueued a second time for the same tick, as a scheduler with a slow clock or a
    # Redis that forgot the first would: SAQ runs both; PostgreSQL's claim lets one body run.
    queue = make_queue(topology.redis_url)
    await queue.connect()
    try:
        for name in due:
            await queue.enqueue(Job(function=name, key=f"again:{name}:{tick:%H%M}", scheduled=int(tick.timestamp())))
    finally:
        await queue.disconnect()
    # Generous: on a loaded 2-core CI machine every due job (nine of them, each enqueued twice) waits
    # for a worker slot; what is tested is that each body runs once, not how soon.
    deadline = time.monotonic() + (tick - now).total_seconds() + 150
    while time.monotonic() < deadline:
        seen = cron_lines(topology, tick)
        if all(seen[(name, "run")] and seen[(name, "already run, skipped")] for name in due):
            break
        await asyncio.sleep(1)
    await asyncio.sleep(2)  # a late second run would show now
    seen = cron_lines(topology, tick)
    assert {name: seen[(name, "run")] for name in due} == dict.fromkeys(due, 1), seen
    assert {name: seen[(name, "already run, skipped")] for name in due} == dict.fromkeys(due, 1), seen
    conn = await asyncpg.connect(topology.direct_url)
    try:
        claimed = await conn.fetch("SELECT job, count(*) AS n FROM cron_tick WHERE tick = $1 GROUP BY job", tick)
    finally:
        await conn.close()
    assert {r["job"]: r["n"] for r in claimed} == dict.fromkeys(due, 1)
