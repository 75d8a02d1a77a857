"""Database wiring: the advanced-alchemy config, the model registry, Alembic location."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_alchemy_config(
    database_url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: int = 30,
    connect_args: dict[str, Any] | None = None,
) -> SQLAlchemyAsyncConfig:
    """The request pool: `pool_size` kept open plus `max_overflow` on demand per API process; a
    request that waits `pool_timeout` seconds for one gets a 503 (db/pool.py). `connect_args`
    from db/timeouts.request_connect_args put statement and lock timeouts on every transaction."""
    from voelgoed.db import (
        models,  # noqa: F401  (registers every table on the metadata)
        tenancy,
    )
    from voelgoed.db.commit import commit_or_fail_handler

    tenancy.install()
    config = SQLAlchemyAsyncConfig(
        connection_string=database_url,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # No pre-ping: it costs a round trip per checkout on the hot paths; a dropped connection
        # invalidates the pool on first use instead, and pool_recycle retires idle ones.
        engine_config=EngineConfig(
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_recycle=1800,
            connect_args=connect_args or {},
        ),
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS_DIR),
            version_table_name="alembic_version",
        ),
        create_all=False,
    )
    # One transaction per request: committed when the handler answers 2xx/3xx, before the answer
    # leaves; a failed commit turns the answer into a problem response (db/commit.py).
    config.before_send_handler = commit_or_fail_handler(config.session_scope_key)
    return config
