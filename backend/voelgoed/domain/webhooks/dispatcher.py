"""The worker's webhook dispatcher: deliveries start within about a second of their commit.

Each worker process runs one `Dispatcher` beside its SAQ jobs (worker.py starts it at start-up).
It LISTENs on `voelgoed_webhooks` (a trigger NOTIFYs on every committed insert of deliveries,
migration 0026, and a redelivery NOTIFYs itself; a rolled-back transaction notifies nobody) and
also looks every WEBHOOKS_POLL_SECONDS, so a lost listener, a notification missed while
reconnecting, or a retry that became due costs at most that long. One pump keeps up to
WEBHOOKS_CONCURRENCY requests in flight, claiming as slots free up (SKIP LOCKED keeps workers
apart) and recording attempts as they finish, so a slow receiver delays no one else's deliveries;
no endpoint holds more than half of a worker's slots.

Nothing here is needed for correctness: the cron sweep (jobs.py) delivers whatever is due even
when this task is gone, and what is due is only ever read from PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from voelgoed.domain.webhooks.delivery import DisabledHook, attempt, claim_due, record_results
from voelgoed.domain.webhooks.delivery_sql import CHANNEL, KEEPALIVE, Result
from voelgoed.settings import WebhookSettings

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 5.0


class Dispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        client: httpx.AsyncClient,
        ws: WebhookSettings,
        listen_dsn: str | None,
        on_disabled: DisabledHook | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.ws = ws
        self.listen_dsn = listen_dsn.replace("postgresql+asyncpg://", "postgresql://", 1) if listen_dsn else None
        self.on_disabled = on_disabled
        # One endpoint never holds more than half of this worker's requests: a slow or dead
        # receiver with a backlog leaves room for everyone else's.
        self.per_endpoint = max(1, ws.concurrency // 2)
        self._waker = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.delivered = 0

    def start(self) -> None:
        for task in self._tasks:  # a restart: whatever is left of the previous run goes
            task.cancel()
        self._tasks = [asyncio.create_task(self._pump(), name="webhooks-pump")]
        if self.listen_dsn:
            self._tasks.append(asyncio.create_task(self._listen(), name="webhooks-listen"))

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not any(t.done() for t in self._tasks)

    def wake(self, *_: object) -> None:
        self._waker.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def _pump(self) -> None:
        """Keep up to WEBHOOKS_CONCURRENCY requests in flight: claim as slots free up, record each
        group of finished attempts as it finishes (no batch waits for its slowest request)."""
        inflight: dict[asyncio.Task[Result], uuid.UUID] = {}
        while True:
            self._waker.clear()  # before claiming: a NOTIFY arriving meanwhile is not missed
            free = self.ws.concurrency - len(inflight)
            claimed = []
            if free > 0:
                busy = Counter(inflight.values())
                full = [endpoint for endpoint, n in busy.items() if n >= self.per_endpoint]
                try:
                    claimed = await claim_due(self.engine, self.ws, min(free, self.ws.batch_size), skip_endpoints=full)
                except Exception:  # the database away: try again after a poll interval
                    log.exception("claiming webhook deliveries failed")
            for c in claimed:
                inflight[asyncio.create_task(attempt(self.client, self.ws, c))] = c.endpoint_id
            if claimed and len(claimed) == min(free, self.ws.batch_size) and len(inflight) < self.ws.concurrency:
                continue  # more may be due: claim again before waiting
            waker = asyncio.create_task(self._waker.wait())
            try:
                await asyncio.wait([*inflight, waker], timeout=self.ws.poll_seconds, return_when="FIRST_COMPLETED")
            finally:
                waker.cancel()
            finished = [task for task in inflight if task.done()]
            if not finished:
                continue
            if len(finished) < len(inflight) and len(finished) < self.ws.batch_size:
                await asyncio.sleep(0.005)  # let neighbours finish: one transaction records a group
                finished = [task for task in inflight if task.done()]
            for task in finished:
                del inflight[task]
            results = [task.result() for task in finished]  # attempt() never raises
            try:
                await record_results(self.engine, results, self.ws, self.on_disabled)
                self.delivered += len(results)
            except Exception:  # not recorded: their leases run out and they are sent again
                log.exception("recording webhook attempts failed")

    async def _listen(self) -> None:
        assert self.listen_dsn is not None
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.listen_dsn, server_settings={"application_name": "voelgoed webhooks"})
                await conn.add_listener(CHANNEL, self.wake)
                self.wake()  # whatever was committed while not listening
                while not conn.is_closed():
                    await asyncio.sleep(15)
                    await conn.execute(KEEPALIVE)  # finds a connection no one closed
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("webhooks listener lost (%s); polling meanwhile", exc)
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            await asyncio.sleep(RECONNECT_SECONDS)
