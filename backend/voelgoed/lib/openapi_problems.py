"""Document the API's error answers in the OpenAPI spec: every operation may answer with RFC 9457
problem+json (Litestar would otherwise describe its own default 400 shape)."""

from __future__ import annotations

from litestar.openapi.spec import Components, OpenAPI, Reference, Schema
from litestar.openapi.spec import OpenAPIHeader as Header
from litestar.openapi.spec import OpenAPIMediaType as MediaType
from litestar.openapi.spec import OpenAPIResponse as Response
from litestar.openapi.spec.enums import OpenAPIType

from voelgoed.lib.problems import PROBLEM_MEDIA_TYPE

_STATUS_TEXT = {
    "400": "Malformed request, wrong types or unknown fields",
    "401": "No or expired session",
    "403": "Role too low, or missing CSRF token",
    "404": "Unknown id, or another organisation's resource",
    "409": "Conflict: duplicate value or illegal state transition",
    "413": "Request body too large",
    "422": "A business rule refused the request",
    "429": "Rate limited: try again after Retry-After seconds",
    "503": "Busy (no database connection in time) or a dependency is down: try again after Retry-After seconds",
}
_RETRY_AFTER = ("429", "503")  # statuses that always carry Retry-After (lib/ratelimit.py, lib/problems.py)

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="URI identifying the problem type"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING, description="What went wrong, for people"),
        "instance": Schema(type=OpenAPIType.STRING),
        "request_id": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={"field": Schema(type=OpenAPIType.STRING), "message": Schema(type=OpenAPIType.STRING)},
            ),
        ),
    },
)


RETRY_AFTER_HEADER = Header(
    description="Seconds to wait before trying again",
    required=True,
    schema=Schema(type=OpenAPIType.INTEGER, minimum=0),
)


def add_problem_responses(spec: OpenAPI) -> None:
    components = spec.components if isinstance(spec.components, Components) else Components()
    components.schemas = {**(components.schemas or {}), "Problem": PROBLEM_SCHEMA}
    spec.components = components
    ref = Reference(ref="#/components/schemas/Problem")
    for path_item in (spec.paths or {}).values():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(path_item, method, None)
            if operation is None:
                continue
            responses = dict(operation.responses or {})
            for status, text in _STATUS_TEXT.items():
                if status in responses and status != "400":  # the handler's own declaration wins (/ready's 503)
                    continue  # (400 is Litestar's generic validation answer: always the problem shape)
                responses[status] = Response(
                    description=text,
                    content={PROBLEM_MEDIA_TYPE: MediaType(schema=ref)},
                    headers={"Retry-After": RETRY_AFTER_HEADER} if status in _RETRY_AFTER else None,
                )
            operation.responses = responses
