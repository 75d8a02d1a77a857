"""JSON request bodies are decoded strictly: a string is not a number.

Litestar (2.x) converts a decoded body into the handler's `data` type with msgspec's lax mode
(`convert(..., strict=False)`), which reads the JSON string "200.00" as the integer 200 (R 2.00 of
cents where R 200.00 was meant), "20000" as 20000 and the float 2e4 as 20000. Money is integer cents,
and a person's mistake must be a 400 naming the field, not a different amount stored.

`strict_json_body` is the app's one `before_request` hook: before Litestar's own conversion it
decodes the raw body against the handler's `data` annotation with msgspec's strict decoder (the
JSON types only: strings stay strings, except where the field's type is itself spelled as a string
in JSON: datetimes, dates, UUIDs, enums). A body the strict decoder refuses raises the same
`ValidationException` Litestar would, so lib/problems.py renders it (every bad field, by name).
Malformed JSON and an empty body are left to Litestar, which already answers them with a 400.

Cost: one extra msgspec decode of a small body per request that has one (a few microseconds; the
decoder is built once per handler), nothing for requests without a JSON body.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.params import BodyKwarg

from voelgoed.lib.problems import field_path_and_reason

# handler -> its strict decoder, or None when the handler takes no JSON body.
_DECODERS: dict[int, msgspec.json.Decoder[Any] | None] = {}
_JSON_MEDIA = re.compile(r"^application/([\w.+-]*\+)?json\b")


def _decoder_for(request: Request[Any, Any, Any]) -> msgspec.json.Decoder[Any] | None:
    handler = request.route_handler
    key = id(handler)  # handlers live as long as the app
    try:
        return _DECODERS[key]
    except KeyError:
        pass
    decoder: msgspec.json.Decoder[Any] | None = None
    field = handler.parsed_data_field
    kwarg = getattr(field, "kwarg_definition", None)
    media_type = getattr(kwarg, "media_type", None) if isinstance(kwarg, BodyKwarg) else None
    json_body = media_type is None or str(getattr(media_type, "value", media_type)) == "application/json"
    if field is not None and json_body and handler.resolve_data_dto() is None:
        try:
            decoder = msgspec.json.Decoder(field.annotation, strict=True)
        except TypeError:  # a type msgspec cannot decode alone (Litestar's own handling applies)
            decoder = None
    _DECODERS[key] = decoder
    return decoder


async def strict_json_body(request: Request[Any, Any, Any]) -> None:
    """`before_request` hook: refuse a JSON body that is only valid under lax conversion."""
    decoder = _decoder_for(request)
    if decoder is None:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type and not _JSON_MEDIA.match(content_type):
        return None  # not sent as JSON: Litestar decides what it makes of it
    body = await request.body()  # cached in the scope: Litestar reads the same bytes next
    if not body.strip():
        return None
    try:
        decoder.decode(body)
    except msgspec.ValidationError as exc:
        key, reason = field_path_and_reason(str(exc))
        item = {"message": reason, "key": key, "source": "body"}
        raise ValidationException(
            detail=f"Validation failed for {request.method} {request.url.path}", extra=[item]
        ) from exc
    except msgspec.DecodeError:
        return None  # malformed JSON: Litestar's own 400
    return None
