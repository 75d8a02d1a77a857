"""Jobs get their database, Redis and queue from the worker's context (voelgoed/worker_context.py),
made once when the worker starts: no job module makes an engine of its own.

The first test reads the package's source; the others run the worker's real start-up and jobs
against the session's PostgreSQL and Redis.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from saq import Worker
from sqlalchemy import event, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import voelgoed
from tests.api.test_ticket_delivery import job_result, paid_order, published_event, worker_env  # noqa: F401
from tests.conftest import Api, Stack, reset_state, wait_for_mail
from voelgoed.domain.orders.models import Order
from voelgoed.domain.tickets.jobs import delivery_job_key
from voelgoed.settings import load_settings
from voelgoed.worker import make_queue, worker_settings

PACKAGE = Path(voelgoed.__file__).parent
# The only modules that may make an engine: the pools' factory, and the CLI's one-off seeding.
ENGINE_MAKERS = {"db/pool.py", "seed.py"}


def test_only_the_pool_factory_creates_engines() -> None:
    makers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bcreate_async_engine\(|\bcreate_engine\(", path.read_text())
    }
    assert makers <= ENGINE_MAKERS, f"engines made outside db/pool.py: {sorted(makers - ENGINE_MAKERS)}"


@pytest.fixture
async def clean_state(engine: AsyncEngine, redis: Redis, stack: Stack) -> AsyncIterator[None]:
    yield
    await reset_state(engine, redis, stack.redis_url)


@pytest.fixture
def engines_used() -> Iterator[set[Engine]]:
    """Every engine that opens a connection in this process while the test runs."""
    used: set[Engine] = set()

    def on_connect(conn: Connection) -> None:
        used.add(conn.engine)

    event.listen(Engine, "engine_connect", on_connect)
    yield used
    event.remove(Engine, "engine_connect", on_connect)


async def test_jobs_use_the_engine_made_at_worker_start_up(
    client: Api,
    engine: AsyncEngine,
    stack: Stack,
    worker_env: None,  # noqa: F811
    engines_used: set[Engine],
    clean_state: None,
) -> None:
    queue = make_queue(stack.redis_url)
    worker = Worker(**worker_settings(queue, load_settings()))  # worker_env set the URLs
    assert worker.startup is not None
    for startup in worker.startup:
        await startup(worker.context)
    ctx: Any = worker.context
    try:
        from voelgoed.domain.dashboards.jobs import build_dashboard_snapshots
        from voelgoed.domain.orders.jobs import release_expired_holds
        from voelgoed.domain.tickets.jobs import deliver_order_tickets, redeliver_missed_tickets

        event_ = await published_event(client)
        order, _ = await paid_order(engine, event_, client.org_id, [1])
        for _ in range(2):  # a second run reuses what the first used
            await release_expired_holds({**ctx, "job": None})
            await build_dashboard_snapshots({**ctx, "job": None})
            await redeliver_missed_tickets({**ctx, "job": None})
            await deliver_order_tickets({**ctx, "job": None}, order_id=str(order.id))
        assert ctx["queue"] is queue  # the worker's own queue, for jobs that enqueue
        job_engines = engines_used - {engine.sync_engine}  # the test's own engine set the data up
        assert job_engines == {ctx["voelgoed"].engine.sync_engine}
    finally:
        await worker.shutdown(worker.context)  # type: ignore[operator]
        await queue.disconnect()
    assert "voelgoed" not in worker.context  # disposed at shutdown


async def test_the_product_worker_runs_the_redelivery_sweep(
    client: Api, engine: AsyncEngine, stack: Stack, clean_state: None
) -> None:
    """The sweep enqueues through the worker's queue; run by the product's own worker (not called
    in this process), so the queue must come from the worker's context."""
    event_ = await published_event(client)
    lost, _ = await paid_order(engine, event_, client.org_id, [1])
    async with AsyncSession(engine) as db, db.begin():
        paid_at = datetime.now(UTC) - timedelta(minutes=10)
        await db.execute(update(Order).where(Order.id == lost.id).values(paid_at=paid_at))
    queue = make_queue(stack.redis_url)
    await queue.connect()
    try:
        assert await queue.apply("redeliver_missed_tickets", timeout=60) == 1
        await wait_for_mail(stack, lost.buyer_email or "", subject_contains=lost.reference)
        assert await job_result(queue, delivery_job_key(lost.id)) == "sent"
    finally:
        await queue.disconnect()
