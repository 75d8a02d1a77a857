"""Statement and lock timeouts: what is sent after BEGIN, and how PostgreSQL's refusals answer.

The lock case is exercised end to end over HTTP in tests/api/test_busy_database.py; here the
statement-timeout refusal (57014) and the settings' `0 = off` are checked as well."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError, IntegrityError

from voelgoed.db.timeouts import request_connect_args, set_local_sql
from voelgoed.lib.problems import database_problem, is_busy, retry_headers


def test_set_local_statements_and_off() -> None:
    assert set_local_sql(30_000, 3_000) == "SET LOCAL statement_timeout = 30000; SET LOCAL lock_timeout = 3000"
    assert set_local_sql(0, 3_000) == "SET LOCAL lock_timeout = 3000"
    assert set_local_sql(0, 0) == "" and request_connect_args(statement_timeout_ms=0, lock_timeout_ms=0) == {}
    cls = request_connect_args(statement_timeout_ms=5, lock_timeout_ms=6)["connection_class"]
    assert issubclass(cls, asyncpg.Connection) and cls.vg_set_local == set_local_sql(5, 6)
    assert request_connect_args(statement_timeout_ms=5, lock_timeout_ms=6)["connection_class"] is cls  # one class


def test_lock_and_statement_timeouts_answer_503_busy_with_retry_after() -> None:
    for raw in (
        asyncpg.exceptions.LockNotAvailableError("canceling statement due to lock timeout"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    ):
        for exc in (raw, DBAPIError("SELECT ...", {}, raw)):
            problem = database_problem(exc)
            assert problem is not None and problem.status == 503 and is_busy(exc)
            assert problem.type == "urn:voelgoed:problem:unavailable" and "try again" in problem.detail
            assert retry_headers(problem) == {"Retry-After": "2"}
    unique = IntegrityError("INSERT ...", {}, asyncpg.exceptions.UniqueViolationError("duplicate key"))
    conflict = database_problem(unique)
    assert conflict is not None and conflict.status == 409 and not is_busy(unique) and retry_headers(conflict) is None
