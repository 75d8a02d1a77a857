"""The project CLI: `python -m voelgoed <command>` (also installed as `voelgoed`)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from voelgoed.settings import REPO_ROOT, Settings, SettingsError, load_settings

log = logging.getLogger("voelgoed")


def _setup(data_dir: str | None = None, port: int | None = None) -> Settings:
    """Build this command's settings once (the options override the environment, and are written
    back to it for the child processes `run` starts); a bad value is a clean error, no traceback."""
    if data_dir:
        os.environ["VOELGOED_DATA_DIR"] = str(Path(data_dir).resolve())
    if port:
        os.environ["PORT"] = str(port)
        os.environ.setdefault("PUBLIC_URL", f"http://localhost:{port}")
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException("invalid configuration:\n  " + "\n  ".join(exc.problems)) from None
    from voelgoed.lib.logs import configure_logging

    configure_logging(settings.logging.level, settings.logging.json)
    return settings


def _urls(settings: Settings) -> tuple[str, str]:
    from voelgoed.devservices import EmbeddedServerMissing, resolve_urls

    if settings.server.environment == "production" and settings.embedded:  # load_settings refuses this too
        raise click.ClickException("production never starts the embedded servers: set DATABASE_URL and REDIS_URL")
    try:
        return resolve_urls(settings.server.data_dir, settings.database.url, settings.redis.url)
    except EmbeddedServerMissing as exc:
        raise click.ClickException(str(exc)) from exc


def run_migrations(database_url: str) -> None:
    from advanced_alchemy.alembic.commands import AlembicCommands

    from voelgoed.db import make_alchemy_config

    AlembicCommands(sqlalchemy_config=make_alchemy_config(database_url, pool_size=1)).upgrade("head")


@click.group()
def main() -> None:
    """VoelgoedEvents: event ticketing and check-in."""


@main.command()
@click.option("--data-dir", default=None, help="Data folder for the embedded servers (default .data/).")
@click.option(
    "--downgrade-to",
    default=None,
    metavar="REVISION",
    help="Undo migrations down to REVISION instead (rolling back a failed release; see docs/operations.md).",
)
def migrate(data_dir: str | None, downgrade_to: str | None) -> None:
    """Apply database migrations (Alembic) up to the newest."""
    settings = _setup(data_dir)
    db_url, _ = _urls(settings)
    if downgrade_to:
        from advanced_alchemy.alembic.commands import AlembicCommands

        from voelgoed.db import make_alchemy_config

        AlembicCommands(sqlalchemy_config=make_alchemy_config(db_url, pool_size=1)).downgrade(downgrade_to)
        click.echo(f"database is at revision {downgrade_to}")
        return
    run_migrations(db_url)
    click.echo("database is up to date")


@main.command()
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--database-url",
    default=None,
    help="Dump this database instead of DATABASE_URL (PostgreSQL itself, not PgBouncer).",
)
@click.option("--data-dir", default=None, help="Data folder for the embedded servers (default .data/).")
def backup(output: str, database_url: str | None, data_dir: str | None) -> None:
    """Dump the database with pg_dump (custom format) to OUTPUT; restore with pg_restore
    (docs/operations.md, "Backups and restore"). Keep SECRET_KEY with the dump: it is not in it."""
    from voelgoed.db.backup import PgDumpMissing, dump

    settings = _setup(data_dir)
    db_url = database_url or _urls(settings)[0]
    try:
        dump(db_url, Path(output))
    except PgDumpMissing as exc:
        raise click.ClickException(str(exc)) from exc
    except subprocess.CalledProcessError as exc:  # pg_dump has said why on stderr
        raise click.ClickException(f"pg_dump failed (exit code {exc.returncode})") from exc
    click.echo(
        f"wrote {output}; keep SECRET_KEY with it: without it the payment credentials and ticket signing keys"
        " in the dump cannot be read"
    )


@main.command()
@click.option("--data-dir", default=None)
def seed(data_dir: str | None) -> None:
    """Load the demo data (idempotent)."""
    from voelgoed.seed import seed_demo

    settings = _setup(data_dir)
    db_url, _ = _urls(settings)
    run_migrations(db_url)
    click.echo(asyncio.run(seed_demo(db_url)))


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--organization", default=None, help="Also create this organisation, owned by the user.")
@click.option("--data-dir", default=None)
def create_user(email: str, name: str, password: str, organization: str | None, data_dir: str | None) -> None:
    """Create a user account (and optionally an organisation they own)."""
    from voelgoed.seed import create_user_account

    settings = _setup(data_dir)
    db_url, _ = _urls(settings)
    run_migrations(db_url)
    click.echo(
        asyncio.run(create_user_account(db_url, email=email, name=name, password=password, organization=organization))
    )


@main.command()
@click.option("--port", type=int, default=None)
@click.option("--data-dir", default=None)
@click.option("--migrate/--no-migrate", "do_migrate", default=False, help="Apply migrations first.")
@click.option("--workers", type=int, default=None, help="API processes (default $WEB_CONCURRENCY or 1).")
def serve(port: int | None, data_dir: str | None, do_migrate: bool, workers: int | None) -> None:
    """Run the API (uvicorn) only."""
    import uvicorn

    from voelgoed.app import create_app

    settings = _setup(data_dir, port)
    db_url, redis_url = _urls(settings)
    if do_migrate:
        run_migrations(db_url)
    workers = workers or settings.server.web_concurrency
    common = {"host": settings.server.host, "port": settings.server.port, "log_config": None, "access_log": False,
              "proxy_headers": False, "timeout_graceful_shutdown": 5}  # fmt: skip
    if workers > 1:
        # Worker processes import voelgoed.asgi, which reads the resolved URLs from the environment.
        os.environ.update(DATABASE_URL=db_url, REDIS_URL=redis_url)
        uvicorn.run("voelgoed.asgi:app", workers=workers, **common)  # type: ignore[arg-type]
        return
    uvicorn.run(create_app(settings, database_url=db_url, redis_url=redis_url), **common)  # type: ignore[arg-type]


@main.command()
@click.option("--data-dir", default=None)
def worker(data_dir: str | None) -> None:
    """Run the SAQ worker only."""
    from saq import Worker

    from voelgoed.worker import make_queue, worker_settings

    settings = _setup(data_dir)
    _, redis_url = _urls(settings)
    # Jobs (ticket PDFs, e-mails, exports) are work no request waits for: on a machine they share
    # with the API they get the CPU the API leaves, so a sale is not slowed by its own e-mails
    # (bench/checkout_journey: 14 -> 21 orders/s on 2 cores; deliveries catch up after the rush).
    os.nice(settings.server.worker_nice)

    async def _run() -> None:
        queue = make_queue(redis_url)
        w = Worker(**worker_settings(queue, settings))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(w.stop()))
        log.info("worker started on queue %s", queue.name)
        await w.start()

    asyncio.run(_run())


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when `voelgoed run` dies, however it dies (no orphans)."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@main.command()
@click.option("--port", type=int, default=None, help="HTTP port (default 8000 or $PORT).")
@click.option("--data-dir", default=None, help="Data folder for the embedded servers (default .data/).")
@click.option("--demo/--no-demo", default=None, help="Load the demo data (default: yes, except in production).")
def run(port: int | None, data_dir: str | None, demo: bool | None) -> None:
    """Run the whole product: embedded servers (unless configured), migrations, demo data, the
    API with the organiser app, checkout site and scanner, the worker, and a local mail sink.

    With VOELGOED_ENV=production it refuses to start unless every production setting is given
    (settings.production_problems), so it never starts an embedded server or the mail sink there,
    never generates a secret, and loads no demo data unless asked (--demo)."""
    settings = _setup(data_dir, port)
    if demo is None:
        demo = settings.server.environment != "production"
    from voelgoed.devservices import embedded_running, stop_all

    # Stop the embedded servers on exit only if this run started them.
    owns_embedded = settings.embedded and not embedded_running(settings.server.data_dir)
    db_url, redis_url = _urls(settings)
    run_migrations(db_url)
    if demo:
        from voelgoed.seed import seed_demo

        click.echo(asyncio.run(seed_demo(db_url)))
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "PORT": str(settings.server.port),
        "VOELGOED_DATA_DIR": str(settings.server.data_dir),
        "PUBLIC_URL": settings.server.public_url,
    }
    sink = None
    if not settings.mail.smtp_host:
        from voelgoed.devservices import EmbeddedServerMissing
        from voelgoed.mailsink import start_mail_sink

        try:
            sink = start_mail_sink(settings)
        except EmbeddedServerMissing as exc:
            raise click.ClickException(str(exc)) from exc
        env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port))

    py = sys.executable
    children = {
        "api": subprocess.Popen([py, "-m", "voelgoed", "serve"], env=env, cwd=REPO_ROOT, preexec_fn=_die_with_parent),
        "worker": subprocess.Popen(
            [py, "-m", "voelgoed", "worker"], env=env, cwd=REPO_ROOT, preexec_fn=_die_with_parent
        ),
    }
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    base = settings.server.public_url
    click.echo(
        f"\nVoelgoedEvents is starting:\n  organiser app  {base}/app/\n  checkout site  {base}/\n"
        f"  scanner        {base}/scanner/\n  API docs       {base}/schema/swagger\n"
        f"  local mailbox  {base}/dev/mail\n"
        + ("  demo login     demo@voelgoed.local / demo-password-123\n" if demo else "")
    )
    exit_code = 0
    try:
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    log.error("%s exited with %s; stopping", name, proc.returncode)
                    stopping, exit_code = True, 1
            time.sleep(0.3)
    finally:
        for proc in children.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in children.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if sink is not None:
            sink.stop()
        if owns_embedded:
            stop_all(settings.server.data_dir)
    sys.exit(exit_code)


@main.command()
@click.option("--output", default=str(REPO_ROOT / "shared_schemas" / "openapi.json"))
@click.option("--check", is_flag=True, help="Fail if the file differs from the app's spec.")
def openapi(output: str, check: bool) -> None:
    """Write (or check) the OpenAPI document generated from the app."""
    from voelgoed.openapi_export import render_spec

    spec = render_spec()
    path = Path(output)
    if check:
        if not path.exists() or path.read_text() != spec:
            click.echo(f"{path} is stale: run `just openapi` and commit the result", err=True)
            sys.exit(1)
        click.echo(f"{path} is current")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec)
    click.echo(f"wrote {path}")


@main.command("openapi-diff")
@click.option("--spec", default=str(REPO_ROOT / "shared_schemas" / "openapi.json"))
@click.option("--released-dir", default=str(REPO_ROOT / "shared_schemas" / "released"))
@click.option("--changelog", default=str(REPO_ROOT / "docs" / "api-changelog.md"))
def openapi_diff(spec: str, released_dir: str, changelog: str) -> None:
    """Fail on breaking changes against the last released spec unless docs/api-changelog.md lists
    them under the spec's (raised) version (docs/api.md)."""
    import json

    from voelgoed.openapi_breaking import breaking_changes, check_acknowledged, version_key

    released = sorted(Path(released_dir).glob("openapi-*.json"), key=lambda p: version_key(p.stem))
    if not released:
        click.echo(f"no released spec in {released_dir}", err=True)
        sys.exit(1)
    old, new = json.loads(released[-1].read_text()), json.loads(Path(spec).read_text())
    old_version, new_version = old["info"]["version"], new["info"]["version"]
    findings = breaking_changes(old, new)
    problems = check_acknowledged(findings, Path(changelog).read_text(), new_version, old_version)
    unlisted = "\n".join(problems)
    for finding in findings:
        click.echo(f"breaking ({'NOT listed' if finding in unlisted else 'listed'}): {finding}")
    if problems:
        click.echo("\n".join(problems), err=True)
        sys.exit(1)
    click.echo(f"{spec} {new_version} against released {old_version}: {len(findings)} breaking change(s), all listed")


@main.command("stop-services")
@click.option("--data-dir", default=None)
def stop_services(data_dir: str | None) -> None:
    """Stop the embedded PostgreSQL and Redis of a data folder."""
    from voelgoed.devservices import stop_all

    settings = _setup(data_dir)
    stop_all(settings.server.data_dir)
    click.echo("stopped")
