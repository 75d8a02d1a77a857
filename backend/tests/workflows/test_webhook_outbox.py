"""The outbox survives a worker killed mid-run and a Redis that lost everything.

An outbox of its own (voelgoed/testing/webhook_outbox.py: embedded PostgreSQL and Redis in a temp
folder, so the product under test's worker delivers nothing here): N events to two endpoints, a
real `voelgoed worker` process killed with SIGKILL while it delivers, Redis flushed, a second
worker started. Every event reaches each endpoint, verified by the Standard Webhooks reference
implementation; a duplicate is only ever the same `webhook-id` to the same endpoint again.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from standardwebhooks import Webhook

from voelgoed.testing.webhook_outbox import Outbox
from voelgoed.testing.webhook_receivers import Receiver

EVENTS = 400
WORKER_ENV = {"WEBHOOKS_TIMEOUT_SECONDS": "1", "WEBHOOKS_BATCH_SIZE": "10", "WEBHOOKS_CONCURRENCY": "20"}


async def wait_until(check, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_every_event_arrives_across_a_worker_kill_and_a_redis_flush() -> None:
    folder = Path(tempfile.mkdtemp(prefix="vg-outbox-"))
    outbox = await Outbox.start(folder)
    receivers = [await Receiver(delay=0.01).start() for _ in range(2)]
    try:
        secrets = {}
        for r in receivers:
            _, secrets[r.port] = await outbox.add_endpoint(r.url)
        event_ids = await outbox.record(EVENTS)
        total = EVENTS * len(receivers)
        first = outbox.start_worker(WORKER_ENV)

        async def some_arrived() -> bool:
            return sum(r.count for r in receivers) >= total // 4

        assert await wait_until(some_arrived, 60), (folder / "worker-0.log").read_text()[-3000:]
        first.kill()  # SIGKILL: no shutdown, leases left behind
        first.wait()
        at_kill = sum(r.count for r in receivers)
        assert at_kill < total, "the worker finished before it was killed: nothing was tested"
        await outbox.flush_redis()
        outbox.start_worker(WORKER_ENV)

        async def all_succeeded() -> bool:
            return (await outbox.counts()).get("succeeded", 0) == total

        assert await wait_until(all_succeeded, 90), await outbox.counts()
        wanted = {f"msg_{e.hex}" for e in event_ids}
        for r in receivers:
            seen = Counter(got.headers["webhook-id"] for got in r.requests)
            assert set(seen) == wanted  # every event, nothing else
            for got in r.requests:
                Webhook(secrets[r.port]).verify(got.body, got.headers)
        duplicates = sum(sum(Counter(g.headers["webhook-id"] for g in r.requests).values()) for r in receivers) - total
        print(f"\n{total} deliveries, {at_kill} before the kill, {duplicates} sent twice (same webhook-id)")
    finally:
        for r in receivers:
            await r.stop()
        await outbox.stop()
        shutil.rmtree(folder, ignore_errors=True)
