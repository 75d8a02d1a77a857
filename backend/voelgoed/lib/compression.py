"""Response compression that never touches an event stream.

Litestar's compression middleware holds a response's start until its first body chunk (it must
know the size to decide), so a Server-Sent Events stream with nothing to say yet sends no headers:
EventSource never opens and the organiser's pages fall back to polling. Compressing an event
stream gains nothing anyway (small, sparse messages) and every proxy or compressor in the way must
pass each message on at once. So `text/event-stream` responses go out untouched, uncompressed,
whatever the client's Accept-Encoding; every other response is compressed as before."""

from __future__ import annotations

from typing import Literal

from litestar.enums import CompressionEncoding
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import HTTPResponseStartEvent, Message, Scope, Send

EVENT_STREAM = b"text/event-stream"


def is_event_stream(message: HTTPResponseStartEvent) -> bool:
    """Whether an `http.response.start` message starts a Server-Sent Events response."""
    for name, value in message["headers"]:
        if name.lower() == b"content-type":
            return bytes(value).split(b";", 1)[0].strip().lower() == EVENT_STREAM
    return False


class EventStreamSafeCompression(CompressionMiddleware):
    """CompressionMiddleware that passes `text/event-stream` responses through as they are sent."""

    def create_compression_send_wrapper(
        self,
        send: Send,
        compression_encoding: Literal[CompressionEncoding.BROTLI, CompressionEncoding.GZIP] | str,
        scope: Scope,
    ) -> Send:
        compressing = super().create_compression_send_wrapper(send, compression_encoding, scope)
        passthrough = False

        async def send_wrapper(message: Message) -> None:
            nonlocal passthrough
            if message["type"] == "http.response.start":
                passthrough = is_event_stream(message)
            await (send if passthrough else compressing)(message)

        return send_wrapper
