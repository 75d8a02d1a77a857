"""Settings: one typed object in groups, built once from the environment and validated.

`load_settings()` is the only place that reads configuration from the environment. It checks every
value and raises one `SettingsError` naming each bad variable and what it expects, so a typo stops
the process at start-up instead of failing later on a request. The CLI, the ASGI entry point and the
worker build the object once and pass it down (Litestar dependency `settings`, SAQ context).

Every variable is listed in the README's configuration table (a unit test checks this).
`DATABASE_URL` and `REDIS_URL` are optional: unset, the embedded servers in `devservices` are
started in the data folder. Not in production (VOELGOED_ENV=production): there every value a
development machine makes up (secret, servers, mail sink, http address) must be given, and a
missing one stops the process with one error naming all of them (`production_problems`).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]

# PayFast's published ITN source ranges (developers.payfast.co.za/docs#ports-ips and the support
# article "What IP addresses does Payfast use?"); the hosts www/w1w/w2w/sandbox.payfast.co.za.
PAYFAST_DEFAULT_ALLOWED_IPS = (
    "197.97.145.144/28",
    "41.74.179.192/27",
    "102.216.36.0/28",
    "102.216.36.128/28",
    "144.126.193.139/32",
)
# Paystack's published webhook source addresses (paystack.com/docs/payments/webhooks, "Verifying events":
# "We only call your webhooks from these IPs").
PAYSTACK_DEFAULT_ALLOWED_IPS = ("52.31.139.75/32", "52.49.173.169/32", "52.214.14.220/32")
YOCO_DEFAULT_API_URL = "https://payments.yoco.com"
PAYSTACK_DEFAULT_API_URL = "https://api.paystack.co"

ENVIRONMENTS = ("development", "test", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """One or more environment variables have values the product cannot use."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration: " + "; ".join(problems))


@dataclass(frozen=True)
class ServerSettings:
    environment: str  # VOELGOED_ENV: development | test | production
    data_dir: Path
    host: str
    port: int
    public_url: str  # no trailing slash
    web_concurrency: int  # API processes of `voelgoed serve` without --workers
    worker_concurrency: int  # SAQ jobs in parallel
    worker_nice: int  # the worker's CPU priority below the API's (0-19): responses first, e-mails and PDFs after
    malloc_arena_max: int  # glibc malloc arenas per process (lib/memory.py)
    # Our own reverse proxies / load balancers (CIDRs): only from these is X-Forwarded-For believed
    # (lib/client_address.py). Empty: the TCP peer is the client.
    trusted_proxies: tuple[str, ...] = ()
    organiser_app_dir: Path = field(default=REPO_ROOT / "organiser_app" / "build")
    scanner_app_dir: Path = field(default=REPO_ROOT / "scanner_pwa" / "dist")


@dataclass(frozen=True)
class DatabaseSettings:
    """Connection pools (docs/design/ticket-sales.md#connections). Requests use one pool (size +
    overflow per API process) and never take a second connection while holding one; the hold
    batcher has its own small pool, so requests waiting on it never hold what it waits for. A
    request that waits longer than the timeout for a connection gets a 503 with Retry-After."""

    url: str | None  # None: the embedded PostgreSQL in the data folder
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout_seconds: int = 30
    hold_pool_size: int = 4
    # Per transaction on request connections (db/timeouts.py; 0: off): a statement that runs longer,
    # or a lock not granted in time, fails the request with 503 "busy, try again" (lib/problems.py).
    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 3_000
    # A read replica for reads that may lag a few seconds (dashboards, exports, money reports;
    # db/replica.py). None: those reads use the request's own session on the primary.
    read_url: str | None = None
    # DATABASE_URL goes through a transaction pooler (PgBouncer pool_mode=transaction): no named
    # prepared statement outlives its transaction, and the scan path's autocommit statements run
    # inside one (db/pooler.py).
    pgbouncer: bool = False
    # Straight to PostgreSQL, for what needs a session of its own (LISTEN for the live streams,
    # session-level advisory locks). None: DATABASE_URL (then it must not be a transaction pooler).
    direct_url: str | None = None

    @property
    def session_url(self) -> str | None:
        """Where a connection that keeps session state goes (db/pooler.py)."""
        return self.direct_url or self.url


