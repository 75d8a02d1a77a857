"""The one authorization layer. Every route handler declares `opt=access(...)`; this guard runs
for all of them and, in order: resolves the session cookie (401), checks the CSRF header on
writes (403), resolves the organisation in the path and the caller's membership (404 when not a
member, so nothing about another organisation leaks), checks the role's permission (403), and
scopes the request's database session to that organisation (db/tenancy.py).

A request with `Authorization: Bearer vg_...` is an organisation's API key instead (auth/api_key.py):
accepted on organisation routes only, limited by the key's organisation and scopes, no CSRF."""

from __future__ import annotations

import hmac
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.api_key import authorize_api_key, looks_like_api_key
from voelgoed.auth.context import AuthContext
from voelgoed.auth.device import authorize_device, bearer_token
from voelgoed.auth.permissions import Access, Permission, allows
from voelgoed.db.tenancy import scope_session
from voelgoed.domain.accounts.services import AccountService
from voelgoed.domain.organizations.models import Membership
from voelgoed.lib.problems import Forbidden, NotFound, Unauthorized

SESSION_COOKIE = "vg_session"
CSRF_COOKIE = "vg_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
AUTH_STATE_KEY = "auth"


def request_db(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """The request's own database session (the same one the handler's `db_session` gets)."""
    return connection.app.state.alchemy.provide_session(connection.app.state, connection.scope)


async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    level = handler.opt.get("access")
    if level is None and getattr(handler, "http_methods", None) == {"OPTIONS"}:
        return  # Litestar's automatic OPTIONS answers carry no data
    if level is None:  # app.py refuses to start with such a handler; this is a second lock
        raise Forbidden("This endpoint declares no access rule.")
    if level == Access.PUBLIC:
        return
    if level == Access.DEVICE:  # scanners: bearer device token only, never the session cookie
        await authorize_device(connection, request_db(connection))
        return

    bearer = bearer_token(connection)
    if bearer is not None and looks_like_api_key(bearer):  # an API key, never with the cookie
        connection.state[AUTH_STATE_KEY] = await authorize_api_key(connection, handler, request_db(connection), bearer)
        return

    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("Sign in to continue.")
    db = request_db(connection)
    resolved = await AccountService(db).resolve_session(token)
    if resolved is None:
        raise Unauthorized("Your session has ended. Sign in again.")
    session, user = resolved

    if connection.scope.get("method", "GET") not in SAFE_METHODS:
        sent = connection.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, session.csrf_token):
            raise Forbidden("Missing or wrong CSRF token: send the X-CSRF-Token header with the vg_csrf cookie value.")

    ctx = AuthContext(user=user, session=session)
    if isinstance(level, Permission):
        org_id = connection.path_params.get("organization_id")
        if not isinstance(org_id, uuid.UUID):
            raise NotFound("No such organisation.")
        role = await db.scalar(
            select(Membership.role).where(Membership.organization_id == org_id, Membership.user_id == user.id)
        )
        if role is None:
            raise NotFound("No such organisation.")
        if not allows(role, level):
            raise Forbidden(f"Your role ({role}) does not allow this.")
        ctx.organization_id, ctx.role = org_id, role
        scope_session(db, org_id)
    connection.state[AUTH_STATE_KEY] = ctx


async def provide_auth(request: Any) -> AuthContext:
    ctx = request.state.get(AUTH_STATE_KEY)
    if ctx is None:
        raise Unauthorized("Sign in to continue.")
    return ctx
