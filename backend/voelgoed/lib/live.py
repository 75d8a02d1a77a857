"""Live streams across processes: one LISTEN per API process, fanned out to its watchers.

A sale, a scan or a snapshot build changes an event's live figures; triggers send
`NOTIFY voelgoed_live, '<event id>'` in that transaction (migration 0024), whichever process or
worker made the change. Each API process keeps one connection straight to PostgreSQL
(DATABASE_DIRECT_URL: LISTEN does not work through a transaction pooler, db/pooler.py) listening on
that channel. A notification bumps the event's *version* and wakes the watchers of that event in
this process; they then read the new figures through `shared()`, which runs one computation per
(what, version) however many watchers ask. So 1,000 watchers of one event cost one read per change
per process, and nothing at all while nothing changes (bench/scale_out measures both).

Losing the listener (PostgreSQL restarted, the network cut) must not leave watchers stale: while
it is down every watched event's version is bumped every FALLBACK_SECONDS (slow polling: one shared
read per event per interval), and the listener reconnects with backoff; on reconnecting every
version is bumped once more, so a change made while it was down is picked up. Keep-alive: a
`SELECT 1` every KEEPALIVE_SECONDS on the listener finds a dead connection that no one closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

import asyncpg

from voelgoed.lib import live_sql

log = logging.getLogger(__name__)
CHANNEL = "voelgoed_live"
APP_NAME = "voelgoed live"  # the listener in pg_stat_activity
FALLBACK_SECONDS = 5.0
KEEPALIVE_SECONDS = 15.0
T = TypeVar("T")


class LiveHub:
    def __init__(self, dsn: str | None) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://", 1) if dsn else None
        self._versions: dict[str, int] = {}
        self._wakers: dict[str, asyncio.Event] = {}
        self._watchers: dict[str, int] = {}
        self._shared: dict[Hashable, tuple[int, asyncio.Future[Any]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.listening = False
        self.notifications = 0  # received (for the benchmark's report)

    # --- watchers ---------------------------------------------------------------------------------
    def version(self, event_id: object) -> int:
        return self._versions.get(str(event_id), 0)

    def _bump(self, key: str) -> None:
        self._versions[key] = self._versions.get(key, 0) + 1
        waker = self._wakers.pop(key, None)
        if waker is not None:
            waker.set()

    async def wait(self, event_id: object, seen: int, within: float) -> int:
        """The event's version once it is newer than `seen`, or after `within` seconds."""
        self._ensure_started()
        key = str(event_id)
        if self.version(key) == seen:
            waker = self._wakers.setdefault(key, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waker.wait(), within)
        return self.version(key)

    @contextlib.contextmanager
    def watching(self, event_id: object) -> Any:
        """Count a watcher (fallback polling and clean-up cover only watched events)."""
        key = str(event_id)
        self._watchers[key] = self._watchers.get(key, 0) + 1
        self._ensure_started()  # connecting while the first read runs; ready, it makes every watcher read once
        try:
            yield
        finally:
            self._watchers[key] -= 1
            if not self._watchers[key]:
                del self._watchers[key]
                self._versions.pop(key, None)
                self._wakers.pop(key, None)
                for shared_key in [k for k in self._shared if isinstance(k, tuple) and k[:1] == (key,)]:
                    del self._shared[shared_key]

    async def shared(self, key: tuple[Any, ...], version: int, compute: Callable[[], Awaitable[T]]) -> T:
        """`compute()` once per (key, version), its result (or error) handed to every caller.
        `key[0]` is the event id as a string (so the entry goes with the event's last watcher)."""
        found = self._shared.get(key)
        if found is None or found[0] != version:
            future: asyncio.Future[Any] = asyncio.ensure_future(compute())
            future.add_done_callback(lambda f: f.exception())  # retrieved: no "never retrieved" warning
            self._shared[key] = found = (version, future)
        result: T = await asyncio.shield(found[1])
        return result

    # --- the listener -----------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self._task is None:  # no database address (never in a configured product): poll only
            self._task = asyncio.create_task(self._listen_forever() if self.dsn else self._poll_while_down())

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self.notifications += 1
        if isinstance(payload, str) and payload in self._watchers:
            self._bump(payload)

    async def _listen_forever(self) -> None:
        delay = 0.5
        fallback: asyncio.Task[None] | None = None
        try:
            while True:
                if fallback is None:  # polls from the start until a LISTEN is in place
                    fallback = asyncio.create_task(self._poll_while_down())
                try:
                    conn = await asyncpg.connect(self.dsn, timeout=10, server_settings={"application_name": APP_NAME})
                except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                    log.warning("live streams: cannot LISTEN (%s); polling every %.0f s", exc, FALLBACK_SECONDS)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10.0)
                    continue
                lost = asyncio.Event()  # the server closed the connection (terminated, restarted)
                try:
                    conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                    await conn.add_listener(CHANNEL, self._on_notify)
                    fallback.cancel()
                    fallback = None
                    self.listening, delay = True, 0.5
                    for key in list(self._watchers):  # whatever changed while we were not listening
                        self._bump(key)
                    while not lost.is_set():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(lost.wait(), KEEPALIVE_SECONDS)
                        if not lost.is_set():  # a cut network closes nothing: ask
                            await conn.fetchval(live_sql.KEEPALIVE, timeout=10)
                    log.warning("live streams: the LISTEN connection was closed; polling until it is back")
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                    log.warning("live streams: LISTEN connection lost (%s); polling until it is back", exc)
                finally:
                    self.listening = False
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
        finally:
            if fallback is not None:
                fallback.cancel()

    async def _poll_while_down(self) -> None:
        while True:
            await asyncio.sleep(FALLBACK_SECONDS)
            for key in list(self._watchers):
                self._bump(key)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
