"""The app's operations, read from its own OpenAPI document and route table (no server needed).

Tests derive what to call from here rather than from a hand-written list, so a new endpoint is
covered (and must declare an access rule) the moment it exists.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx

from voelgoed.auth.permissions import ROLE_PERMISSIONS, Access, ApiKeyScope, Permission, required_scope
from voelgoed.domain.organizations.models import Role

ORG_PREFIX = "/api/organizations/{organization_id}"
STREAM_WAIT = 3.0
METHODS = ("get", "post", "put", "patch", "delete")
MISSING = object()


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str  # as in the spec: /api/organizations/{organization_id}/venues
    access: Any  # Access | Permission | MISSING
    scope: ApiKeyScope | None = None  # the API-key scope it needs (None: keys may not call it)

    @property
    def org_scoped(self) -> bool:
        return self.path == ORG_PREFIX or self.path.startswith(ORG_PREFIX + "/")

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)

    def allowed_roles(self) -> frozenset[str]:
        if not isinstance(self.access, Permission):
            return frozenset()
        return frozenset(role.value for role in Role if self.access in ROLE_PERMISSIONS[role])

    def __str__(self) -> str:
        return f"{self.operation_id} ({self.method} {self.path})"


def _build() -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    """The spec, and each (method, path)'s handler `opt`."""
    from voelgoed.app import create_app
    from voelgoed.settings import load_settings
    from voelgoed.web.openapi_contract import handler_opts

    saved = os.environ.get("SECRET_KEY")
    os.environ["SECRET_KEY"] = saved or "route-table"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings()
            settings = replace(settings, server=replace(settings.server, data_dir=Path(tmp), environment="test"))
            app = create_app(
                settings, database_url="postgresql+asyncpg://unused@localhost/unused", redis_url="redis://localhost:1"
            )
            spec = app.openapi_schema.to_schema()
            table = handler_opts(app)
    finally:
        if saved is None:
            os.environ.pop("SECRET_KEY", None)
    return spec, table


@lru_cache(maxsize=1)
def spec_and_routes() -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    return _build()


@lru_cache(maxsize=1)
def operations() -> tuple[Operation, ...]:
    spec, table = spec_and_routes()
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            opt = table.get((method, path), {})
            found.append(
                Operation(
                    op.get("operationId", f"{method} {path}"),
                    method.upper(),
                    path,
                    opt.get("access", MISSING),
                    required_scope(opt),
                )
            )
    return tuple(sorted(found, key=lambda o: (o.path, o.method)))


def org_operations() -> list[Operation]:
    return [op for op in operations() if op.org_scoped]


def non_public_operations() -> list[Operation]:
    return [op for op in operations() if op.access != Access.PUBLIC]


async def call(
    api: httpx.AsyncClient, method: str, url: str, body: Any = None, *, csrf: bool = True
) -> tuple[int, str]:
    """One request that also copes with streaming endpoints (server-sent events): a stream that
    has started is not read to its (never coming) end, and a GET whose headers do not come within
    STREAM_WAIT seconds counts as an open stream (200): refusals (401/403/404) answer at once.
    Sends the CSRF header like the organiser app."""
    headers = {}
    token = api.cookies.get("vg_csrf")
    if csrf and token and method != "GET":
        headers["X-CSRF-Token"] = token
    timeout = httpx.Timeout(20, read=STREAM_WAIT) if method == "GET" else httpx.Timeout(20)
    try:
        async with api.stream(method, url, json=body, headers=headers, timeout=timeout) as response:
            streaming = response.headers.get("content-type", "").startswith("text/event-stream")
            if streaming and response.status_code < 400:
                return response.status_code, "(stream)"
            await response.aread()
            return response.status_code, response.text
    except httpx.ReadTimeout:
        if method != "GET":
            raise
        return 200, f"(no answer within {STREAM_WAIT} s: an open stream)"
