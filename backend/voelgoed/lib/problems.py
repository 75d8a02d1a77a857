"""RFC 9457 problem+json: the one error shape of the API.

Services raise `AppError` subclasses; the handlers here turn those, framework errors, database
errors and state-machine refusals into problem documents. Anything unexpected becomes a 500
without internals, logged with the request id.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
import msgspec
from advanced_alchemy.exceptions import (
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    NotFoundError,
)
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.utils.scope.state import ScopeState
from sqlalchemy.exc import DBAPIError
from statemachine.exceptions import TransitionNotAllowed

from voelgoed.lib.requestid import current_request_id

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class AppError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        # RFC 9457 extension members, added at the top level of the problem document (e.g. the
        # seats taken and the alternatives offered: domain/seating/holds.py).
        self.extensions = extensions


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Sign-in required"


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(AppError):
    status, slug, title = 422, "validation", "The request breaks a rule"

    @classmethod
    def field(cls, field: str, message: str) -> Unprocessable:
        return cls(message, errors=[FieldError(field=field, message=message)])


class TooManyRequests(AppError):
    status, slug, title = 429, "rate-limited", "Too many requests"


def _problem_response(
    request: Request[Any, Any, Any],
    problem: Problem,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response[Any]:
    problem.instance = request.url.path
    problem.request_id = current_request_id()
    body = {**extensions, **msgspec.to_builtins(problem)} if extensions else problem
    return Response(
        content=msgspec.json.encode(body),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _type(slug: str) -> str:
    return f"urn:voelgoed:problem:{slug}"


_PATH_IN_MESSAGE = re.compile(r"at `\$\.?([^`]*)`")
# msgspec's wording, rewritten for people filling in a form.
_FRIENDLY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Expected `str` of length >= 1$"), "must not be empty"),
    (re.compile(r"^Expected `str` of length >= (\d+)$"), "must be at least {0} characters"),
    (re.compile(r"^Expected `str` of length <= (\d+)$"), "must be at most {0} characters"),
    (re.compile(r"^Expected `(?:int|float)` >= (-?\d+)$"), "must be {0} or more"),
    (re.compile(r"^Expected `(?:int|float)` <= (-?\d+)$"), "must be {0} or less"),
    (re.compile(r"^Expected `str` matching regex .*$"), "has an invalid format"),
    (re.compile(r"^Expected `(\w+)`, got `(\w+)`$"), "must be {0}, not {1}"),
    (re.compile(r"^Expected `(\w+) \| null`, got `(\w+)`$"), "must be {0} or null, not {1}"),
    (re.compile(r"^Invalid RFC3339 encoded datetime$"), "must be a date and time like 2026-12-31T19:00"),
    (re.compile(r"^Invalid UUID$"), "must be a valid id"),
    (re.compile(r"^Object missing required field `[^`]+`$"), "is required"),
    (re.compile(r"^Object contains unknown field `[^`]+`$"), "is not a known field"),
]


_TYPE_WORDS = {
    "int": "a whole number",
    "str": "text",
    "float": "a number",
    "bool": "true or false",
    "object": "a JSON object",
    "array": "a list",
    "null": "null",
}


def _friendly(message: str) -> str:
    for pattern, template in _FRIENDLY:
        match = pattern.match(message)
        if match:
            return template.format(*(_TYPE_WORDS.get(g, g) for g in match.groups()))
    return message


def field_path_and_reason(message: str) -> tuple[str, str]:
    """A msgspec error message -> ("lines.0.quantity", "Expected `int`, got `str`"); the path is
    "data" (the body itself) when the error is about the whole body."""
    match = _PATH_IN_MESSAGE.search(message)
    path = match.group(1).replace("[", ".").replace("]", "") if match else ""
    return path or "data", _PATH_IN_MESSAGE.sub("", message).strip(" -")


def _field_errors(extra: Any) -> list[FieldError]:
    """Turn Litestar/msgspec validation details into `[{field, message}]`."""
    errors: list[FieldError] = []
    items = extra if isinstance(extra, list) else [extra] if extra else []
    for item in items:
        if isinstance(item, dict):
            message = str(item.get("message", "invalid value"))
            field = str(item.get("key") or "")
        else:
            message, field = str(item), ""
        path, reason = field_path_and_reason(message)
        if not field and path != "data":
            field = path
        # Litestar names the request body "data"; clients know it as the body itself.
        if field == "data" or field.startswith("data."):
            field = field[5:]
        named = re.search(r"(?:unknown|required) field `([^`]+)`", message)
        if named:
            field = f"{field}.{named.group(1)}" if field else named.group(1)
        message = reason
        if not field and message.strip("'\"") == "data":  # no body at all
            message = "send a JSON object"
        errors.append(FieldError(field=field or "body", message=_friendly(message)))
    return errors


def _struct_errors(struct_type: type[msgspec.Struct], value: dict[str, Any]) -> list[FieldError]:
    """Every field's error in a JSON object meant for `struct_type`, each field checked on its own.

    msgspec (and so Litestar) stops at the first bad field; a person who sent an empty form needs
    to see every field that is wrong at once."""
    errors: list[FieldError] = []
    fields = msgspec.structs.fields(struct_type)
    known = {f.encode_name for f in fields}
    for f in fields:
        if f.encode_name not in value:
            if f.required:
                errors.append(FieldError(field=f.encode_name, message="is required"))
            continue
        try:
            # strict, as the body is decoded (lib/strict_body.py): "200" is not the number 200
            msgspec.convert(value[f.encode_name], type=f.type, strict=True)
        except msgspec.ValidationError as exc:
            for e in _field_errors(str(exc)):
                field = f.encode_name if e.field == "body" else f"{f.encode_name}.{e.field.lstrip('.')}"
                errors.append(FieldError(field=field, message=e.message))
    if struct_type.__struct_config__.forbid_unknown_fields:
        errors += [FieldError(field=k, message="is not a known field") for k in value if k not in known]
    return errors


def _body_errors(request: Request[Any, Any, Any]) -> list[FieldError]:
    """All field errors of the request's JSON body when the handler takes one msgspec Struct;
    empty when that cannot be told (another body type, not a JSON object)."""
    data_field = getattr(request.route_handler, "parsed_data_field", None)
    struct_type = getattr(data_field, "annotation", None)
    if not (isinstance(struct_type, type) and issubclass(struct_type, msgspec.Struct)):
        return []
    state = ScopeState.from_scope(request.scope)
    value = state.json
    if not isinstance(value, dict) and isinstance(state.body, bytes):
        try:
            value = msgspec.json.decode(state.body)
        except msgspec.DecodeError:
            return []
    if not isinstance(value, dict):
        return []
    try:
        return _struct_errors(struct_type, value)
    except Exception:  # a field type msgspec cannot convert alone: keep the decoder's own error
        log.debug("per-field validation of %s failed", struct_type.__name__, exc_info=True)
        return []


def app_error_handler(request: Request[Any, Any, Any], exc: AppError) -> Response[Any]:
    problem = Problem(type=_type(exc.slug), title=exc.title, status=exc.status, detail=exc.detail, errors=exc.errors)
    return _problem_response(request, problem, exc.headers, exc.extensions)


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = _field_errors(exc.extra)
    items = exc.extra if isinstance(exc.extra, list) else []
    if items and all(isinstance(i, dict) and i.get("source") == "body" and i.get("key") for i in items):
        # The decoder reported the first bad field of the body only: check every field of it.
        errors = _body_errors(request) or errors
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc.detail)
    problem = Problem(
        type=_type("invalid-request"),
        title="Invalid request",
        status=400,
        detail=detail,
        errors=errors or None,
    )
    return _problem_response(request, problem)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    titles = {
        401: "Sign-in required",
        403: "Not allowed",
        404: "Not found",
        405: "Method not allowed",
        413: "Request body too large",
        429: "Too many requests",
    }
    detail = str(exc.detail) if exc.detail else titles.get(status, "Error")
    if status == 413:
        detail = "The request body is larger than this server accepts."
    problem = Problem(type=_type(f"http-{status}"), title=titles.get(status, "Error"), status=status, detail=detail)
    return _problem_response(request, problem, dict(exc.headers or {}))


def not_found_handler(request: Request[Any, Any, Any], exc: NotFoundError) -> Response[Any]:
    problem = Problem(type=_type("not-found"), title="Not found", status=404, detail="No such resource.")
    return _problem_response(request, problem)


def integrity_handler(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    if isinstance(exc, DuplicateKeyError):
        detail = "A record with the same unique value already exists."
    elif isinstance(exc, ForeignKeyError):
        detail = "The record is referenced by, or refers to, another record that blocks this change."
    else:
        detail = "The change conflicts with existing data."
    problem = Problem(type=_type("conflict"), title="Conflict", status=409, detail=detail)
    return _problem_response(request, problem)


# SQLSTATE class 22 ("data exception": NUL in text, number or date out of range, ...) means the
# input was bad, not the server: a 400, never a 500. Nothing was written (the request rolls back).
_DATA_EXCEPTION_CLASS = "22"
_INTEGRITY_CLASS = "23"  # unique, foreign key, check: the constraint is the authority -> 409
# A lock not granted within lock_timeout, or a statement past statement_timeout (db/timeouts.py):
# the server is busy, not broken, and the request changed nothing: 503 with Retry-After, never 500.
_BUSY_STATES = ("55P03", "57014")  # lock_not_available, query_canceled
BUSY_RETRY_AFTER_SECONDS = 2


def database_problem(exc: BaseException) -> Problem | None:
    """The client's share of a database error (409 conflict, 400 bad value), or None: ours (500)."""
    orig = getattr(exc, "orig", exc)
    sqlstate = str(getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", "") or "")
    client_side = type(orig).__name__ == "DataError" or "invalid input for query argument" in str(orig)
    if sqlstate in _BUSY_STATES:
        return busy_problem()
    if sqlstate.startswith(_INTEGRITY_CLASS):
        return Problem(
            type=_type("conflict"), title="Conflict", status=409,
            detail="The change conflicts with existing data (a unique value, a reference or a limit).",
        )  # fmt: skip
    if sqlstate.startswith(_DATA_EXCEPTION_CLASS) or client_side:
        return Problem(
            type=_type("invalid-value"), title="Invalid value", status=400,
            detail="A value in the request cannot be stored (e.g. a NUL character, or a number or date out of range).",
        )  # fmt: skip
    return None


def is_busy(exc: BaseException) -> bool:
    """A lock or statement timeout: the database was busy; retrying at once would wait again."""
    problem = database_problem(exc)
    return problem is not None and problem.status == 503


def busy_problem() -> Problem:
    return Problem(
        type=_type("unavailable"),
        title="Try again later",
        status=503,
        detail="The server is busy. Please try again in a few seconds.",
    )


def retry_headers(problem: Problem) -> dict[str, str] | None:
    """Retry-After on a 503 (busy), so clients and load balancers come back instead of giving up."""
    return {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)} if problem.status == 503 else None


def internal_problem() -> Problem:
    return Problem(
        type=_type("internal"),
        title="Internal error",
        status=500,
        detail="Something went wrong on our side. The request id identifies it in the logs.",
    )


def database_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """SQLAlchemy's wrapped errors, and asyncpg's own from the hot paths that use it directly."""
    problem = database_problem(exc)
    if problem is None:
        return internal_error_handler(request, exc)
    if problem.status == 503:
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    return _problem_response(request, problem, retry_headers(problem))


def transition_handler(request: Request[Any, Any, Any], exc: TransitionNotAllowed) -> Response[Any]:
    problem = Problem(type=_type("illegal-transition"), title="Illegal state transition", status=409, detail=str(exc))
    return _problem_response(request, problem)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _problem_response(request, internal_problem())


exception_handlers: dict[Any, Any] = {
    AppError: app_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_exception_handler,
    NotFoundError: not_found_handler,
    IntegrityError: integrity_handler,
    TransitionNotAllowed: transition_handler,
    DBAPIError: database_error_handler,
    asyncpg.PostgresError: database_error_handler,
    asyncpg.InterfaceError: database_error_handler,
    Exception: internal_error_handler,
}
