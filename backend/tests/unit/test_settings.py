"""Settings: one typed object built from the environment, validated at start-up, every variable
documented.

A bad value must stop the product at start-up with a message naming the variable and what it
expects (not a traceback, not a silent fallback), and every variable the code reads must be in the
README's configuration table or docs/operations.md.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from voelgoed.settings import PAYFAST_DEFAULT_ALLOWED_IPS, REPO_ROOT, SettingsError, load_settings

PACKAGE = REPO_ROOT / "backend" / "voelgoed"
BASE = {"SECRET_KEY": "unit-test-secret"}  # no secret file is written into a data folder
PRODUCTION = {
    "VOELGOED_ENV": "production",
    "SECRET_KEY": "a-production-secret-of-forty-characters!",
    "DATABASE_URL": "postgresql://u:p@db/voelgoed",
    "REDIS_URL": "redis://redis:6379/0",
    "PUBLIC_URL": "https://tickets.example.org",
    "SMTP_HOST": "smtp.example.org",
    "MAIL_FROM": "Tickets <tickets@example.org>",
    "MEDIA_DIR": "/var/lib/voelgoed/media",
}


def test_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    s = load_settings({**BASE, "VOELGOED_DATA_DIR": str(tmp_path)})
    assert s.server.environment == "development" and s.server.data_dir == tmp_path.resolve()
    assert (s.server.host, s.server.port, s.server.public_url) == ("127.0.0.1", 8000, "http://localhost:8000")
    assert (s.server.web_concurrency, s.server.worker_concurrency) == (1, 10)
    assert (s.database.url, s.database.pool_size, s.database.max_overflow) == (None, 10, 10)
    assert (s.database.pool_timeout_seconds, s.database.hold_pool_size) == (30, 4)
    assert (s.redis.url, s.redis.request_timeout_ms, s.redis.breaker_seconds) == (None, 500, 5.0)
    assert (s.mail.smtp_host, s.mail.smtp_port, s.mail.smtp_starttls) == (None, 1025, False)
    assert s.mail.sender == "VoelgoedEvents <no-reply@voelgoed.local>"
    assert s.payments.allow_simulated is True and s.payments.payfast_base_url is None
    assert s.payments.payfast_allowed_ips == PAYFAST_DEFAULT_ALLOWED_IPS and s.server.trusted_proxies == ()
    assert (s.database.statement_timeout_ms, s.database.lock_timeout_ms) == (30_000, 3_000)
    assert (s.security.cookie_secure, s.security.session_ttl_hours) == (False, 336)
    assert (s.security.login_attempts_per_window, s.security.login_window_seconds) == (10, 300)
    assert (s.limits.max_body_bytes, s.limits.hold_minutes, s.limits.export_sync_max_rows) == (1_000_000, 15, 50_000)
    assert (s.limits.reserve_batch_window_ms, s.limits.reserve_batch_max) == (2.0, 64)
    assert (s.limits.public_rate_limit, s.limits.public_rate_window_seconds) == (600, 60)
    assert (s.cache.availability_seconds, s.cache.dashboard_seconds) == (5, 30)
    assert (s.logging.level, s.logging.json) == ("INFO", False)
    assert s.embedded and s.mail_dir == tmp_path.resolve() / "mail"


def test_values_are_parsed_into_their_types() -> None:
    s = load_settings(
        {
            **PRODUCTION,
            "PUBLIC_URL": "https://tickets.example.org/",
            "REDIS_URL": "unix:///run/redis.sock",
            "WEB_CONCURRENCY": "4",
            "RESERVE_BATCH_WINDOW_MS": "0.5",
            "LOG_LEVEL": "debug",
            "SMTP_STARTTLS": "yes",
            "TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
            "DB_LOCK_TIMEOUT_MS": "0",
        }
    )
    assert s.server.public_url == "https://tickets.example.org" and s.security.cookie_secure is True
    assert s.payments.allow_simulated is False  # production's default
    assert s.server.web_concurrency == 4 and s.limits.reserve_batch_window_ms == 0.5
    assert s.logging.level == "DEBUG" and s.mail.smtp_starttls is True
    assert s.server.trusted_proxies == ("10.0.0.1", "10.1.0.0/16") and s.database.lock_timeout_ms == 0
    assert not s.embedded


def test_production_names_everything_it_misses_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"VOELGOED_ENV": "production", "PUBLIC_URL": "http://tickets.example.org"})
    named = [p.split(" ")[0] for p in caught.value.problems]
    required = ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "SMTP_HOST", "MAIL_FROM"]
    assert named == [*required, "MEDIA_S3_BUCKET"]  # "MEDIA_S3_BUCKET or MEDIA_DIR is required ..."
    assert "must start with https://" in caught.value.problems[3]
    load_settings(PRODUCTION)  # and nothing else is asked for
    with pytest.raises(SettingsError, match="SECRET_KEY must be at least 32 characters"):
        load_settings({**PRODUCTION, "SECRET_KEY": "short"})


def test_the_old_payfast_proxy_variable_is_refused_with_its_new_name() -> None:
    with pytest.raises(SettingsError, match="PAYFAST_TRUSTED_PROXIES is now TRUSTED_PROXIES"):
        load_settings({**BASE, "PAYFAST_TRUSTED_PROXIES": "10.0.0.1"})


def test_production_start_refuses_a_missing_secret_key(tmp_path: Path) -> None:
    """`voelgoed run` as a process: one clear error, exit code 1, and nothing started or written
    (no generated secret in the data folder, no embedded server, no mail sink)."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_HOST"}}
    env.pop("MEDIA_S3_BUCKET", None)
    env.update({k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}, VOELGOED_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "voelgoed", "run", "--port", "8765"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "invalid configuration" in done.stderr and "SECRET_KEY is required in production" in done.stderr
    for fine in ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "SMTP_HOST", "MAIL_FROM", "MEDIA_DIR"):
        assert fine not in done.stderr  # only what is missing is named
    assert "Traceback" not in done.stderr + done.stdout
    assert list(tmp_path.iterdir()) == []  # no secret_key file, no embedded server's data


