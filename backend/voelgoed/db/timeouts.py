"""statement_timeout and lock_timeout on request connections, set per transaction.

A request must not wait without end: not on a slow statement, and above all not on a row lock held
by someone else (a long export, an operator's psql session, a stuck job). When a limit is reached
PostgreSQL cancels the statement (SQLSTATE 57014 query_canceled, 55P03 lock_not_available) and the
request answers 503 "busy, try again" with Retry-After (lib/problems.database_problem), the answer
pretix gives with its 3 s lock timeout.

Why `SET LOCAL` in every transaction, and not the connection's `server_settings`: behind PgBouncer
in transaction pooling mode a client's connection is a different server connection in every
transaction, so a setting made when our connection was opened (asyncpg sends `server_settings` in
the startup packet, which PgBouncer does not even pass on) is not in force on the server connection
a later transaction gets. `SET LOCAL` lives exactly as long as the transaction, on whichever server
connection runs it, so it is right behind PgBouncer and directly on PostgreSQL alike, and it never
leaks into another client's transaction. It costs no round trip: the `SET LOCAL`s travel in the
same simple-protocol message as the BEGIN (a round trip more per transaction was ~2 ms of every
seat-hold batch's time under the event's lock, on a busy process).

How: asyncpg lets the engine name the class of its connections (`connection_class`); ours sends
each top-level transaction's BEGIN, the one SQLAlchemy asked for, with the `SET LOCAL`s after it. Statements a
hot path runs outside any transaction (db/driver.py without `begin`) are single autocommit
statements and carry no limit: keep them to statements that take no lock another transaction holds
long.

Only the request pool and the hold batcher's pool get these limits. The worker's jobs (exports,
deliveries) and migrations may legitimately run longer and keep PostgreSQL's defaults.
"""

from __future__ import annotations

from typing import Any

import asyncpg


def set_local_sql(statement_timeout_ms: int, lock_timeout_ms: int) -> str:
    """The statements run after BEGIN ("" when both limits are off)."""
    parts = []
    if statement_timeout_ms > 0:
        parts.append(f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}")
    if lock_timeout_ms > 0:
        parts.append(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
    return "; ".join(parts)


class _LimitedConnection(asyncpg.Connection):
    vg_set_local = ""

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:  # noqa: ASYNC109 (asyncpg's signature)
        # asyncpg's Transaction.start sends a top-level transaction's "BEGIN ...;" here, without
        # arguments (a savepoint's is "SAVEPOINT ...;" and inherits the settings): the limits
        # go in the same message. One message of several statements is PostgreSQL's simple
        # protocol, which asyncpg uses for an execute without arguments.
        if not args and query.startswith("BEGIN") and self.vg_set_local:
            query = f"{query.rstrip().rstrip(';')}; {self.vg_set_local};"
        return await super().execute(query, *args, timeout=timeout)


_classes: dict[str, type[_LimitedConnection]] = {}


def request_connect_args(*, statement_timeout_ms: int, lock_timeout_ms: int) -> dict[str, Any]:
    """`connect_args` for an engine whose transactions carry these limits ({} when both are off)."""
    sql = set_local_sql(statement_timeout_ms, lock_timeout_ms)
    if not sql:
        return {}
    cls = _classes.get(sql)
    if cls is None:  # one class per distinct setting (asyncpg wants a class, not an instance)
        cls = _classes[sql] = type("LimitedConnection", (_LimitedConnection,), {"vg_set_local": sql})
    return {"connection_class": cls}
