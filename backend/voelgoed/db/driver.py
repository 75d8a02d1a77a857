"""Plain asyncpg for the few hottest statements, inside the request's SQLAlchemy transaction.

Profiling the gate-rush benchmark showed SQLAlchemy's per-statement machinery (session, result
objects, greenlet hops) as the largest single cost of a scan, more than PostgreSQL's work. Hot
paths therefore run their statements on the asyncpg connection under the session: same
connection, same transaction, committed or rolled back by the session as usual.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.pooler import behind_transaction_pooler

_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class Statement:
    """SQL written with `:name` parameters, sent to asyncpg as `$n` (one number per name).

    Cast a parameter where PostgreSQL cannot infer its type (`:at::timestamptz`); no `:word`
    inside string literals."""

    def __init__(self, sql: str) -> None:
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        self.sql = _NAMED.sub(number, sql)
        self.names = tuple(names)

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]

    async def fetchrow(self, conn: Any, params: dict[str, Any]) -> Any:
        return await conn.fetchrow(self.sql, *self.args(params))


async def driver_connection(db: AsyncSession, *, begin: bool = False) -> Any:
    """The session's asyncpg connection.

    With `begin`, inside the session's transaction (SQLAlchemy begins it lazily, on its first
    statement), committed or rolled back by the session. Without, and before the session has run
    anything, every statement commits on its own: right for a hot path whose one write is a single
    statement (atomic by itself) and whose reads need no snapshot shared with it.
    """
    conn = await db.connection()
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    # Behind a transaction pooler an autocommit statement's Parse and Execute may reach different
    # server connections: always inside the transaction there (db/pooler.py).
    if (begin or behind_transaction_pooler()) and not driver.is_in_transaction():
        await conn.exec_driver_sql("SELECT 1")
    return driver
