"""Connection pools: every engine the product makes itself, and a 503 when no connection is free.

Who gets which pool (docs/architecture.md, "Database sessions"): API requests use the request
pool that advanced-alchemy's plugin makes from `db.make_alchemy_config`; the hold batcher uses
`separate_pool` below; the worker's jobs use `worker_engine` below, made once at worker start-up
(worker_context.py). No other module calls `create_async_engine` (tests/unit/test_job_sessions.py).

Rule for every request path: hold at most one pooled connection of the request pool at a time,
and never wait for a second one while holding it (pass the session's connection down instead of
the engine). Enough concurrent requests each holding one and waiting for another hold every
connection of the pool and wait on each other until the pool times out.

The hold batcher (domain/orders/holds.py) commits reservations in its own transactions while
requests wait on it, some of them holding a request connection (the checkout site's reserve form).
Its connections therefore come from a separate small pool that no request holds: the wait always
goes one way (request pool -> batcher pool), so it cannot close into a cycle.

The read replica (DATABASE_READ_URL, db/replica.py) gets `replica_engine` below: a request that
reads there already holds its request connection (the guard used it), and the wait again goes one
way only (request pool -> replica pool): nothing holding a replica connection waits for a request
connection.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from voelgoed.db import pooler
from voelgoed.lib.metrics import POOLS
from voelgoed.lib.problems import PROBLEM_MEDIA_TYPE, Problem
from voelgoed.lib.requestid import current_request_id

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2

_own_engines: list[AsyncEngine] = []


def separate_pool(
    engine: AsyncEngine,
    *,
    pool_size: int,
    pool_timeout: float,
    connect_args: dict[str, Any] | None = None,
    name: str = "holds",
) -> AsyncEngine:
    """An engine on the same database as `engine` with a pool of its own (`pool_size`, no
    overflow). Disposed by `dispose_separate_pools()` at shutdown. `connect_args`: as the request
    pool's (db/timeouts.py), so its transactions carry the same statement and lock timeouts.
    `name`: the pool's label in the metrics (the hold batcher is the one user today)."""
    own = create_async_engine(
        engine.url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        pool_recycle=1800,
        connect_args=pooler.connect_args(connect_args),  # same database as the request pool
    )
    _own_engines.append(own)
    POOLS.watch(name, lambda: own.pool)
    return own


def replica_engine(
    database_url: str, *, pool_size: int, max_overflow: int, pool_timeout: float, connect_args: dict[str, Any]
) -> AsyncEngine:
    """The read replica's pool for requests (sized like the request pool; disposed with the other
    own pools). Every transaction on it is `BEGIN READ ONLY` (SQLAlchemy's `postgresql_readonly`),
    so a write that slipped into a read-session path fails loudly even when the URL points at the
    primary, instead of succeeding there and failing only against a real standby."""
    own = create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=1800,
        connect_args=connect_args,
        execution_options={"postgresql_readonly": True},
    )
    _own_engines.append(own)
    return own


def worker_engine(database_url: str, *, concurrency: int) -> AsyncEngine:
    """The SAQ worker's one engine, shared by all its jobs. A job holds at most two connections at
    once (an export reads in one snapshot while it writes chunks in another), so `concurrency`
    jobs never wait on each other for the pool. Pre-ping: the worker is not a hot path, and a job
    that starts after a database restart should not fail on a dead connection."""
    engine = create_async_engine(
        database_url,
        pool_size=concurrency,
        max_overflow=concurrency,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args=pooler.connect_args(),
    )
    POOLS.watch("worker", lambda: engine.pool)
    return engine


def session_engine(direct_url: str, *, pool_size: int = 2) -> AsyncEngine:
    """Straight to PostgreSQL (DATABASE_DIRECT_URL), for connections that keep session state:
    a job's session-level advisory lock (db/pooler.py). Small: only such holders use it."""
    from voelgoed.devservices import normalise_database_url

    return create_async_engine(
        normalise_database_url(direct_url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def watch_request_pool(get_engine: Any) -> None:
    """The request pool in the metrics; `get_engine()` answers None until the plugin made it."""
    POOLS.watch("request", lambda: getattr(get_engine(), "pool", None))


async def dispose_separate_pools() -> None:
    while _own_engines:
        await _own_engines.pop().dispose()


def pool_timeout_handler(request: Request[Any, Any, Any], exc: PoolTimeout) -> Response[Any]:
    """No database connection came free in time: the server is saturated, not broken. A 503 with
    Retry-After tells the client (and a load balancer) to come back, instead of a 500."""
    log.warning("database pool exhausted on %s %s: %s", request.method, request.url.path, exc)
    problem = Problem(
        type="urn:voelgoed:problem:unavailable",
        title="Try again later",
        status=503,
        detail="The server is busy. Please try again in a few seconds.",
        instance=request.url.path,
        request_id=current_request_id(),
    )
    return Response(
        content=msgspec.json.encode(problem),
        status_code=503,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


exception_handlers: dict[Any, Any] = {PoolTimeout: pool_timeout_handler}
