"""Commit each request's transaction before its answer leaves, and never answer success for a
commit that failed.

advanced-alchemy's autocommit handler commits when the response starts, but swallows a failed
commit (it logs at debug level) and lets the 2xx go out: the client is told "saved" about data
that was rolled back. A write that only reaches the database at commit (a deferred constraint, a
foreign key on an ORM delete, a serialization failure, a connection lost mid-commit) then fails
silently. Here the same moment commits, and when that fails the response is rewritten into an
RFC 9457 problem (409/400 when the data was refused, 500 otherwise) before any byte is sent.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from advanced_alchemy.extensions.litestar._utils import delete_aa_scope_state, get_aa_scope_state
from advanced_alchemy.extensions.litestar.plugins.init.config.common import (
    SESSION_TERMINUS_ASGI_EVENTS,
)

from voelgoed.lib.problems import PROBLEM_MEDIA_TYPE, database_problem, internal_problem, retry_headers
from voelgoed.lib.requestid import current_request_id

log = logging.getLogger(__name__)
_FAILED_BODY = "_vg_commit_failed_body"
_KEPT_HEADERS = (b"x-request-id", b"access-control-", b"vary")
COMMIT_STATUSES = range(200, 400)  # 2xx and redirects (the checkout site answers forms with 303)


def commit_or_fail_handler(session_scope_key: str) -> Any:
    async def handler(message: Any, scope: Any) -> None:
        session = get_aa_scope_state(scope, session_scope_key)
        try:
            if session is not None and message["type"] == "http.response.start":
                if message["status"] in COMMIT_STATUSES:
                    try:
                        await session.commit()
                    except Exception as exc:
                        await _rollback_quietly(session)
                        _rewrite_start(message, scope, exc)
                else:
                    await _rollback_quietly(session)
            elif message["type"] == "http.response.body" and _FAILED_BODY in scope:
                message["body"] = scope.pop(_FAILED_BODY)
                message["more_body"] = False
        finally:
            if session is not None and message["type"] in SESSION_TERMINUS_ASGI_EVENTS:
                try:
                    await session.close()
                except Exception:
                    log.warning("closing the request's database session failed", exc_info=True)
                delete_aa_scope_state(scope, session_scope_key)

    return handler


async def _rollback_quietly(session: Any) -> None:
    try:
        await session.rollback()
    except Exception:
        log.warning("rollback failed", exc_info=True)


def _rewrite_start(message: Any, scope: Any, exc: Exception) -> None:
    problem = database_problem(exc)
    if problem is None:
        log.error("commit failed on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
        problem = internal_problem()
    else:
        log.info("commit refused on %s %s: %s", scope.get("method"), scope.get("path"), exc)
    problem.instance = scope.get("path")
    problem.request_id = current_request_id()
    body = msgspec.json.encode(problem)
    kept = [(k, v) for k, v in message.get("headers", []) if k.lower().startswith(_KEPT_HEADERS)]
    message["status"] = problem.status
    retry = [(k.lower().encode(), v.encode()) for k, v in (retry_headers(problem) or {}).items()]
    message["headers"] = [
        *kept,
        *retry,
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    scope[_FAILED_BODY] = body
