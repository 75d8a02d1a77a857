"""The contract's parts that Litestar does not derive by itself, added to the spec in one place:
the API version, the security schemes and each operation's `security` (from the handler's
`opt["access"]`, the same value the guard in auth/guard.py reads), and binary bodies as binary.

Breaking changes against the last released spec are caught by `python -m voelgoed openapi-diff`
(openapi_breaking.py); the workflow is in docs/api.md, the history in docs/api-changelog.md."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from litestar import Litestar
from litestar.openapi.spec import Components, OpenAPI, OpenAPIType, SecurityScheme
from litestar.openapi.spec.enums import OpenAPIFormat

from voelgoed.auth.device import TOKEN_PREFIX as DEVICE_TOKEN_PREFIX
from voelgoed.auth.guard import SAFE_METHODS, SESSION_COOKIE
from voelgoed.auth.permissions import Access, Permission, required_scope
from voelgoed.lib.openapi_answers import BINARY_MEDIA_TYPES, ORDER_TOKEN_HEADER

# The API's own version (semantic: a breaking change raises the major), not the package's. Raise it
# with an entry in docs/api-changelog.md; `just openapi-check` compares against the last released
# copy in shared_schemas/released/.
API_VERSION = "1.0.0"

ORG_PREFIX = "/api/organizations/{organization_id}"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TYPED_PARAM = re.compile(r"\{(\w+):[^}]+\}")

SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    "sessionCookie": SecurityScheme(
        type="apiKey",
        name=SESSION_COOKIE,
        security_scheme_in="cookie",
        description=(
            "The organiser app's session: `POST /api/auth/sign-in` sets the `vg_session` cookie (HttpOnly) "
            "and the `vg_csrf` cookie. Requests other than GET/HEAD also need `csrfHeader`."
        ),
    ),
    "csrfHeader": SecurityScheme(
        type="apiKey",
        name="X-CSRF-Token",
        security_scheme_in="header",
        description=(
            "With the session cookie, on every request that changes something (POST, PUT, PATCH, DELETE): "
            "the value of the `vg_csrf` cookie. A missing or wrong token answers 403. Not used with API keys."
        ),
    ),
    "apiKey": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="vg_<prefix>_<secret>",
        description=(
            "An organisation's API key (created by an owner or admin, shown once): "
            "`Authorization: Bearer vg_<prefix>_<secret>`. Works on the organisation's routes "
            "(/api/organizations/{organization_id}/...) within the key's scopes; no CSRF token. "
            "Rate limited per key (`RateLimit-*` headers; 429 with `Retry-After`)."
        ),
    ),
    "deviceToken": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format=f"{DEVICE_TOKEN_PREFIX}...",
        description=(
            "A paired scanner's token (`token` of pairDevice): `Authorization: Bearer ...`. Only the "
            "check-in device routes (/api/checkin/...) accept it; revoking the device ends it."
        ),
    ),
    "orderToken": SecurityScheme(
        type="apiKey",
        name=ORDER_TOKEN_HEADER,
        security_scheme_in="header",
        description=(
            "A buyer's order: the `access_token` returned with the order's reference (createReservation, "
            "claimWaitingListOffer). A wrong token answers 404, as an unknown reference does."
        ),
    ),
}


def security_for(opt: Mapping[str, Any], method: str, path: str, header_params: set[str]) -> list[dict[str, list[str]]]:
    """Who may call an operation, as OpenAPI security requirements (alternatives, each a set).
    An API key is an alternative where its handler admits keys, with the scope it needs as the
    requirement's role (OpenAPI 3.1 allows roles on non-OAuth schemes)."""
    access = opt.get("access")
    if ORDER_TOKEN_HEADER.lower() in header_params:
        return [{"orderToken": []}]
    if access == Access.PUBLIC:
        return []  # explicitly public
    if access == Access.DEVICE:
        return [{"deviceToken": []}]
    session: dict[str, list[str]] = {"sessionCookie": []}
    if method.upper() not in SAFE_METHODS:
        session["csrfHeader"] = []
    scope = required_scope(opt)
    if (
        isinstance(access, Permission)
        and scope is not None
        and (path == ORG_PREFIX or path.startswith(ORG_PREFIX + "/"))
    ):
        return [session, {"apiKey": [scope.value]}]
    return [session]


def handler_opts(app: Litestar) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Each operation's handler `opt`, by (lower-case method, path as the spec writes it)."""
    table: dict[tuple[str, str], Mapping[str, Any]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", ()):
                table[(method.lower(), _TYPED_PARAM.sub(r"{\1}", route.path))] = handler.opt
    return table


def _mark_binary_bodies(operation: Any) -> None:
    """Litestar writes bytes as `type: string`; a PDF is binary (`format: binary`) for generators."""
    for response in (operation.responses or {}).values():
        for media_type, content in (getattr(response, "content", None) or {}).items():
            schema = content.schema
            if media_type.startswith(BINARY_MEDIA_TYPES) and getattr(schema, "type", None) == OpenAPIType.STRING:
                schema.format = OpenAPIFormat.BINARY


def add_contract(spec: OpenAPI, app: Litestar) -> None:
    """Security schemes and requirements on every operation; binary bodies. Called once in app.py."""
    components = spec.components if isinstance(spec.components, Components) else Components()
    components.security_schemes = {**(components.security_schemes or {}), **SECURITY_SCHEMES}
    spec.components = components
    access = handler_opts(app)
    for path, item in (spec.paths or {}).items():
        for method in METHODS:
            operation = getattr(item, method, None)
            if operation is None:
                continue
            headers = {p.name.lower() for p in (operation.parameters or []) if getattr(p, "param_in", None) == "header"}
            if (method, path) not in access:
                raise RuntimeError(f"{method.upper()} {path}: no route handler found for the spec's operation")
            operation.security = security_for(access[(method, path)], method, path, headers)
            _mark_binary_bodies(operation)
