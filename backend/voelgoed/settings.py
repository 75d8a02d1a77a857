"""Settings read from the environment, once, with documented defaults.

Every variable is listed in the README's configuration table. `DATABASE_URL` and `REDIS_URL` are
optional: unset, the embedded servers in `devservices` are started in the data folder.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _secret(data_dir: Path) -> str:
    """A stable secret for development: generated once and kept in the data folder."""
    configured = os.environ.get("SECRET_KEY")
    if configured:
        return configured
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return tuple(part.strip() for part in raw.split(",") if part.strip())


# PayFast's published ITN source ranges (developers.payfast.co.za/docs#ports-ips and the support
# article "What IP addresses does Payfast use?"); the hosts www/w1w/w2w/sandbox.payfast.co.za.
PAYFAST_DEFAULT_ALLOWED_IPS = (
    "197.97.145.144/28",
    "41.74.179.192/27",
    "102.216.36.0/28",
    "102.216.36.128/28",
    "144.126.193.139/32",
)


@dataclass(frozen=True)
class Settings:
    environment: str
    data_dir: Path
    database_url: str | None
    redis_url: str | None
    secret_key: str
    public_url: str
    host: str
    port: int
    cookie_secure: bool
    session_ttl_hours: int
    max_body_bytes: int
    login_attempts_per_window: int
    login_window_seconds: int
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    worker_concurrency: int
    log_level: str
    log_json: bool
    organiser_app_dir: Path = field(default=REPO_ROOT / "organiser_app" / "build")
    scanner_app_dir: Path = field(default=REPO_ROOT / "scanner_pwa" / "dist")
    # Ticket sales: hold length, group commit of concurrent holds, public API rate limits.
    hold_minutes: int = 15
    reserve_batch_window_ms: float = 2.0
    reserve_batch_max: int = 64
    public_rate_limit: int = 600  # public API requests per client IP per window (0: off)
    public_rate_window_seconds: int = 60
    availability_cache_seconds: int = 5
    # Payments (docs/payments.md)
    payments_allow_simulated: bool = True
    payfast_base_url: str | None = None  # None: sandbox or live PayFast, per the organisation's account
    payfast_allowed_ips: tuple[str, ...] = PAYFAST_DEFAULT_ALLOWED_IPS
    payfast_trusted_proxies: tuple[str, ...] = ()  # trust X-Forwarded-For only from these peers
    # Exports (docs/dashboards.md): above this many rows a CSV is made by a SAQ job, not streamed at once.
    export_sync_max_rows: int = 50_000
    # Dashboards: Redis cache lifetime (s) of a computed dashboard; 0 turns the cache off.
    dashboard_cache_seconds: int = 30
    # Redis on request paths (lib/redis_client.py): each call's time limit, and how long Redis is
    # skipped after a failure before one call tries it again.
    redis_request_timeout_ms: int = 500
    redis_breaker_seconds: float = 5.0
    # Database connection pools (docs/design/ticket-sales.md#connections). Requests use one pool
    # (size + overflow per API process) and never take a second connection while holding one; the
    # hold batcher has its own small pool, so requests waiting on it never hold what it waits for.
    # A request that waits longer than the timeout for a connection gets a 503 with Retry-After.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_seconds: int = 30
    db_hold_pool_size: int = 4

    @property
    def embedded(self) -> bool:
        """True when this process should use the embedded PostgreSQL/Redis in the data folder."""
        return self.database_url is None or self.redis_url is None

    @property
    def mail_dir(self) -> Path:
        """Where the local SMTP sink stores captured messages (embedded mode only)."""
        return self.data_dir / "mail"


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("VOELGOED_DATA_DIR", REPO_ROOT / ".data")).resolve()
    port = _int("PORT", 8000)
    public_url = os.environ.get("PUBLIC_URL", f"http://localhost:{port}").rstrip("/")
    return Settings(
        environment=os.environ.get("VOELGOED_ENV", "development"),
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL") or None,
        redis_url=os.environ.get("REDIS_URL") or None,
        secret_key=_secret(data_dir),
        public_url=public_url,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=port,
        cookie_secure=_bool("COOKIE_SECURE", public_url.startswith("https://")),
        session_ttl_hours=_int("SESSION_TTL_HOURS", 24 * 14),
        max_body_bytes=_int("MAX_BODY_BYTES", 1_000_000),
        login_attempts_per_window=_int("LOGIN_ATTEMPTS_PER_WINDOW", 10),
        login_window_seconds=_int("LOGIN_WINDOW_SECONDS", 300),
        smtp_host=os.environ.get("SMTP_HOST") or None,
        smtp_port=_int("SMTP_PORT", 1025),
        smtp_username=os.environ.get("SMTP_USERNAME") or None,
        smtp_password=os.environ.get("SMTP_PASSWORD") or None,
        smtp_starttls=_bool("SMTP_STARTTLS", False),
        mail_from=os.environ.get("MAIL_FROM", "VoelgoedEvents <no-reply@voelgoed.local>"),
        worker_concurrency=_int("WORKER_CONCURRENCY", 10),
        log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        log_json=_bool("LOG_JSON", False),
        hold_minutes=_int("HOLD_MINUTES", 15),
        reserve_batch_window_ms=float(os.environ.get("RESERVE_BATCH_WINDOW_MS") or 2.0),
        reserve_batch_max=_int("RESERVE_BATCH_MAX", 64),
        public_rate_limit=_int("PUBLIC_RATE_LIMIT", 600),
        public_rate_window_seconds=_int("PUBLIC_RATE_WINDOW_SECONDS", 60),
        availability_cache_seconds=_int("AVAILABILITY_CACHE_SECONDS", 5),
        payments_allow_simulated=_bool(
            "PAYMENTS_ALLOW_SIMULATED", os.environ.get("VOELGOED_ENV", "development") != "production"
        ),
        payfast_base_url=(os.environ.get("PAYFAST_BASE_URL") or "").rstrip("/") or None,
        payfast_allowed_ips=_list("PAYFAST_ALLOWED_IPS", PAYFAST_DEFAULT_ALLOWED_IPS),
        payfast_trusted_proxies=_list("PAYFAST_TRUSTED_PROXIES", ()),
        export_sync_max_rows=_int("EXPORT_SYNC_MAX_ROWS", 50_000),
        dashboard_cache_seconds=_int("DASHBOARD_CACHE_SECONDS", 30),
        redis_request_timeout_ms=_int("REDIS_REQUEST_TIMEOUT_MS", 500),
        redis_breaker_seconds=float(os.environ.get("REDIS_BREAKER_SECONDS") or 5.0),
        db_pool_size=max(1, _int("DB_POOL_SIZE", 10)),
        db_max_overflow=max(0, _int("DB_MAX_OVERFLOW", 10)),
        db_pool_timeout_seconds=max(1, _int("DB_POOL_TIMEOUT_SECONDS", 30)),
        db_hold_pool_size=max(1, _int("DB_HOLD_POOL_SIZE", 4)),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
