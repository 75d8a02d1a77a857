"""GET /api: where a developer who opens the API's base URL finds the spec, the docs and health.

Every operation lives under /api/...; the base URL itself answered 404 although the README names
it. It now answers a small JSON document of links (not part of the spec: it describes the spec)."""

from __future__ import annotations

import msgspec
from litestar import get

from voelgoed import __version__
from voelgoed.auth.permissions import Access, access
from voelgoed.web.openapi_contract import API_VERSION


class ApiIndex(msgspec.Struct):
    name: str
    version: str  # the API's version: the spec's info.version (docs/api-changelog.md)
    server_version: str  # the product's own release
    openapi: str
    docs: str
    health: str
    ready: str


@get("/api", include_in_schema=False, opt=access(Access.PUBLIC), sync_to_thread=False)
def api_index() -> ApiIndex:
    return ApiIndex(
        name="VoelgoedEvents API",
        version=API_VERSION,
        server_version=__version__,
        openapi="/schema/openapi.json",
        docs="/schema/swagger",
        health="/health",
        ready="/ready",
    )
