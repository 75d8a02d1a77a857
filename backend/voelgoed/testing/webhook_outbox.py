"""A webhook outbox of its own for the worker-kill test and bench/webhooks.

Starts the embedded PostgreSQL and Redis in a folder of its own (so no other worker, such as the
product under test's, delivers anything), migrates, makes one organisation with endpoints, records
events with `outbox_sql.record` (many per transaction, as a busy product would), and runs real
`voelgoed worker` processes that a caller may kill with SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voelgoed.domain.webhooks import outbox_sql, signing
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.lib.crypto import encrypt_str
from voelgoed.settings import REPO_ROOT

SECRET_KEY = "webhook-outbox-secret-key-0123456789"  # noqa: S105 (a throw-away outbox's)


@dataclass
class Outbox:
    data_dir: Path
    database_url: str
    redis_url: str
    engine: AsyncEngine
    organization_id: uuid.UUID = field(default_factory=uuid.uuid4)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    async def start(cls, data_dir: Path) -> Outbox:
        from voelgoed.cli import run_migrations
        from voelgoed.devservices import resolve_urls
        from voelgoed.seed import create_user_account

        data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before anything runs)
        try:
            db_url, redis_url = await asyncio.to_thread(resolve_urls, data_dir, None, None)
            await asyncio.to_thread(run_migrations, db_url)  # Alembic's env runs its own event loop
            await create_user_account(
                db_url,
                email="owner@outbox.example.co.za",
                name="Owner",
                password="outbox-pass-123",  # noqa: S106
                organization="Outbox",
            )
            from voelgoed.db.pool import worker_engine

            engine = worker_engine(db_url, concurrency=5)
            async with engine.connect() as conn:
                org = await conn.scalar(text("SELECT id FROM organization LIMIT 1"))
        except BaseException:  # no embedded server left running behind a failed start
            from voelgoed.devservices import stop_all

            stop_all(data_dir)
            raise
        return cls(data_dir, db_url, redis_url, engine, organization_id=org)

    async def add_endpoint(self, url: str) -> tuple[uuid.UUID, str]:
        endpoint_id, secret = uuid.uuid4(), signing.new_secret()
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO webhook_endpoint (id, organization_id, url, description, event_types, status,"
                    " secret_encrypted, created_at, updated_at)"
                    " VALUES (:id, :org, :url, '', ARRAY['order.paid'], 'enabled', :secret, :now, :now)"
                ),
                {
                    "id": endpoint_id,
                    "org": self.organization_id,
                    "url": url,
                    "secret": encrypt_str(secret, purpose=signing.PURPOSE, secret_key=SECRET_KEY),
                    "now": now,
                },
            )
        return endpoint_id, secret

    async def record(
        self, n: int, *, per_transaction: int = 500, spread_over: list[uuid.UUID] | None = None
    ) -> list[uuid.UUID]:
        """`n` order.paid events, each to every endpoint (or, `spread_over`, each to one of these in turn)."""
        ids: list[uuid.UUID] = []
        while len(ids) < n:
            async with AsyncSession(self.engine) as session, session.begin():
                for _ in range(min(per_transaction, n - len(ids))):
                    event_id = await outbox_sql.record(
                        session,
                        organization_id=self.organization_id,
                        event_type=WebhookEventType.ORDER_PAID,
                        data={"order": {"reference": f"VG-{len(ids):06d}", "total_cents": 25000}},
                        endpoint_ids=[spread_over[len(ids) % len(spread_over)]] if spread_over else None,
                    )
                    assert event_id is not None
                    ids.append(event_id)
        return ids

    def start_worker(
        self, extra_env: dict[str, str] | None = None, log_name: str | None = None
    ) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "VOELGOED_ENV": "test",
            "VOELGOED_DATA_DIR": str(self.data_dir),
            "SECRET_KEY": SECRET_KEY,
            "WORKER_NICE": "0",
            "LOG_LEVEL": "WARNING",
            # This checkout's code, whichever install the interpreter has (worktrees share one venv).
            "PYTHONPATH": str(REPO_ROOT / "backend"),
            **(extra_env or {}),
        }
        env.pop("SMTP_HOST", None)
        log = (self.data_dir / (log_name or f"worker-{len(self.workers)}.log")).open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "voelgoed", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.workers.append(proc)
        return proc

    async def counts(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT status, count(*) FROM webhook_delivery GROUP BY status"))
            return {str(r[0]): int(r[1]) for r in rows}

    async def flush_redis(self) -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(self.redis_url)
        try:
            await client.flushall()
        finally:
            await client.aclose()

    async def stop(self) -> None:
        from voelgoed.devservices import stop_all

        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        await self.engine.dispose()
        stop_all(self.data_dir)
