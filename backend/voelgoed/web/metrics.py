"""GET /metrics: Prometheus' text format, for a scraper holding METRICS_TOKEN.

Not public: without METRICS_TOKEN the endpoint answers 404 (off); with it, a request without
`Authorization: Bearer <METRICS_TOKEN>` gets 401. Left out of the OpenAPI document (it is for
operators' tooling, not API clients). docs/operations.md, "Observability".
"""

from __future__ import annotations

from litestar import Request, Response, get

from voelgoed.auth.permissions import Access, access
from voelgoed.lib.metrics import exposition, token_allows
from voelgoed.lib.problems import NotFound, Unauthorized
from voelgoed.settings import Settings


@get("/metrics", operation_id="metrics", opt=access(Access.PUBLIC), include_in_schema=False, sync_to_thread=False)
def metrics(request: Request, settings: Settings) -> Response[bytes]:
    """Prometheus metrics of this process."""
    token = settings.observability.metrics_token
    if not token:
        raise NotFound("Not found.")
    if not token_allows(token, request.headers.get("authorization")):
        raise Unauthorized("A metrics token is needed.", headers={"WWW-Authenticate": "Bearer"})
    body, content_type = exposition()
    return Response(content=body, media_type=content_type, headers={"Cache-Control": "no-store"})
