"""Running behind a transaction pooler (PgBouncer `pool_mode = transaction`): DATABASE_PGBOUNCER=1.

In transaction pooling a client connection is lent a server connection for one transaction at a
time; the next transaction (or the next autocommit statement) may run on another one. What the
product does per session therefore has to live inside a transaction, or go straight to PostgreSQL:

- Prepared statements. asyncpg prepares every statement under a name (`__asyncpg_stmt_N__`) and
  caches it per client connection; SQLAlchemy's dialect keeps its own cache of them. Behind the
  pooler a cached name may not exist on the server connection of the next transaction ("prepared
  statement does not exist"), and two clients' counters collide on one server connection
  ("already exists"). PgBouncer 1.21+ can track them itself (`max_prepared_statements`), but
  Debian 12 ships 1.18 and managed poolers differ, so the product does not rely on it: both caches
  are off and every statement is the *unnamed* one (`connect_args` below), prepared and executed in
  the same transaction. Unnamed statements never collide and never leak on a server connection
  (each Parse replaces the last; asyncpg re-prepares one that its type introspection replaced).
  The cost is one Parse per statement (measured by bench/scale_out).
- Autocommit statements. The scan hot path runs its statements with no BEGIN (db/driver.py);
  asyncpg's Parse and Bind/Execute are separate round trips, which the pooler may send to different
  server connections. With the pooler on, `driver_connection` always opens the transaction.
- Session settings: only `SET LOCAL` (db/timeouts.py). Session-level advisory locks and LISTEN need a
  session of their own: they use DATABASE_DIRECT_URL (`Settings.database.session_url`), straight
  to PostgreSQL (workflows/event_cancellation_jobs.py, lib/live.py).

The switch is per process and made once at start-up (app.py, worker_context.py), before any engine
exists: every engine on DATABASE_URL (requests, the hold batcher, jobs) gets the same arguments.
"""

from __future__ import annotations

from typing import Any

_enabled = False


def use_transaction_pooler(enabled: bool) -> None:
    global _enabled
    _enabled = enabled


def behind_transaction_pooler() -> bool:
    return _enabled


def _unnamed_statement() -> str:
    return ""  # asyncpg: a str name is used as given, and "" is the protocol's unnamed statement


def connect_args(base: dict[str, Any] | None = None) -> dict[str, Any]:
    """`base` (e.g. db/timeouts.request_connect_args) plus what transaction pooling needs, if on."""
    args = dict(base or {})
    if _enabled:
        args.update(
            statement_cache_size=0,  # asyncpg's own cache of named statements
            prepared_statement_cache_size=0,  # SQLAlchemy's asyncpg dialect's cache
            prepared_statement_name_func=_unnamed_statement,
        )
    return args