@dataclass(frozen=True)
class RedisSettings:
    """Redis on request paths (lib/redis_client.py): each call's time limit, and how long Redis is
    skipped after a failure before one call tries it again."""

    url: str | None  # None: the embedded Redis in the data folder
    request_timeout_ms: int = 500
    breaker_seconds: float = 5.0


@dataclass(frozen=True)
class MailSettings:
    smtp_host: str | None  # None: the local mail sink (embedded mode)
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    sender: str  # MAIL_FROM


@dataclass(frozen=True)
class PaymentSettings:
    """docs/payments.md"""

    allow_simulated: bool = True
    payfast_base_url: str | None = None  # None: sandbox or live PayFast, per the organisation's account
    payfast_api_url: str = "https://api.payfast.co.za"  # PayFast's REST API (refunds, ping); sandbox adds ?testing=true
    payfast_allowed_ips: tuple[str, ...] = PAYFAST_DEFAULT_ALLOWED_IPS
    yoco_api_url: str = YOCO_DEFAULT_API_URL  # YOCO_API_URL (tests: the fake Yoco)
    paystack_api_url: str = PAYSTACK_DEFAULT_API_URL  # PAYSTACK_API_URL (tests: the fake Paystack)
    paystack_allowed_ips: tuple[str, ...] = PAYSTACK_DEFAULT_ALLOWED_IPS  # () switches the check off
    ozow_pay_url: str | None = None  # None: https://pay.ozow.com
    ozow_api_url: str | None = None  # None: https://api.ozow.com


@dataclass(frozen=True)
class SecuritySettings:
    secret_key: str
    cookie_secure: bool
    session_ttl_hours: int
    login_attempts_per_window: int
    login_window_seconds: int


@dataclass(frozen=True)
class LimitSettings:
    max_body_bytes: int = 1_000_000
    # Ticket sales: hold length, group commit of concurrent holds, public API rate limits.
    hold_minutes: int = 15
    reserve_batch_window_ms: float = 2.0
    reserve_batch_max: int = 64
    public_rate_limit: int = 600  # public API requests per client IP per window (0: off)
    public_rate_window_seconds: int = 60
    sign_up_rate_limit: int = 20  # accounts created per client IP per hour
    api_key_rate_limit: int = 600  # organiser API requests per API key per minute (docs/api-keys.md)
    # Exports (docs/dashboards.md): above this many rows a CSV is made by a SAQ job, not streamed at once.
    export_sync_max_rows: int = 50_000
    # Webhook events (they copy buyers' details) are deleted this many days after every delivery
    # of theirs finished (docs/webhooks-events.md; workflows/personal_data_jobs.py).
    webhook_event_retention_days: int = 30


@dataclass(frozen=True)
class CacheSettings:
    availability_seconds: int = 5  # public availability cached in Redis; 0 turns it off
    dashboard_seconds: int = 30  # a computed dashboard cached in Redis; 0 turns it off


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"
    json: bool = False


@dataclass(frozen=True)
class ObservabilitySettings:
    """docs/operations.md, "Observability"."""

    metrics_token: str | None = None  # GET /metrics needs `Authorization: Bearer <it>`; unset: /metrics is off
    worker_metrics_port: int = 0  # the worker's own metrics server (0: none)
    worker_metrics_host: str = "127.0.0.1"
    otlp_endpoint: str | None = None  # OTEL_EXPORTER_OTLP_ENDPOINT: traces on when set
    service_name: str = "voelgoed"


@dataclass(frozen=True)
class MediaSettings:
    """Uploaded images (lib/media_store.py, docs/branding.md): on disk (MEDIA_DIR, in development
    `<data dir>/media`) unless an S3-compatible bucket is configured."""

    s3_bucket: str | None = None  # MEDIA_S3_BUCKET: set = the S3 store
    # MEDIA_DIR: the disk store's folder. Unset: `<data dir>/media`, which production refuses (its
    # data folder is a container's /tmp: neither kept over a restart nor shared by APIs and workers).
    disk_dir: Path | None = None
    s3_endpoint_url: str | None = None  # MEDIA_S3_ENDPOINT_URL: MinIO/R2/...; unset = AWS
    s3_region: str | None = None
    s3_access_key_id: str | None = None  # unset: boto3's own chain (instance role, AWS_* variables)
    s3_secret_access_key: str | None = None
    # Where buyers load media from (no trailing slash). Unset: the app's own /media/ (disk store),
    # or <endpoint>/<bucket> for S3.
    public_base_url: str | None = None


