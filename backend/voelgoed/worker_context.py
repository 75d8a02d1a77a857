"""What every job works with, made once when the worker starts and handed to jobs by SAQ's context.

SAQ calls `startup(ctx)` before the first job and `shutdown(ctx)` after the last; every job then
gets that same `ctx` (plus its `job`). At start-up the worker makes one `JobResources`: the engine
(its pool sized for the worker's concurrency, db/pool.py), a session factory on it, one Redis
client for caches, and the worker's own queue for jobs that enqueue others. Jobs take them with
`db_session(ctx)`, `db_engine(ctx)`, `job_redis(ctx)` and `job_queue(ctx)`, never by dict key and
never by making an engine of their own.

Tenancy: jobs are system work, not a user's request, so their sessions are not scoped to an
organisation (db/tenancy.py: no `scope_session`). Each job selects by the ids it was given (an
order, an export) or runs over every organisation on purpose (the sweeps, snapshots, hold release).

A job function called outside a worker (a test, a one-off from a shell) with no resources in its
`ctx` gets resources made by the same `open_resources` for that one call, disposed when it returns:
`@worker_job` does that, so the job's body always finds them in `ctx`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError
from saq import Queue
from saq.queue.redis import RedisQueue
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from voelgoed.settings import Settings, job_settings, load_settings

QUEUE_NAME = "voelgoed"
RESOURCES_KEY = "voelgoed"
STANDALONE_CONCURRENCY = 1  # a job called outside the worker runs alone

P = ParamSpec("P")
R = TypeVar("R")


# How long one of the worker's BLMOVEs waits in Redis for a job before it returns empty and the
# worker asks again. It must stay well under QUEUE_SOCKET_TIMEOUT: a BLMOVE still blocked when the
# client's read times out is retried on a new connection, and a job Redis handed to the old one
# in that instant is moved to SAQ's active list but never run (until SAQ's sweep). redis-py 6+
# reads with a 5 s default timeout, so SAQ's default (block forever) lost an e-mail now and then
# (tests/unit/test_worker_queue.py).
DEQUEUE_TIMEOUT_SECONDS = 1.0
QUEUE_SOCKET_TIMEOUT_SECONDS = 10.0


def make_queue(redis_url: str, name: str = QUEUE_NAME) -> Queue:
    """The worker's queue, patient with Redis: it has no request waiting on it. (`name`: tests.)"""
    # Built from a client rather than Queue.from_url, which rejects unix:// socket URLs.
    # Back off while Redis is unreachable instead of retrying in a tight loop.
    retry = Retry(ExponentialBackoff(cap=5.0, base=0.2), retries=8)
    # TCP keepalive notices a Redis host that vanished (a unix socket has no such option).
    keepalive = {} if redis_url.startswith("unix:") else {"socket_keepalive": True}
    client = Redis.from_url(
        redis_url,
        socket_timeout=QUEUE_SOCKET_TIMEOUT_SECONDS,  # explicit: never a library default again
        retry=retry,
        retry_on_error=[ConnectionError, TimeoutError],
        **keepalive,
    )
    return RedisQueue(client, name=name)


@dataclass(frozen=True, slots=True)
class JobResources:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    queue: Queue
    # Straight to PostgreSQL (DATABASE_DIRECT_URL) for what holds a session (advisory locks); the
    # same engine as `engine` when that is not set (db/pooler.py).
    session_engine: AsyncEngine | None = None


def _urls(settings: Settings) -> tuple[str, str]:
    from voelgoed.devservices import resolve_urls

    return resolve_urls(settings.server.data_dir, settings.database.url, settings.redis.url)


