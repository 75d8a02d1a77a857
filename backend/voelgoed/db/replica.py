"""Reads that may lag a few seconds go to a read replica when one is configured (DATABASE_READ_URL).

Which reads: the organiser's dashboards, CSV exports (the count and the streamed rows; the audit
entry of a download is a write and stays on the primary) and the money reports built on the ledger
(trial balance, journal, sales report, settlement statement). Nothing that writes, nothing a
buyer's or a scanner's next step depends on (availability, orders, check-in) reads here: a replica
may be seconds behind (docs/operations.md, "Read replica").

A handler asks for `read_session` (a Litestar dependency, app.py). Without DATABASE_READ_URL it is
the request's own session, the one `db_session` gets: same connection, same transaction, already
tenant-scoped by the guard, and no second connection taken from the request pool (db/pool.py's
rule). With it, it is a session of its own on the replica's engine (db/pool.replica_engine, every
transaction READ ONLY), carrying the same tenant scope as the request's session: the scoping hook
(db/tenancy.py) is a listener on every ORM Session, and the organisation it filters by is copied
from the request's session, which the guard scoped after checking membership. A route that was not
scoped gives an unscoped read session, exactly like its `db_session`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voelgoed.db.tenancy import SCOPE_KEY, scope_session

STATE_KEY = "read_engine"


def request_session(request: Request[Any, Any, Any]) -> AsyncSession:
    """The request's own (primary) session: the one the guard scoped and `db_session` gets."""
    app = request.app
    session: AsyncSession = app.state.alchemy.provide_session(app.state, request.scope)
    return session


def read_engine(request: Request[Any, Any, Any]) -> AsyncEngine | None:
    """The replica's engine, or None when DATABASE_READ_URL is unset."""
    engine: AsyncEngine | None = request.app.state.get(STATE_KEY)
    return engine


def read_bind(request: Request[Any, Any, Any]) -> AsyncEngine:
    """The engine for a read that runs after the request's session has ended (a streamed CSV)."""
    engine = read_engine(request)
    if engine is not None:
        return engine
    bind = request_session(request).bind
    assert isinstance(bind, AsyncEngine)
    return bind


async def provide_read_session(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """The `read_session` dependency (see the module docstring)."""
    primary = request_session(request)
    engine = read_engine(request)
    if engine is None:
        yield primary
        return
    session = AsyncSession(engine, expire_on_commit=False)
    organization_id = primary.sync_session.info.get(SCOPE_KEY)
    if organization_id is not None:
        scope_session(session, organization_id)
    try:
        yield session
    finally:
        await session.close()  # read only: nothing to commit; returns the connection at once
