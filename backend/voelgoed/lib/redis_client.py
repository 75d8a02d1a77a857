"""The API's Redis: a short timeout on every call, and a circuit breaker so that an outage costs a
request at most one timeout and, for a few seconds after a failure, none at all.

PostgreSQL is the authority; Redis only accelerates (caches, rate-limit counters, the job queue).
So on a request path every Redis call is bounded by `REDIS_REQUEST_TIMEOUT_MS` and, once one has
failed, skipped for `REDIS_BREAKER_SECONDS` (then one call probes; the rest keep skipping until it
answers). A skipped or failed call raises `RedisUnavailable`, a `redis.exceptions.ConnectionError`:
the callers' existing `except RedisError` fallbacks (rate limits fail open, caches recompute from
PostgreSQL) apply unchanged. The breaker is per process and kept in memory: losing it (a restart)
only means one more timeout. The outage is logged once per minute, not once per request.

Jobs enqueued by a request after its commit go through `DeferringQueue`: when Redis does not take
the job, it is kept in this process and handed to Redis when Redis answers again, and the response
does not wait. Kept jobs are lost if the process stops first; the work they stand for is then found
again from PostgreSQL (ticket e-mails: the `redeliver_missed_tickets` sweep; exports:
`requeue_stalled_exports`).

The worker keeps its own patient client (`worker.make_queue`): it has no request waiting on it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from saq.job import Job
from saq.queue.redis import RedisQueue

log = logging.getLogger(__name__)
T = TypeVar("T")

WARN_EVERY_SECONDS = 60.0
MAX_KEPT_JOBS = 10_000  # beyond this the oldest kept job is dropped (PostgreSQL still knows the work)


class RedisUnavailable(RedisConnectionError):
    """Redis did not answer in time, refused, or is being skipped after a recent failure."""


class RedisBreaker:
    """Per-process circuit breaker with a per-call timeout. `call` runs one Redis operation."""

    def __init__(self, timeout_seconds: float, cooldown_seconds: float) -> None:
        self.timeout = timeout_seconds
        self.cooldown = cooldown_seconds
        self._open_until = 0.0  # 0: closed (Redis answered last time)
        self._warned_at = -WARN_EVERY_SECONDS

    def _allow(self) -> bool:
        if self._open_until == 0.0:
            return True
        now = time.monotonic()
        if now < self._open_until:
            return False
        # The cool-down is over: this call probes, the others keep skipping until it is back.
        self._open_until = now + self.cooldown
        return True

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        newly = self._open_until == 0.0
        self._open_until = now + self.cooldown
        if newly or now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning(
                "Redis unavailable (%s); requests go on without it, retrying every %.0f s",
                type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}",
                self.cooldown,
            )

    def _answered(self) -> None:
        if self._open_until != 0.0:
            self._open_until = 0.0
            log.warning("Redis answers again")

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        if not self._allow():
            raise RedisUnavailable("Redis skipped after a recent failure")
        try:
            async with asyncio.timeout(self.timeout):
                result = await operation()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:  # TimeoutError is an OSError
            self._failed(exc)
            raise RedisUnavailable(str(exc) or type(exc).__name__) from exc
        except RedisError:  # an error reply (e.g. NOSCRIPT after a restart): Redis did answer
            self._answered()
            raise
        self._answered()
        return result


class GuardedPipeline(Pipeline):
    breaker: RedisBreaker

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        parent = super().execute
        try:
            return await self.breaker.call(lambda: parent(raise_on_error))
        except RedisUnavailable:
            await self.reset()  # drop the queued commands and give the connection back
            raise


class GuardedRedis(Redis):
    """A redis-py client whose every command and pipeline goes through a `RedisBreaker`."""

    breaker: RedisBreaker

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        parent = super().execute_command
        return await self.breaker.call(lambda: parent(*args, **options))

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> GuardedPipeline:
        pipe = GuardedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.breaker = self.breaker
        return pipe


def make_request_redis(url: str, breaker: RedisBreaker) -> GuardedRedis:
    """A client for request paths: socket timeouts as short as the breaker's, no retries (the
    breaker decides when to try again)."""
    client = GuardedRedis.from_url(
        url,
        socket_timeout=breaker.timeout,
        socket_connect_timeout=breaker.timeout,
        retry=Retry(NoBackoff(), 0),
    )
    assert isinstance(client, GuardedRedis)  # from_url builds `cls`
    client.breaker = breaker
    return client


class DeferringQueue(RedisQueue):
    """The API's SAQ queue: an enqueue Redis does not take is kept and handed over later, so the
    response (whose transaction has committed) never waits for Redis."""

    def __init__(self, redis: GuardedRedis, name: str) -> None:
        super().__init__(redis, name=name)
        self.breaker = redis.breaker
        self.kept: deque[Job] = deque(maxlen=MAX_KEPT_JOBS)
        self._hand_over: asyncio.Task[None] | None = None

    async def _enqueue(self, job: Job) -> Job | None:
        try:
            return await super()._enqueue(job)
        except RedisUnavailable:
            if len(self.kept) == self.kept.maxlen:
                log.warning("dropping kept job %s: too many kept while Redis is away", self.kept[0].key)
            self.kept.append(job)
            log.info("Redis unavailable: keeping job %s to enqueue later", job.key)
            if self._hand_over is None or self._hand_over.done():
                # A fresh context: the task outlives this request (and must not log its id).
                self._hand_over = asyncio.create_task(self._hand_over_kept(), context=contextvars.Context())
            return job

    async def _hand_over_kept(self) -> None:
        """Every cool-down, try to give the kept jobs to Redis (oldest first); stop when all are in."""
        while self.kept:
            await asyncio.sleep(self.breaker.cooldown)
            while self.kept:
                job = self.kept[0]
                try:
                    await super()._enqueue(job)
                except RedisUnavailable:
                    break
                except Exception:  # a job Redis refuses for another reason would block the rest
                    log.exception("could not enqueue kept job %s; dropping it", job.key)
                self.kept.popleft()
        log.info("kept jobs handed to Redis")

    async def disconnect(self) -> None:
        if self._hand_over is not None:
            self._hand_over.cancel()
        if self.kept:
            log.warning("%d kept jobs not enqueued at shutdown; PostgreSQL sweeps find the owed work", len(self.kept))
        await super().disconnect()
