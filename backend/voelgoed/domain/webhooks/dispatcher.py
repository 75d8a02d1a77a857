"""The worker's webhook dispatcher: deliveries start within about a second of their commit.

Each worker process runs one `Dispatcher` beside its SAQ jobs (worker.py starts it at start-up).
It LISTENs on `voelgoed_webhooks` (a trigger NOTIFYs on every committed insert of deliveries,
migration 0026, and a redelivery NOTIFYs itself; a rolled-back transaction notifies nobody) and
also looks every WEBHOOKS_POLL_SECONDS, so a lost listener, a notification missed while
reconnecting, or a retry that became due costs at most that long. `lanes` loops claim batches
in parallel (delivery.py), SKIP LOCKED keeping them and every other worker apart.

Nothing here is needed for correctness: the cron sweep (jobs.py) delivers whatever is due even
when this task is gone, and what is due is only ever read from PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from voelgoed.domain.webhooks.delivery import DisabledHook, deliver_batch
from voelgoed.domain.webhooks.delivery_sql import CHANNEL
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
        self.lanes = max(1, math.ceil(ws.concurrency / ws.batch_size))
        self._wakers = [asyncio.Event() for _ in range(self.lanes)]
        self._tasks: list[asyncio.Task[None]] = []
        self.delivered = 0

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._lane(w), name=f"webhooks-lane-{i}") for i, w in enumerate(self._wakers)
        ]
        if self.listen_dsn:
            self._tasks.append(asyncio.create_task(self._listen(), name="webhooks-listen"))

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not all(t.done() for t in self._tasks)

    def wake(self, *_: object) -> None:
        for waker in self._wakers:
            waker.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def _lane(self, waker: asyncio.Event) -> None:
        while True:
            waker.clear()  # before claiming: a NOTIFY arriving meanwhile is not missed
            try:
                n = await deliver_batch(self.engine, self.client, self.ws, on_disabled=self.on_disabled)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away: try again after a poll interval
                log.exception("webhook delivery batch failed")
                n = 0
            self.delivered += n
            if n == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waker.wait(), self.ws.poll_seconds)

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
                    await conn.execute("SELECT 1")  # finds a connection no one closed
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("webhooks listener lost (%s); polling meanwhile", exc)
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            await asyncio.sleep(RECONNECT_SECONDS)
