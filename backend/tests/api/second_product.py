"""A second product process on a database of the test's choosing (a restored dump, a read replica),
and throw-away databases on the test server to put there.

The session's product (tests/conftest.py) keeps running on its own database; this one runs
`voelgoed serve` (the API only: no worker, no mail sink) with the same SECRET_KEY, on its own Redis
database number so that its caches and rate limits are its own."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Stack, _free_port
from voelgoed.db.backup import libpq_url, postgres_binary

SECOND_REDIS_DB = 7


def other_redis_db(redis_url: str, db: int = SECOND_REDIS_DB) -> str:
    joiner = "&" if "?" in redis_url else "?"
    return f"{redis_url}{joiner}db={db}"


@contextlib.contextmanager
def product_process(stack: Stack, database_url: str, **extra_env: str) -> Iterator[str]:
    """`voelgoed serve` on `database_url`; yields its base URL; stopped at the end."""
    data_dir = stack.data_dir / f"second-{uuid.uuid4().hex[:8]}"
    data_dir.mkdir()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": other_redis_db(stack.redis_url),
        "VOELGOED_ENV": "test",
        "SECRET_KEY": "test-secret",  # the session's product's (tests/conftest.py)
        "TRUSTED_PROXIES": "127.0.0.1/32",
        **extra_env,
    }
    env.pop("SMTP_HOST", None)
    with Redis.from_url(env["REDIS_URL"]) as redis:  # its own caches and rate limits, empty
        redis.flushdb()
    log_path = data_dir / "product.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "voelgoed", "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(base + "/ready", timeout=1).status_code == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("second product did not start:\n" + log_path.read_text()[-4000:])
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def url_of_database(database_url: str, name: str) -> str:
    """The same server, another database."""
    return make_url(database_url).set(database=name).render_as_string(hide_password=False)


async def create_database(engine: AsyncEngine, name: str) -> None:
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))


async def drop_database(engine: AsyncEngine, name: str) -> None:
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def pg_restore(dump: Path, database_url: str) -> None:
    """What docs/operations.md tells an operator to run: pg_restore into a fresh database."""
    url, env = libpq_url(database_url)
    subprocess.run(
        [
            postgres_binary("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={url}",
            str(dump),
        ],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )


def voelgoed(stack: Stack, *args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    """A `voelgoed` CLI command against `database_url` (output captured)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": other_redis_db(stack.redis_url),
        "VOELGOED_DATA_DIR": str(stack.data_dir / "cli"),
        "VOELGOED_ENV": "test",
        "SECRET_KEY": "test-secret",
    }
    return subprocess.run(
        [sys.executable, "-m", "voelgoed", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
