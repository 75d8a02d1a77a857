"""API-key authentication for the organiser API (`Permission` routes only), docs/api-keys.md.

A key is `vg_<prefix>_<secret>`; we keep the prefix (to find the row) and SHA-256 of the whole key
(compared in constant time). A key acts for its one organisation and only within its scopes: on
another organisation's path it gets 404 (like a non-member), outside its scopes 403, and never
needs a CSRF token (it is not sent by browsers on their own). Each key has a per-minute quota in
Redis whose state every answer reports in `RateLimit-*` headers.
"""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import ApiKeyActor, AuthContext
from voelgoed.auth.permissions import Permission, effective_scopes, required_scope
from voelgoed.auth.queries import API_KEY_BY_PREFIX, API_KEY_TOUCH
from voelgoed.db.driver import driver_connection
from voelgoed.db.tenancy import scope_session
from voelgoed.lib import ratelimit
from voelgoed.lib.problems import Forbidden, NotFound, TooManyRequests, Unauthorized
from voelgoed.lib.secrets import new_token, token_digest

KEY_PREFIX = "vg_"
PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: easy to read in a list
PREFIX_LEN = 8
RATE_WINDOW_SECONDS = 60
_KEY_SHAPE = re.compile(rf"^{KEY_PREFIX}([{PREFIX_ALPHABET}]{{{PREFIX_LEN}}})_([A-Za-z0-9_-]{{20,100}})$")


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: (the key, shown once; its prefix, kept; its digest, kept)."""
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LEN))
    key = f"{KEY_PREFIX}{prefix}_{new_token()}"
    return key, prefix, token_digest(key)


def looks_like_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


async def _resolve(db: AsyncSession, token: str) -> ApiKeyActor:
    shape = _KEY_SHAPE.match(token)
    if shape is None:
        raise Unauthorized("This is not a VoelgoedEvents API key: keys look like vg_abcd2345_... (copy the whole key).")
    conn = await driver_connection(db)
    row = await API_KEY_BY_PREFIX.fetchrow(conn, {"prefix": shape.group(1)})
    # Compare digests even when no row was found, so both cases take the same time.
    stored = row["secret_hash"] if row is not None else token_digest("no-such-key")
    if not hmac.compare_digest(stored, token_digest(token)) or row is None:
        raise Unauthorized("This API key is not valid. Check that you copied the whole key.")
    if row["revoked"]:
        raise Unauthorized("This API key was revoked. Ask an owner or admin of the organisation for a new one.")
    if row["expired"]:
        raise Unauthorized(f"This API key expired on {row['expires_at']:%Y-%m-%d %H:%M} UTC. Create a new one.")
    if row["stale"]:
        await conn.execute(API_KEY_TOUCH.sql, *API_KEY_TOUCH.args({"id": row["id"], "org": row["organization_id"]}))
    return ApiKeyActor(
        id=row["id"],
        organization_id=row["organization_id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=frozenset(row["scopes"] or ()),
    )


async def authorize_api_key(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler, db: AsyncSession, token: str
) -> AuthContext:
    level = handler.opt.get("access")
    if not isinstance(level, Permission):
        raise Unauthorized(
            "API keys work on the organisation API (/api/organizations/{organization_id}/...) only. "
            "Sign in for this endpoint."
        )
    key = await _resolve(db, token)

    app_state = connection.app.state
    quota = await ratelimit.consume(
        app_state.redis, f"api-key:{key.id}", app_state.api_key_rate_limit, RATE_WINDOW_SECONDS
    )
    if quota is not None:
        connection.state[ratelimit.QUOTA_STATE_KEY] = quota  # RateLimit-* on every answer
        if quota.exceeded:
            retry = str(quota.reset_seconds)
            raise TooManyRequests(
                f"This API key made more than {quota.limit} requests this minute. Try again in {retry} seconds.",
                headers={"Retry-After": retry},
            )

    org_id = connection.path_params.get("organization_id")
    if not isinstance(org_id, uuid.UUID) or org_id != key.organization_id:
        raise NotFound("No such organisation.")
    needed = required_scope(handler.opt)
    if needed is None:
        raise Forbidden("API keys cannot do this: sign in as a member of the organisation.")
    if needed not in effective_scopes(key.scopes):
        raise Forbidden(f"This API key lacks the scope {needed.value!r}.")
    scope_session(db, org_id)
    return AuthContext(user=None, api_key=key, organization_id=org_id)