async def open_resources(settings: Settings, queue: Queue | None, concurrency: int) -> JobResources:
    """The one factory of what jobs use. `queue`: the worker's own (None: make one)."""
    from voelgoed.db import (
        models,  # noqa: F401  (registers every table)
        pooler,
        tenancy,
    )
    from voelgoed.db.pool import session_engine, worker_engine

    tenancy.install()  # so that a job that does scope a session is filtered like a request
    database_url, redis_url = _urls(settings)
    pooler.use_transaction_pooler(settings.database.pgbouncer)
    engine = worker_engine(database_url, concurrency=concurrency)
    direct = session_engine(settings.database.direct_url) if settings.database.direct_url else None
    if queue is None:
        queue = make_queue(redis_url)
        await queue.connect()
    return JobResources(
        engine=engine,
        sessions=async_sessionmaker(engine, expire_on_commit=False),
        redis=Redis.from_url(redis_url),
        queue=queue,
        session_engine=direct,
    )


async def close_resources(resources: JobResources, *, own_queue: bool) -> None:
    if own_queue:
        await resources.queue.disconnect()
    await resources.redis.aclose()
    await resources.engine.dispose()
    if resources.session_engine is not None:
        await resources.session_engine.dispose()


async def startup(ctx: dict[str, Any]) -> None:
    """SAQ start-up: make the resources every job of this worker shares."""
    worker = ctx["worker"]
    ctx[RESOURCES_KEY] = await open_resources(job_settings(ctx), worker.queue, worker.concurrency)
    ctx["queue"] = worker.queue


async def shutdown(ctx: dict[str, Any]) -> None:
    """SAQ shutdown (after the last job): close what `startup` made. The queue is the worker's."""
    resources = ctx.pop(RESOURCES_KEY, None)
    if resources is not None:
        await close_resources(resources, own_queue=False)


def worker_job(
    job: Callable[Concatenate[Any, P], Awaitable[R]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, R]]:
    """Run `job` with the worker's resources in `ctx`; called outside a worker, with resources
    made for this one call (see the module's docstring)."""

    @functools.wraps(job)
    async def run(ctx: Any, *args: P.args, **kwargs: P.kwargs) -> R:
        if ctx is not None and RESOURCES_KEY in ctx:
            return await job(ctx, *args, **kwargs)
        given: Queue | None = ctx.get("queue") if ctx else None
        settings = (ctx or {}).get("settings") or load_settings()
        resources = await open_resources(settings, given, STANDALONE_CONCURRENCY)
        try:
            run_ctx = {**(ctx or {}), RESOURCES_KEY: resources, "queue": resources.queue, "settings": settings}
            return await job(run_ctx, *args, **kwargs)
        finally:
            await close_resources(resources, own_queue=given is None)

    return run


def _resources(ctx: Mapping[str, Any] | None) -> JobResources:
    resources = ctx.get(RESOURCES_KEY) if ctx is not None else None
    if not isinstance(resources, JobResources):
        raise RuntimeError("no worker resources in the job's context: decorate the job with @worker_job")
    return resources


def db_session(ctx: Mapping[str, Any] | None) -> AsyncSession:
    """A new ORM session on the worker's engine (unscoped: system work). Use as
    `async with db_session(ctx) as db, db.begin():`."""
    return _resources(ctx).sessions()


def db_engine(ctx: Mapping[str, Any] | None) -> AsyncEngine:
    """The worker's engine, for Core work on connections (snapshot reads, chunked writes)."""
    return _resources(ctx).engine


def job_redis(ctx: Mapping[str, Any] | None) -> Redis:
    return _resources(ctx).redis


def job_queue(ctx: Mapping[str, Any] | None) -> Queue:
    return _resources(ctx).queue


def db_session_engine(ctx: Mapping[str, Any] | None) -> AsyncEngine:
    """The engine for a connection that keeps session state (a session-level advisory lock held for
    a whole job): straight to PostgreSQL when DATABASE_DIRECT_URL is set, because behind a
    transaction pooler a session lock is taken on a server connection the pooler lends to others
    next (db/pooler.py). Without it, the job engine."""
    resources = _resources(ctx)
    return resources.session_engine or resources.engine
