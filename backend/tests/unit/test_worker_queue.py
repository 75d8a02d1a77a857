"""The worker's queue never leaves a job stranded between Redis and the worker.

A worker waits for jobs with BLMOVE. If the client's read times out while BLMOVE is still blocked
in Redis, redis-py retries it on a new connection; a job Redis handed to the old connection in that
instant sits in SAQ's active list, never run. With redis-py's 5 s default read timeout and SAQ's
default (block forever), an invitation e-mail went missing in CI about once a run. The worker now
asks Redis to give up first (worker_context.DEQUEUE_TIMEOUT_SECONDS).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from saq import Worker

from tests.conftest import Stack
from voelgoed.settings import load_settings
from voelgoed.worker import make_queue, worker_settings


def read_timeout_of(queue: Any) -> float:
    """The read timeout of the queue's connections: set by us or by redis-py's default."""
    timeout: float = queue.redis.connection_pool.make_connection().socket_timeout
    return timeout


async def test_an_idle_dequeue_ends_in_redis_before_the_client_read_times_out(stack: Stack) -> None:
    queue = make_queue(stack.redis_url, name=f"test-{uuid.uuid4().hex[:8]}")  # not the product's
    worker = Worker(**worker_settings(queue, load_settings()))  # the product's worker settings
    read_timeout = read_timeout_of(queue)
    assert read_timeout, "the worker's Redis client reads without a timeout"
    await queue.connect()
    try:
        started = time.monotonic()
        # Longer than the read timeout: a dequeue that outlives it is the bug, however it ends.
        job = await asyncio.wait_for(queue.dequeue(timeout=worker.dequeue_timeout), read_timeout + 3)
        waited = time.monotonic() - started
        assert job is None
        assert waited < read_timeout / 2, f"an empty dequeue took {waited:.1f}s (read timeout {read_timeout}s)"

        # And a job enqueued meanwhile is still handed over: what the product relies on.
        await queue.enqueue("send_email", key="probe", to="x@example.co.za")
        got = await asyncio.wait_for(queue.dequeue(timeout=worker.dequeue_timeout), read_timeout)
        assert got is not None and got.key == "probe"
    finally:
        await queue.disconnect()