@dataclass(frozen=True)
class WebhookSettings:
    """Outgoing webhooks' delivery (docs/webhooks.md)."""

    # Deliver to private, loopback, link-local ... addresses (and plain http): off in production
    # (SSRF), on elsewhere so that local receivers work in development and tests.
    allow_private_targets: bool = True
    require_https: bool = False  # on in production
    timeout_seconds: float = 10.0  # one attempt, end to end (resolve, connect, send, read)
    # An endpoint failing without a single success for longer than this is disabled (and e-mailed).
    disable_after_hours: float = 72.0
    batch_size: int = 10  # deliveries one run claims at once
    concurrency: int = 20  # requests in flight per worker process (claimed batch_size at a time)
    poll_seconds: float = 1.0  # the worker's due-deliveries poll (NOTIFY wakes it sooner)


@dataclass(frozen=True)
class Settings:
    server: ServerSettings
    database: DatabaseSettings
    redis: RedisSettings
    mail: MailSettings
    payments: PaymentSettings
    security: SecuritySettings
    limits: LimitSettings
    cache: CacheSettings
    logging: LoggingSettings
    observability: ObservabilitySettings = ObservabilitySettings()
    media: MediaSettings = MediaSettings()
    webhooks: WebhookSettings = WebhookSettings()

    @property
    def embedded(self) -> bool:
        """True when this process should use the embedded PostgreSQL/Redis in the data folder."""
        return self.database.url is None or self.redis.url is None

    @property
    def mail_dir(self) -> Path:
        """Where the local SMTP sink stores captured messages (embedded mode only)."""
        return self.server.data_dir / "mail"