@pytest.mark.parametrize(
    ("name", "value", "expects"),
    [
        ("DB_POOL_SIZE", "ten", "DB_POOL_SIZE must be a whole number >= 1, got 'ten'"),
        ("DB_POOL_SIZE", "0", "DB_POOL_SIZE must be a whole number >= 1, got '0'"),
        ("PUBLIC_RATE_LIMIT", "-1", "PUBLIC_RATE_LIMIT must be a whole number >= 0, got '-1'"),
        ("REDIS_BREAKER_SECONDS", "soon", "REDIS_BREAKER_SECONDS must be a number >= 0, got 'soon'"),
        ("COOKIE_SECURE", "maybe", "COOKIE_SECURE must be one of 1/true/yes/on or 0/false/no/off, got 'maybe'"),
        ("DATABASE_URL", "mysql://db/x", "DATABASE_URL must be a URL starting with postgres://"),
        ("PUBLIC_URL", "tickets.example.org", "PUBLIC_URL must be a URL starting with http:// or https://"),
        ("VOELGOED_ENV", "prod", "VOELGOED_ENV must be one of development, test, production, got 'prod'"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'loud'"),
        ("PAYFAST_ALLOWED_IPS", "1.2.3.4,payfast", "PAYFAST_ALLOWED_IPS must be a comma-separated list"),
        ("PORT", "70000", "PORT must be a whole number from 1 to 65535, got 70000"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable(name: str, value: str, expects: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**BASE, name: value})
    assert expects in str(caught.value)


def test_every_bad_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**BASE, "DB_POOL_SIZE": "ten", "LOG_JSON": "sometimes", "HOLD_MINUTES": "15m"})
    assert [p.split(" ")[0] for p in caught.value.problems] == ["DB_POOL_SIZE", "HOLD_MINUTES", "LOG_JSON"]


def test_cli_reports_a_bad_value_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DB_POOL_SIZE": "ten", "SECRET_KEY": "unit-test-secret"}
    done = subprocess.run(
        [sys.executable, "-m", "voelgoed", "migrate", "--data-dir", str(tmp_path)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "DB_POOL_SIZE must be a whole number >= 1, got 'ten'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert list(tmp_path.iterdir()) == []  # stopped before starting or writing anything


def _names_read_by_settings() -> set[str]:
    """The first argument of every `env.<kind>("NAME", ...)` call in settings.py."""
    tree = ast.parse((PACKAGE / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def _environ_reads_elsewhere() -> dict[str, str]:
    """Environment variables read (not written) anywhere else in the package, by name -> file."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "settings.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = None
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Load)
                and "environ" in ast.unparse(node.value)
            ):
                name = node.slice
            elif (
                isinstance(node, ast.Call) and re.search(r"environ\.get$|getenv$", ast.unparse(node.func)) and node.args
            ):
                name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found[name.value] = str(path.relative_to(REPO_ROOT))
    return found


def test_every_variable_the_code_reads_is_documented() -> None:
    read = _names_read_by_settings()
    assert {"DB_POOL_SIZE", "RESERVE_BATCH_MAX", "PUBLIC_RATE_LIMIT", "WEB_CONCURRENCY"} <= read  # the parse works
    read |= set(_environ_reads_elsewhere())
    docs = (REPO_ROOT / "README.md").read_text() + (REPO_ROOT / "docs" / "operations.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", docs))
    missing = sorted(read - documented)
    assert not missing, f"read by the code but not in README.md's configuration table or docs/operations.md: {missing}"


def test_only_settings_reads_the_environment() -> None:
    assert _environ_reads_elsewhere() == {}


def test_the_asgi_app_refuses_a_production_start_without_its_settings(tmp_path: Path) -> None:
    """`uvicorn voelgoed.asgi:app` (or gunicorn ...) stops at import with the same one message."""
    env = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "PUBLIC_URL", "MEDIA_S3_BUCKET"}}
    env.update(VOELGOED_ENV="production", VOELGOED_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", "import voelgoed.asgi"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "SMTP_HOST", "MAIL_FROM"):
        assert f"{name} is required in production" in done.stderr
    assert "MEDIA_S3_BUCKET or MEDIA_DIR is required in production" in done.stderr
    assert list(tmp_path.iterdir()) == []
