"""The compose topology without Docker: N API processes and M workers behind PgBouncer.

    sudo infra/local/run.sh start --apis 2 --workers 2 --dir /tmp/vg-topology   # Ctrl-C stops it
    infra/local/run.sh stop --dir /tmp/vg-topology                               # from elsewhere

What infra/compose/compose.yaml runs in containers, here as plain processes on one machine, with
Debian's packages: PostgreSQL (a throw-away cluster made with initdb in `--dir`), PgBouncer in
transaction pooling mode and redis-server, each on a free loopback port. Migrations run straight on
PostgreSQL (as compose's `migrate` service does); the API processes (`voelgoed serve`) and workers
(`voelgoed worker`) reach PostgreSQL through PgBouncer with DATABASE_PGBOUNCER=1, and straight
(DATABASE_DIRECT_URL) for LISTEN and session locks (backend/voelgoed/db/pooler.py).

Missing packages are installed with apt-get when run as root (else: a message naming them).
PostgreSQL and PgBouncer refuse to run as root: as root they run as the `postgres` system user
(made by Debian's postgresql package). Used by backend/tests/multiprocess and bench/scale_out
(`Topology(...).start()` / `.stop()`); standard library only, the product's Python runs the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("postgresql", "pgbouncer", "redis-server")
DB_NAME = DB_USER = "voelgoed"
STATE_FILE = "topology.json"


class TopologyError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[4]))
    return found[-1].parent if found else None


def _missing_packages() -> list[str]:
    missing = []
    if _pg_bin() is None:
        missing.append("postgresql")
    if not shutil.which("pgbouncer") and not Path("/usr/sbin/pgbouncer").exists():
        missing.append("pgbouncer")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    return missing


def ensure_packages() -> None:
    """Install Debian's postgresql, pgbouncer and redis-server when one is missing (root only).
    Debian's postinst would start the system's own services; policy-rc.d stops that (no systemd in
    containers anyway), so nothing but our throw-away servers runs."""
    missing = _missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise TopologyError(
            f"missing Debian packages: {' '.join(missing)}. Install them as root:"
            f" apt-get install -y {' '.join(PACKAGES)} (or run this as root, and it will)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    policy = Path("/usr/sbin/policy-rc.d")
    had_policy = policy.exists()
    if not had_policy:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], check=True, env=env, stdout=subprocess.DEVNULL)
    finally:
        if not had_policy:
            policy.unlink(missing_ok=True)
    if _missing_packages():
        raise TopologyError(f"apt-get did not install {' '.join(_missing_packages())}")


def _service_user() -> str | None:
    """Who runs PostgreSQL and PgBouncer: `postgres` when we are root (both refuse root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise TopologyError("running as root needs the `postgres` system user (Debian's postgresql package)") from exc
    return "postgres"


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (our own http:// URLs)
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Topology:
    """One run: `start()` brings everything up (idempotent per directory), `stop()` tears it down."""

    apis: int = 2
    workers: int = 2
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vg-topology-")))
    python: str = sys.executable
    env: dict[str, str] = field(default_factory=dict)  # extra settings for every API and worker
    pool_size: int = 20  # PgBouncer's default_pool_size: server connections PostgreSQL sees
    durable: bool = True  # False: fsync off (tests), never for figures you publish
    password: str = "voelgoed-local"  # noqa: S105 (a throw-away cluster on loopback)

    pg_port: int = 0
    bouncer_port: int = 0
    redis_port: int = 0
    api_ports: list[int] = field(default_factory=list)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    # --- addresses --------------------------------------------------------------------------------
    @property
    def direct_url(self) -> str:
        return f"postgresql://{DB_USER}:{self.password}@127.0.0.1:{self.pg_port}/{DB_NAME}"

    @property
    def pooled_url(self) -> str:
        return f"postgresql://{DB_USER}:{self.password}@127.0.0.1:{self.bouncer_port}/{DB_NAME}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def api_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.api_ports]

    def log(self, name: str) -> Path:
        return self.directory / "logs" / f"{name}.log"

    # --- start ------------------------------------------------------------------------------------
    def start(self) -> Topology:
        ensure_packages()
        self.directory = self.directory.resolve()
        (self.directory / "logs").mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o755)  # the postgres user reads its config below
        try:
            self._start_postgres()
            self._start_pgbouncer()
            self._start_redis()
            self._migrate()
            self.start_apis(self.apis)
            self.start_workers(self.workers)
        except BaseException:
            self.stop()
            raise
        self._write_state()
        return self

    def _as_service(self, path: Path) -> None:
        user = _service_user()
        if user:
            shutil.chown(path, user, user)

    def _run(self, cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(cmd, check=True, user=_service_user(), capture_output=True, cwd=self.directory, **kw)

    def _start_postgres(self) -> None:
        pg_bin = _pg_bin()
        assert pg_bin is not None
        data = self.directory / "postgres"
        self.pg_port = self.pg_port or free_port()
        if not (data / "PG_VERSION").exists():
            data.mkdir(exist_ok=True)
            data.chmod(0o700)
            pwfile = self.directory / "pgpass.tmp"
            pwfile.write_text(self.password + "\n")
            self._as_service(data)
            self._as_service(pwfile)
            try:
                self._run(
                    [str(pg_bin / "initdb"), "-D", str(data), "-U", DB_USER, f"--pwfile={pwfile}",
                     "--auth-local=trust", "--auth-host=scram-sha-256", "--no-locale", "-E", "UTF8"]
                )  # fmt: skip
            finally:
                pwfile.unlink(missing_ok=True)
        options = [
            f"-p {self.pg_port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={data}",
            "-c max_connections=200",
            "-c shared_buffers=256MB",
            "-c shared_preload_libraries=pg_stat_statements",
            "-c pg_stat_statements.track=all",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            [str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "60",
             "-o", " ".join(options), "start"]
        )  # fmt: skip
        exists = self._psql("postgres", "SELECT 1 FROM pg_database WHERE datname = 'voelgoed'")
        if exists.strip() != "1":
            self._psql("postgres", f"CREATE DATABASE {DB_NAME}")
        self._psql(DB_NAME, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def _psql(self, database: str, sql: str) -> str:
        pg_bin = _pg_bin()
        assert pg_bin is not None
        out = self._run(
            [str(pg_bin / "psql"), "-h", str(self.directory / "postgres"), "-p", str(self.pg_port), "-U", DB_USER,
             "-d", database, "-tAc", sql]
        )  # fmt: skip
        return out.stdout.decode()

    def _start_pgbouncer(self) -> None:
        conf = self.directory / "pgbouncer"
        conf.mkdir(exist_ok=True)
        self.bouncer_port = self.bouncer_port or free_port()
        (conf / "userlist.txt").write_text(f'"{DB_USER}" "{self.password}"\n')
        (conf / "userlist.txt").chmod(0o600)
        (conf / "pgbouncer.ini").write_text(
            "\n".join(
                [
                    "[databases]",
                    f"{DB_NAME} = host=127.0.0.1 port={self.pg_port} dbname={DB_NAME}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.bouncer_port}",
                    "unix_socket_dir =",
                    "auth_type = scram-sha-256",
                    f"auth_file = {conf / 'userlist.txt'}",
                    "pool_mode = transaction",
                    f"default_pool_size = {self.pool_size}",
                    "max_client_conn = 1000",
                    "ignore_startup_parameters = extra_float_digits",
                    f"admin_users = {DB_USER}",
                    f"logfile = {conf / 'pgbouncer.log'}",
                    f"pidfile = {conf / 'pgbouncer.pid'}",
                    "",
                ]
            )
        )
        for path in (conf, conf / "userlist.txt", conf / "pgbouncer.ini"):
            self._as_service(path)
        self._spawn("pgbouncer", ["pgbouncer", str(conf / "pgbouncer.ini")], user=_service_user())
        self._wait_port(self.bouncer_port, "pgbouncer")

    def _start_redis(self) -> None:
        data = self.directory / "redis"
        data.mkdir(exist_ok=True)
        self.redis_port = self.redis_port or free_port()
        cmd = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(data), "--daemonize", "no"]  # fmt: skip
        self._spawn("redis", cmd)
        self._wait_port(self.redis_port, "redis")

    def app_env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "VOELGOED_ENV": "test",
            "VOELGOED_DATA_DIR": str(self.directory / "app"),
            "SECRET_KEY": "local-topology-secret-key-0123456789",
            "DATABASE_URL": self.pooled_url,
            "DATABASE_PGBOUNCER": "1",
            "DATABASE_DIRECT_URL": self.direct_url,
            "REDIS_URL": self.redis_url,
            "PUBLIC_RATE_LIMIT": "0",  # every client of a local run is 127.0.0.1
            "LOG_LEVEL": "INFO",
            "LOG_JSON": "0",
            "SMTP_HOST": "127.0.0.1",  # no mail server: e-mail jobs fail and are retried
            "SMTP_PORT": "9",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        env.pop("WORKER_METRICS_PORT", None)
        return env

    def _migrate(self) -> None:
        env = {**self.app_env(), "DATABASE_URL": self.direct_url, "DATABASE_PGBOUNCER": "0"}
        with self.log("migrate").open("w") as out:
            done = subprocess.run([self.python, "-m", "voelgoed", "migrate"], env=env, cwd=ROOT, stdout=out,
                                  stderr=subprocess.STDOUT)  # fmt: skip
        if done.returncode != 0:
            raise TopologyError("migrations failed:\n" + self.log("migrate").read_text()[-3000:])

    def start_apis(self, count: int) -> None:
        """Start API processes up to `count` in all (the benchmark grows 1 -> 2 -> 4)."""
        started = []
        while len(self.api_ports) < count:
            port = free_port()
            name = f"api-{len(self.api_ports) + 1}"
            self._spawn(name, [self.python, "-m", "voelgoed", "serve", "--port", str(port)], env=self.app_env())
            self.api_ports.append(port)
            started.append((name, port))
        for name, port in started:
            self._wait_http(f"http://127.0.0.1:{port}/ready", name)
        self._write_state()

    def stop_apis(self, keep: int) -> None:
        while len(self.api_ports) > keep:
            name = f"api-{len(self.api_ports)}"
            self.api_ports.pop()
            self._terminate(name)
        self._write_state()

    def start_workers(self, count: int) -> None:
        for i in range(count):
            self._spawn(f"worker-{i + 1}", [self.python, "-m", "voelgoed", "worker"], env=self.app_env())
        time.sleep(0.5)
        for i in range(count):
            proc = self.processes[f"worker-{i + 1}"]
            if proc.poll() is not None:
                raise TopologyError(f"worker-{i + 1} exited:\n" + self.log(f"worker-{i + 1}").read_text()[-3000:])

    def _spawn(self, name: str, cmd: list[str], *, env: dict[str, str] | None = None, user: str | None = None) -> None:
        out = self.log(name).open("ab")
        self.processes[name] = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, user=user, start_new_session=True
        )

    def _wait_port(self, port: int, name: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
            if self.processes[name].poll() is not None:
                break
            time.sleep(0.1)
        raise TopologyError(f"{name} did not start:\n" + self.log(name).read_text()[-3000:])

    def _wait_http(self, url: str, name: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _http_ok(url):
                return
            if self.processes[name].poll() is not None:
                break
            time.sleep(0.2)
        raise TopologyError(f"{name} did not become ready:\n" + self.log(name).read_text()[-3000:])

    # --- stop -------------------------------------------------------------------------------------
    def _terminate(self, name: str) -> None:
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        """API processes and workers first (they finish their requests and jobs), then Redis,
        PgBouncer and PostgreSQL. Safe to call twice."""
        for name in [n for n in self.processes if n.startswith(("api-", "worker-"))]:
            self._terminate(name)
        for name in ("redis", "pgbouncer"):
            self._terminate(name)
        data = self.directory / "postgres"
        pg_bin = _pg_bin()
        if pg_bin and (data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        self.api_ports.clear()
        (self.directory / STATE_FILE).unlink(missing_ok=True)

    def _write_state(self) -> None:
        state = {name: proc.pid for name, proc in self.processes.items() if proc.poll() is None}
        (self.directory / STATE_FILE).write_text(
            json.dumps({"pids": state, "pg_port": self.pg_port, "api_urls": self.api_urls}, indent=1)
        )

    def describe(self) -> str:
        lines = [f"directory   {self.directory}", f"postgresql  {self.direct_url}",
                 f"pgbouncer   {self.pooled_url} (pool_mode=transaction)", f"redis       {self.redis_url}"]  # fmt: skip
        lines += [f"api-{i + 1}       {url}" for i, url in enumerate(self.api_urls)]
        lines += [f"workers     {self.workers} (logs: {self.directory / 'logs'})"]
        return "\n".join(lines)


def stop_directory(directory: Path) -> None:
    """`stop` from another shell: the processes named in the state file, then PostgreSQL."""
    state_path = directory / STATE_FILE
    if state_path.exists():
        state = json.loads(state_path.read_text())
        for name, pid in state["pids"].items():
            if name.startswith(("api-", "worker-")):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGTERM)
        time.sleep(2)
        for name in ("redis", "pgbouncer"):
            with contextlib.suppress(ProcessLookupError, KeyError):
                os.killpg(state["pids"][name], signal.SIGTERM)
        state_path.unlink()
    pg_bin = _pg_bin()
    data = directory / "postgres"
    if pg_bin and (data / "postmaster.pid").exists():
        subprocess.run([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user=_service_user())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop"], nargs="?", default="start")
    parser.add_argument("--apis", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None, help="where the servers keep data and logs")
    args = parser.parse_args()
    if args.command == "stop":
        if args.dir is None:
            parser.error("stop needs --dir")
        stop_directory(args.dir)
        return
    topology = Topology(apis=args.apis, workers=args.workers)
    if args.dir is not None:
        topology.directory = args.dir
    try:
        topology.start()
    except TopologyError as exc:
        sys.exit(str(exc))
    print(topology.describe(), flush=True)
    print("Ctrl-C (or `run.sh stop --dir ...`) stops everything.", flush=True)
    stopping = False

    def on_signal(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping:
            for name, proc in list(topology.processes.items()):
                if proc.poll() is not None and (topology.directory / STATE_FILE).exists():
                    print(f"{name} exited with {proc.returncode} (log: {topology.log(name)})", flush=True)
                    topology.processes.pop(name)
            if not (topology.directory / STATE_FILE).exists():
                break  # `stop` from another shell
            time.sleep(0.5)
    finally:
        print("stopping ...", flush=True)
        topology.stop()


if __name__ == "__main__":
    main()