class _Environment:
    """Reads variables from one mapping and collects every problem instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def _raw(self, name: str) -> str | None:
        raw = self.environ.get(name)
        return None if raw is None or raw.strip() == "" else raw.strip()

    def _bad(self, name: str, expects: str, raw: str) -> None:
        self.problems.append(f"{name} must be {expects}, got {raw!r}")

    def text(self, name: str, default: str) -> str:
        return self._raw(name) or default

    def optional(self, name: str) -> str | None:
        return self._raw(name)

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            self._bad(name, f"a whole number >= {minimum}", raw)
            return default
        return value

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = minimum - 1
        if not value >= minimum:  # also rejects nan
            self._bad(name, f"a number >= {minimum:g}", raw)
            return default
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self._raw(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() not in _FALSE:
            self._bad(name, "one of 1/true/yes/on or 0/false/no/off", raw)
        return False

    def choice(self, name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
        raw = self._raw(name)
        if raw is None:
            return default
        value = raw.upper() if upper else raw
        if value not in choices:
            self._bad(name, "one of " + ", ".join(choices), raw)
            return default
        return value

    def url(self, name: str, schemes: tuple[str, ...], default: str | None = None) -> str | None:
        raw = self._raw(name)
        if raw is None:
            return default
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            self._bad(name, "a URL starting with " + " or ".join(f"{s}://" for s in schemes), raw)
            return default
        return raw

    def networks(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = self.environ.get(name)
        if raw is None:
            return default
        items = tuple(part.strip() for part in raw.split(",") if part.strip())
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                self._bad(name, "a comma-separated list of IP addresses or CIDR ranges", item)
        return items


def _secret(configured: str | None, data_dir: Path) -> str:
    """A stable secret for development: generated once and kept in the data folder."""
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


RENAMED_PROXIES_VARIABLE = "PAYFAST_TRUSTED_PROXIES"  # read only to say it was renamed
MIN_SECRET_KEY_LENGTH = 32


def production_problems(
    env: _Environment,
    secret_key: str | None,
    database: DatabaseSettings,
    redis: RedisSettings,
    mail: MailSettings,
    media: MediaSettings,
) -> list[str]:
    """What production needs and development makes up: a real secret (never generated and kept in
    a data folder), the database and Redis servers (never the embedded ones), an https address,
    a real mail server (never the local sink) and a lasting place for uploaded images (never the
    data folder, a container's /tmp). Every missing one is named at once."""
    problems = []
    if secret_key is None:
        problems.append(
            f"SECRET_KEY is required in production: a random value of {MIN_SECRET_KEY_LENGTH}+ characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), kept in your secret store"
        )
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters in production")
    if database.url is None:
        problems.append("DATABASE_URL is required in production (the embedded PostgreSQL is for development)")
    if redis.url is None:
        problems.append("REDIS_URL is required in production (the embedded Redis is for development)")
    public_url = env.optional("PUBLIC_URL")
    if public_url is None or not public_url.startswith("https://"):
        problems.append("PUBLIC_URL is required in production and must start with https://")
    if mail.smtp_host is None:
        problems.append("SMTP_HOST is required in production (the local mail sink is for development)")
    if env.optional("MAIL_FROM") is None:
        problems.append("MAIL_FROM is required in production (the sender address of tickets and e-mails)")
    if media.s3_bucket is None and media.disk_dir is None:
        problems.append(
            "MEDIA_S3_BUCKET or MEDIA_DIR is required in production (uploaded images must outlive a restart and be"
            " shared by every API and worker): a bucket for a cluster, or on one server a persistent volume"
            " mounted at MEDIA_DIR in every API and worker container"
        )
    return problems


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment (default `os.environ`); `SettingsError` lists every
    variable whose value cannot be used."""
    env = _Environment(os.environ if environ is None else environ)
    environment = env.choice("VOELGOED_ENV", "development", ENVIRONMENTS)
    data_dir = Path(env.text("VOELGOED_DATA_DIR", str(REPO_ROOT / ".data"))).resolve()
    port = env.integer("PORT", 8000, minimum=1)
    if port > 65535:
        env.problems.append(f"PORT must be a whole number from 1 to 65535, got {port}")
    public_url = (env.url("PUBLIC_URL", ("http", "https")) or f"http://localhost:{port}").rstrip("/")
    server = ServerSettings(
        environment=environment,
        data_dir=data_dir,
        host=env.text("HOST", "127.0.0.1"),
        port=port,
        public_url=public_url,
        web_concurrency=env.integer("WEB_CONCURRENCY", 1, minimum=1),
        malloc_arena_max=env.integer("MALLOC_ARENA_MAX", 2, minimum=1),
        worker_concurrency=env.integer("WORKER_CONCURRENCY", 10, minimum=1),
        worker_nice=min(env.integer("WORKER_NICE", 10, minimum=0), 19),
        trusted_proxies=env.networks("TRUSTED_PROXIES", ()),
    )
    database = DatabaseSettings(
        url=env.url("DATABASE_URL", ("postgres", "postgresql", "postgresql+asyncpg")),
        pool_size=env.integer("DB_POOL_SIZE", 10, minimum=1),
        max_overflow=env.integer("DB_MAX_OVERFLOW", 10, minimum=0),
        pool_timeout_seconds=env.integer("DB_POOL_TIMEOUT_SECONDS", 30, minimum=1),
        hold_pool_size=env.integer("DB_HOLD_POOL_SIZE", 4, minimum=1),
        statement_timeout_ms=env.integer("DB_STATEMENT_TIMEOUT_MS", 30_000),
        lock_timeout_ms=env.integer("DB_LOCK_TIMEOUT_MS", 3_000),
        read_url=env.url("DATABASE_READ_URL", ("postgres", "postgresql", "postgresql+asyncpg")),
        pgbouncer=env.flag("DATABASE_PGBOUNCER", False),
        direct_url=env.url("DATABASE_DIRECT_URL", ("postgres", "postgresql", "postgresql+asyncpg")),
    )
    redis = RedisSettings(
        url=env.url("REDIS_URL", ("redis", "rediss", "unix")),
        request_timeout_ms=env.integer("REDIS_REQUEST_TIMEOUT_MS", 500, minimum=1),
        breaker_seconds=env.number("REDIS_BREAKER_SECONDS", 5.0),
    )
    mail = MailSettings(
        smtp_host=env.optional("SMTP_HOST"),
        smtp_port=env.integer("SMTP_PORT", 1025, minimum=1),
        smtp_username=env.optional("SMTP_USERNAME"),
        smtp_password=env.optional("SMTP_PASSWORD"),
        smtp_starttls=env.flag("SMTP_STARTTLS", False),
        sender=env.text("MAIL_FROM", "VoelgoedEvents <no-reply@voelgoed.local>"),
    )
    payments = PaymentSettings(
        allow_simulated=env.flag("PAYMENTS_ALLOW_SIMULATED", environment != "production"),
        payfast_base_url=(env.url("PAYFAST_BASE_URL", ("http", "https")) or "").rstrip("/") or None,
        payfast_api_url=(env.url("PAYFAST_API_URL", ("http", "https")) or "https://api.payfast.co.za").rstrip("/"),
        payfast_allowed_ips=env.networks("PAYFAST_ALLOWED_IPS", PAYFAST_DEFAULT_ALLOWED_IPS),
        yoco_api_url=(env.url("YOCO_API_URL", ("http", "https")) or YOCO_DEFAULT_API_URL).rstrip("/"),
        paystack_api_url=(env.url("PAYSTACK_API_URL", ("http", "https")) or PAYSTACK_DEFAULT_API_URL).rstrip("/"),
        paystack_allowed_ips=env.networks("PAYSTACK_ALLOWED_IPS", PAYSTACK_DEFAULT_ALLOWED_IPS),
        ozow_pay_url=(env.url("OZOW_PAY_URL", ("http", "https")) or "").rstrip("/") or None,
        ozow_api_url=(env.url("OZOW_API_URL", ("http", "https")) or "").rstrip("/") or None,
    )
    limits = LimitSettings(
        max_body_bytes=env.integer("MAX_BODY_BYTES", 1_000_000, minimum=1),
        hold_minutes=env.integer("HOLD_MINUTES", 15, minimum=1),
        reserve_batch_window_ms=env.number("RESERVE_BATCH_WINDOW_MS", 2.0),
        reserve_batch_max=env.integer("RESERVE_BATCH_MAX", 64, minimum=1),
        public_rate_limit=env.integer("PUBLIC_RATE_LIMIT", 600),
        public_rate_window_seconds=env.integer("PUBLIC_RATE_WINDOW_SECONDS", 60, minimum=1),
        sign_up_rate_limit=env.integer("SIGN_UP_RATE_LIMIT", 20, minimum=1),
        api_key_rate_limit=env.integer("API_KEY_RATE_LIMIT", 600, minimum=1),
        export_sync_max_rows=env.integer("EXPORT_SYNC_MAX_ROWS", 50_000),
        webhook_event_retention_days=env.integer("WEBHOOK_EVENT_RETENTION_DAYS", 30, minimum=1),
    )
    cache = CacheSettings(
        availability_seconds=env.integer("AVAILABILITY_CACHE_SECONDS", 5),
        dashboard_seconds=env.integer("DASHBOARD_CACHE_SECONDS", 30),
    )
    logging = LoggingSettings(
        level=env.choice("LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
        json=env.flag("LOG_JSON", environment == "production"),  # text lines stay the default in development
    )
    worker_metrics_port = env.integer("WORKER_METRICS_PORT", 0)
    if worker_metrics_port > 65535:
        env.problems.append(f"WORKER_METRICS_PORT must be a whole number from 0 to 65535, got {worker_metrics_port}")
    metrics_token = env.optional("METRICS_TOKEN")
    if metrics_token is not None and len(metrics_token) < 16:
        env.problems.append("METRICS_TOKEN must be at least 16 characters (it guards /metrics)")
    observability = ObservabilitySettings(
        metrics_token=metrics_token,
        worker_metrics_port=worker_metrics_port,
        worker_metrics_host=env.text("WORKER_METRICS_HOST", "127.0.0.1"),
        # The OpenTelemetry SDK reads its other OTEL_* variables itself (headers, protocol, sampler).
        otlp_endpoint=env.url("OTEL_EXPORTER_OTLP_ENDPOINT", ("http", "https")),
        service_name=env.text("OTEL_SERVICE_NAME", "voelgoed"),
    )
    media = MediaSettings(
        s3_bucket=env.optional("MEDIA_S3_BUCKET"),
        s3_endpoint_url=env.url("MEDIA_S3_ENDPOINT_URL", ("http", "https")),
        s3_region=env.optional("MEDIA_S3_REGION"),
        s3_access_key_id=env.optional("MEDIA_S3_ACCESS_KEY_ID"),
        s3_secret_access_key=env.optional("MEDIA_S3_SECRET_ACCESS_KEY"),
        public_base_url=(env.url("MEDIA_PUBLIC_BASE_URL", ("http", "https")) or "").rstrip("/") or None,
        disk_dir=Path(media_dir).resolve() if (media_dir := env.optional("MEDIA_DIR")) else None,
    )
    webhooks = WebhookSettings(
        allow_private_targets=env.flag("WEBHOOKS_ALLOW_PRIVATE_TARGETS", environment != "production"),
        require_https=env.flag("WEBHOOKS_REQUIRE_HTTPS", environment == "production"),
        timeout_seconds=env.number("WEBHOOKS_TIMEOUT_SECONDS", 10.0, minimum=0.1),
        disable_after_hours=env.number("WEBHOOKS_DISABLE_AFTER_HOURS", 72.0, minimum=0.0),
        batch_size=env.integer("WEBHOOKS_BATCH_SIZE", 10, minimum=1),
        concurrency=env.integer("WEBHOOKS_CONCURRENCY", 20, minimum=1),
        poll_seconds=env.number("WEBHOOKS_POLL_SECONDS", 1.0, minimum=0.05),
    )
    if media.s3_bucket is None and media.s3_endpoint_url is not None:
        env.problems.append("MEDIA_S3_ENDPOINT_URL is set but MEDIA_S3_BUCKET is not: name the bucket")
    if environment == "production" and media.public_base_url and not media.public_base_url.startswith("https://"):
        env.problems.append("MEDIA_PUBLIC_BASE_URL must start with https:// in production (pages are https)")
    login_attempts = env.integer("LOGIN_ATTEMPTS_PER_WINDOW", 10, minimum=1)
    login_window = env.integer("LOGIN_WINDOW_SECONDS", 300, minimum=1)
    session_ttl = env.integer("SESSION_TTL_HOURS", 24 * 14, minimum=1)
    cookie_secure = env.flag("COOKIE_SECURE", public_url.startswith("https://"))
    secret_key = env.optional("SECRET_KEY")
    if env.optional(RENAMED_PROXIES_VARIABLE) is not None:
        env.problems.append(
            f"{RENAMED_PROXIES_VARIABLE} is now TRUSTED_PROXIES (one setting for every client address): rename it"
        )
    if database.pgbouncer and database.direct_url is None:
        env.problems.append(
            "DATABASE_PGBOUNCER=1 needs DATABASE_DIRECT_URL: live streams (LISTEN) and session locks"
            " need a connection straight to PostgreSQL, not through the transaction pooler"
        )
    if environment == "production":
        env.problems += production_problems(env, secret_key, database, redis, mail, media)
    if env.problems:
        raise SettingsError(env.problems)
    security = SecuritySettings(
        secret_key=_secret(secret_key, data_dir),  # only now: never write a secret for a bad configuration
        cookie_secure=cookie_secure,
        session_ttl_hours=session_ttl,
        login_attempts_per_window=login_attempts,
        login_window_seconds=login_window,
    )
    return Settings(
        server=server,
        database=database,
        redis=redis,
        mail=mail,
        payments=payments,
        security=security,
        limits=limits,
        cache=cache,
        logging=logging,
        observability=observability,
        media=media,
        webhooks=webhooks,
    )


def job_settings(ctx: Mapping[str, object] | None) -> Settings:
    """The settings `voelgoed worker` put into SAQ's context at startup (worker.py)."""
    settings = (ctx or {}).get("settings")
    if not isinstance(settings, Settings):
        raise RuntimeError("this job needs the worker's context: SAQ's startup puts `settings` in it (worker.py)")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The one process-wide accessor, kept for lib/crypto.py only: SECRET_KEY derives the keys of
    signed links and encrypted columns deep inside services (ticket signing keys, payment
    credentials, order links), where passing it down every call would thread it through every
    workflow for one process-wide constant. Everything else receives the object its entry point built."""
    return load_settings()
