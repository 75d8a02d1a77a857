"""Declare non-JSON answers in the OpenAPI spec as the server sends them (decorator arguments).

Litestar documents a `Stream`, a `Response[bytes]` or an empty `Response[None]` as JSON of an
unknown shape, and generated clients then try to decode a CSV, a PDF or an event stream as JSON.
Each handler that answers otherwise says so with `responses=...` from here; the spec's post-pass
(web/openapi_contract.py) marks binary bodies `format: binary`, and
tests/api/test_openapi_contract.py checks every declaration against the running server.
"""

from __future__ import annotations

from typing import Any

from litestar.openapi.datastructures import ResponseSpec

CSV = "text/csv"  # Litestar adds "; charset=utf-8" to every text/* type: never write it here too
EVENT_STREAM = "text/event-stream"
PDF = "application/pdf"
# Bodies that are bytes, not text or JSON: the spec's post-pass gives their schema `format: binary`.
BINARY_MEDIA_TYPES = (PDF, "application/octet-stream", "image/")


def csv_answer(description: str, status: int = 200) -> dict[int, ResponseSpec]:
    """A CSV file (UTF-8 text, `Content-Disposition: attachment`)."""
    return {status: ResponseSpec(data_container=str, media_type=CSV, description=description, generate_examples=False)}


def pdf_answer(description: str, status: int = 200) -> dict[int, ResponseSpec]:
    """A PDF file (bytes)."""
    return {
        status: ResponseSpec(data_container=bytes, media_type=PDF, description=description, generate_examples=False)
    }


def event_stream_answer(description: str, status: int = 200) -> dict[int, ResponseSpec]:
    """Server-sent events (`text/event-stream`): read it with an EventSource, not as one document."""
    return {
        status: ResponseSpec(
            data_container=str, media_type=EVENT_STREAM, description=description, generate_examples=False
        )
    }


def json_answer(model: Any, description: str, status: int = 200) -> dict[int, ResponseSpec]:
    """A JSON body of `model` that the handler writes itself (a stream, pre-encoded bytes)."""
    return {status: ResponseSpec(data_container=model, description=description, generate_examples=False)}


def no_content_answer(description: str, status: int = 204) -> dict[int, ResponseSpec]:
    """No body at all (Litestar would declare `null` as JSON for `Response[None]`)."""
    return {status: ResponseSpec(data_container=None, description=description)}


# The header a buyer sends the order's token in; the spec's `orderToken` security follows it
# (web/openapi_contract.py), so every handler names it from here.
ORDER_TOKEN_HEADER = "X-Order-Token"  # noqa: S105 (a header name)
ORDER_ACCESS_HEADER_HELP = (
    "The order's secret access token (`access_token` of createReservation, or of a claimed waiting-list "
    "offer). A wrong token, or another order's, answers 404."
)
