"""Test harness: the real product against real servers.

Once per test session: start the embedded PostgreSQL and Redis in a throw-away folder (or use
DATABASE_URL / REDIS_URL when set), then run the whole product (`voelgoed run --no-demo`: API,
worker, local SMTP sink) as a subprocess on a free port. Tests talk to it over HTTP. Between
tests every table is truncated and rate-limit counters are cleared, so tests do not see each
other's data.
"""

from __future__ import annotations

import asyncio
import email
import email.parser
import email.policy
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from voelgoed.devservices import resolve_urls, stop_all
from voelgoed.settings import PAYFAST_DEFAULT_ALLOWED_IPS, PAYSTACK_DEFAULT_ALLOWED_IPS


@dataclass
class Stack:
    base_url: str
    database_url: str
    redis_url: str
    data_dir: Path

    worker_metrics_url: str = ""  # the worker's own /metrics (tests/api/test_metrics.py)

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"


METRICS_TOKEN = "test-metrics-token-0123456789"  # /metrics of the product under test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    data_dir = Path(tempfile.mkdtemp(prefix="vg-test-"))
    db_url, redis_url = resolve_urls(data_dir, os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL"))
    port = _free_port()
    worker_metrics_port = _free_port()
    # Payments (docs/payments.md#tests): PayFast calls go to the fake PayFast of tests/fakes/payfast.py
    # on this port, and loopback may send ITNs in tests only; loopback is also the "proxy" through
    # which the foreign-IP and rate-limit tests send X-Forwarded-For (TRUSTED_PROXIES).
    os.environ.setdefault("PAYFAST_BASE_URL", f"http://127.0.0.1:{_free_port()}")
    os.environ.setdefault("PAYFAST_API_URL", os.environ["PAYFAST_BASE_URL"])  # the fake serves its API too
    # Yoco and Paystack likewise go to tests/fakes/yoco.py and tests/fakes/paystack.py.
    os.environ.setdefault("YOCO_API_URL", f"http://127.0.0.1:{_free_port()}")
    os.environ.setdefault("PAYSTACK_API_URL", f"http://127.0.0.1:{_free_port()}")
    # Ozow: the fake Ozow of tests/fakes/ozow.py serves the pay site and the API on one port.
    ozow_port = _free_port()
    os.environ.setdefault("OZOW_PAY_URL", f"http://127.0.0.1:{ozow_port}/pay")
    os.environ.setdefault("OZOW_API_URL", f"http://127.0.0.1:{ozow_port}/api")
    env = {
        **os.environ,
        "PAYFAST_ALLOWED_IPS": ",".join([*PAYFAST_DEFAULT_ALLOWED_IPS, "127.0.0.1/32"]),
        "PAYSTACK_ALLOWED_IPS": ",".join([*PAYSTACK_DEFAULT_ALLOWED_IPS, "127.0.0.1/32"]),
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "VOELGOED_ENV": "test",
        "SECRET_KEY": "test-secret",
        "LOGIN_ATTEMPTS_PER_WINDOW": "5",
        "LOGIN_WINDOW_SECONDS": "60",
        "METRICS_TOKEN": METRICS_TOKEN,
        "WORKER_METRICS_PORT": str(worker_metrics_port),
    }
    env.pop("SMTP_HOST", None)
    log_path = data_dir / "product.log"
    log_file = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voelgoed",
            "run",
            "--no-demo",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(base + "/ready", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("product did not start:\n" + log_path.read_text()[-4000:])
        time.sleep(0.2)
    try:
        yield Stack(
            base_url=base,
            database_url=db_url,
            redis_url=redis_url,
            data_dir=data_dir,
            worker_metrics_url=f"http://127.0.0.1:{worker_metrics_port}/metrics",
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log_file.close()
        if "DATABASE_URL" not in os.environ:
            stop_all(data_dir)
            if os.environ.get("VG_KEEP_TEST_DATA"):  # keep product.log (and the data) to debug a failure
                print(f"\ntest data kept in {data_dir}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
async def engine(stack: Stack) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(stack.database_url, pool_size=5)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def redis(stack: Stack) -> AsyncIterator[Redis]:
    client = Redis.from_url(stack.redis_url)
    yield client
    await client.aclose()


_queues: dict[str, Any] = {}


async def wait_for_worker_idle(redis_url: str, timeout: float = 30) -> None:
    """Let the product's worker finish queued jobs (e.g. ticket delivery) before the next step."""
    from voelgoed.worker import make_queue

    queue = _queues.get(redis_url)
    if queue is None:  # one connection for the whole session: connecting per test is slow
        queue = _queues[redis_url] = make_queue(redis_url)
        await queue.connect()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await queue.count("queued") == 0 and await queue.count("active") == 0:
            return
        await asyncio.sleep(0.05)


_tables: list[str] = []


async def reset_state(engine: AsyncEngine, redis: Redis, redis_url: str | None = None) -> None:
    """Empty every table and clear rate-limit counters (tests must not see each other's data).

    Waits for the worker first (a job still writing would race the clean-up), then deletes every
    row with triggers and foreign-key checks off for this transaction (much faster than TRUNCATE,
    which rewrites every table's files), retrying on a lock timeout or deadlock."""
    if redis_url:
        await wait_for_worker_idle(redis_url)
    for attempt in range(5):
        try:
            async with engine.begin() as conn:
                if not _tables:
                    _tables.extend(
                        (
                            await conn.execute(
                                text(
                                    "SELECT tablename FROM pg_tables"
                                    " WHERE schemaname='public' AND tablename <> 'alembic_version'"
                                )
                            )
                        ).scalars()
                    )
                # One round trip (asyncpg's simple-query protocol takes several statements).
                statements = ["SET LOCAL lock_timeout = '5s'", "SET LOCAL session_replication_role = replica"]
                statements += [f'DELETE FROM "{t}"' for t in _tables]  # noqa: S608 (our own table names)
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute("; ".join(statements))  # type: ignore[union-attr]
            break
        except DBAPIError:
            if attempt == 4:
                raise
            await asyncio.sleep(0.5)
    keys = [k async for k in redis.scan_iter(match="rl:*")]
    if keys:
        await redis.delete(*keys)


class Api(httpx.AsyncClient):
    """An HTTP client that behaves like the organiser app: keeps cookies, sends the CSRF header."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url=base_url, timeout=20)
        self.me: dict[str, Any] = {}

    async def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        csrf = self.cookies.get("vg_csrf")
        if csrf and method.upper() not in {"GET", "HEAD", "OPTIONS"}:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRF-Token", csrf)
            kwargs["headers"] = headers
        return await super().request(method, url, *args, **kwargs)

    @property
    def org_id(self) -> str:
        return str(self.me["memberships"][0]["organization_id"])

    def org(self, path: str = "") -> str:
        return f"/api/organizations/{self.org_id}{path}"


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[Api]:
    async with Api(stack.base_url) as api:
        yield api


@pytest.fixture
async def new_client(stack: Stack) -> AsyncIterator[Any]:
    """Factory for further independent browsers/users in one test."""
    clients: list[Api] = []

    def make() -> Api:
        api = Api(stack.base_url)
        clients.append(api)
        return api

    yield make
    for api in clients:
        await api.aclose()


PASSWORD = "correct-horse-battery"


async def sign_up(
    api: Api, *, email: str | None = None, name: str = "Test User", organization: str | None = "Test Org"
) -> dict[str, Any]:
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.co.za"
    body: dict[str, Any] = {"email": email, "password": PASSWORD, "name": name}
    if organization:
        body["organization_name"] = organization
    response = await api.post("/api/auth/sign-up", json=body)
    assert response.status_code == 201, response.text
    api.me = response.json()
    return api.me


# (To, Subject) of each mail file read so far: the sink only adds files, and a session's run
# gathers thousands (tickets with PDFs), too many to parse whole on every poll.
_mail_headers: dict[Path, tuple[str, str]] = {}


def _headers_of(path: Path) -> tuple[str, str]:
    found = _mail_headers.get(path)
    if found is None:
        with path.open("rb") as f:
            head = email.parser.BytesHeaderParser(policy=email.policy.default).parse(f)
        found = _mail_headers[path] = (str(head["To"]), str(head["Subject"]))
    return found


async def wait_for_mail(stack: Stack, to: str, subject_contains: str = "", timeout: float = 30) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.mail_dir.is_dir():
            for path in sorted(stack.mail_dir.glob("*.eml")):
                msg_to, subject = _headers_of(path)
                if to in msg_to and subject_contains in subject:
                    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                    assert isinstance(msg, EmailMessage)
                    return msg
        await asyncio.sleep(0.1)
    # What the product did meanwhile (jobs, Redis, mail), to tell a slow worker from a lost job.
    log = stack.data_dir / "product.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    wanted = ("job", "Redis", "e-mail", "mail", "Traceback", "Error")
    recent = "\n".join(line[:300] for line in lines if any(w in line for w in wanted))[-6000:]
    raise AssertionError(
        f"no e-mail to {to} containing {subject_contains!r} within {timeout}s\n{await _queue_state(stack)}\n{recent}"
    )


async def _queue_state(stack: Stack) -> str:
    """SAQ's lists as Redis has them: a job in `active` that no worker logged is one a worker's
    connection took and lost (tests/unit/test_worker_queue.py); one still `queued`, a busy worker."""
    from redis.asyncio import Redis

    async with Redis.from_url(stack.redis_url, decode_responses=True) as redis:
        lists = {name: await redis.lrange(f"saq:voelgoed:{name}", 0, 20) for name in ("queued", "active")}
    return "SAQ " + ", ".join(f"{name}: {[str(k)[-60:] for k in keys]}" for name, keys in lists.items())


def mail_text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def future(days: int = 30, hour: int = 19) -> str:
    """A naive local date-time string `days` from now (read in the event's time zone)."""
    from datetime import datetime, timedelta

    d = datetime.now() + timedelta(days=days)
    return d.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()
