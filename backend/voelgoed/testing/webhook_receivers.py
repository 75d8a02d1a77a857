"""Local webhook receivers for tests and bench/webhooks: a tiny asyncio HTTP/1.1 server.

Each `Receiver` listens on 127.0.0.1 (or ::1), keeps connections alive, and records every request
(headers, body, arrival time). What it answers is up to the test: `status` (a number, or a callable
of the request giving one) and `delay` (seconds before answering; a timeout test makes it long).
No framework: the benchmark needs receivers much faster than the senders it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() on arrival


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    status: int | Callable[[Received], int] = 200
    delay: float = 0.0
    keep: bool = True  # keep every request (a benchmark may keep only ids and times)
    requests: list[Received] = field(default_factory=list)
    connections: int = 0
    count: int = 0
    on_request: Callable[[Received], None] | None = None
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/hook"

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, self.host, 0, backlog=1024)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def wait_for(self, n: int, timeout: float = 15.0) -> list[Received]:  # noqa: ASYNC109
        """The requests once `n` have arrived, or when `timeout` has passed (the caller asserts)."""
        deadline = time.monotonic() + timeout
        while self.count < n and time.monotonic() < deadline:  # noqa: ASYNC110 (a test's poll)
            await asyncio.sleep(0.02)
        return self.requests

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                got = Received(headers, body, time.time())
                self.count += 1
                if self.keep:
                    self.requests.append(got)
                if self.on_request is not None:
                    self.on_request(got)
                if self.delay:
                    await asyncio.sleep(self.delay)
                status = self.status(got) if callable(self.status) else self.status
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
