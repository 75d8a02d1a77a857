"""`read_session` (db/replica.py): without DATABASE_READ_URL it is the request's own session on the
primary (no second connection); with it, a session of its own on the replica's engine carrying the
request session's tenant scope. No database is contacted: sessions connect lazily."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.app import create_app
from voelgoed.db import pool, replica
from voelgoed.db.tenancy import SCOPE_KEY, scope_session
from voelgoed.settings import SettingsError, load_settings

PRIMARY = "postgresql+asyncpg://voelgoed@primary.invalid/voelgoed"


def _app(tmp_path: Path, **env: str) -> Any:
    settings = load_settings({"SECRET_KEY": "unit-test-secret", "VOELGOED_DATA_DIR": str(tmp_path), **env})
    app = create_app(settings, database_url=PRIMARY, redis_url="redis://redis.invalid:6379/0")
    app.state.alchemy.update_app_state(app)  # what the plugin does at start-up (engine, session maker)
    return app


def _request(app: Any) -> Any:
    return SimpleNamespace(app=app, scope={"type": "http", "state": {}})


async def test_without_the_setting_the_read_session_is_the_request_session(tmp_path: Path) -> None:
    app = _app(tmp_path)
    request = _request(app)
    primary = replica.request_session(request)
    sessions = replica.provide_read_session(request)
    read = await anext(sessions)
    assert read is primary
    assert read.bind is app.state.alchemy.get_engine()
    assert str(read.bind.url) == PRIMARY
    assert replica.read_bind(request) is read.bind  # the streamed CSV's engine: the primary's
    await sessions.aclose()


async def test_with_the_setting_the_read_session_is_the_replicas_and_keeps_the_scope(tmp_path: Path) -> None:
    app = _app(tmp_path, DATABASE_READ_URL="postgresql://voelgoed@replica.invalid/voelgoed")
    try:
        request = _request(app)
        primary = replica.request_session(request)
        organization_id = uuid.uuid4()
        scope_session(primary, organization_id)  # what the authorization guard does
        sessions = replica.provide_read_session(request)
        read = await anext(sessions)
        assert isinstance(read, AsyncSession) and read is not primary
        assert read.bind is replica.read_bind(request)
        assert read.bind.url.host == "replica.invalid" and read.bind.url.drivername == "postgresql+asyncpg"
        assert read.sync_session.info[SCOPE_KEY] == organization_id
        await sessions.aclose()
    finally:
        await pool.dispose_separate_pools()


def test_a_bad_read_url_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DATABASE_READ_URL must be a URL starting with postgres://"):
        load_settings({"SECRET_KEY": "s", "VOELGOED_DATA_DIR": str(tmp_path), "DATABASE_READ_URL": "mysql://x/y"})
    unset = load_settings({"SECRET_KEY": "s", "VOELGOED_DATA_DIR": str(tmp_path)})
    assert unset.database.read_url is None
