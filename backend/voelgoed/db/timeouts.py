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
leaks into another client's transaction. The cost is one round trip per transaction, sent right
after BEGIN (a few tens of microseconds on a local network).

How: asyncpg lets the engine name the class of its connections (`connection_class`); ours starts
each top-level transaction with the BEGIN SQLAlchemy asked for, then the `SET LOCAL`s. Statements a
hot path runs outside any transaction (db/driver.py without `begin`) are single autocommit
statements and carry no limit: keep them to statements that take no lock another transaction holds
long.

Only the request pool and the hold batcher's pool get these limits. The worker's jobs (exports,
deliveries) and migrations may legitimately run longer and keep PostgreSQL's defaults.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.transaction import Transaction


def set_local_sql(statement_timeout_ms: int, lock_timeout_ms: int) -> str:
    """The statements run after BEGIN ("" when both limits are off)."""
    parts = []
    if statement_timeout_ms > 0:
        parts.append(f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}")
    if lock_timeout_ms > 0:
        parts.append(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
    return "; ".join(parts)


class _LimitedTransaction(Transaction):
    async def start(self) -> None:
        await super().start()
        own: Any = self  # asyncpg's attributes (no stubs for them)
        sql = getattr(own._connection, "vg_set_local", "")
        if sql and not own._nested:  # a savepoint inherits the transaction's settings
            await own._connection.execute(sql)


class _LimitedConnection(asyncpg.Connection):
    vg_set_local = ""

    def transaction(self, *, isolation: Any = None, readonly: bool = False, deferrable: bool = False) -> Any:
        return _LimitedTransaction(self, isolation, readonly, deferrable)


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
