"""Settings and pure rules of the many-process topology (the behaviour itself: tests/multiprocess)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from saq import Worker

from voelgoed.db import pooler
from voelgoed.settings import SettingsError, load_settings
from voelgoed.worker import CRON_JOBS, FUNCTIONS, make_queue, tick_of

BASE = {"SECRET_KEY": "unit-test-secret", "DATABASE_URL": "postgresql://u:p@pgbouncer:6432/voelgoed"}


def test_a_transaction_pooler_needs_a_direct_url_for_listen_and_session_locks(tmp_path: Path) -> None:
    env = {**BASE, "VOELGOED_DATA_DIR": str(tmp_path), "DATABASE_PGBOUNCER": "1"}
    with pytest.raises(SettingsError, match="DATABASE_PGBOUNCER=1 needs DATABASE_DIRECT_URL"):
        load_settings(env)
    direct = "postgresql://u:p@postgres:5432/voelgoed"
    s = load_settings({**env, "DATABASE_DIRECT_URL": direct})
    assert s.database.pgbouncer and s.database.session_url == direct
    plain = load_settings({**BASE, "VOELGOED_DATA_DIR": str(tmp_path)})
    assert not plain.database.pgbouncer and plain.database.session_url == BASE["DATABASE_URL"]


def test_behind_the_pooler_no_statement_is_cached_or_named() -> None:
    limits = {"connection_class": object}
    try:
        pooler.use_transaction_pooler(True)
        args = pooler.connect_args(limits)
        assert args["connection_class"] is object  # the caller's arguments are kept
        assert args["statement_cache_size"] == 0 and args["prepared_statement_cache_size"] == 0
        assert args["prepared_statement_name_func"]() == ""  # the unnamed statement
        pooler.use_transaction_pooler(False)
        assert pooler.connect_args(limits) == limits
    finally:
        pooler.use_transaction_pooler(False)


def test_a_scheduled_run_belongs_to_the_tick_it_was_scheduled_for() -> None:
    at = datetime(2026, 11, 30, 8, 14, tzinfo=UTC)
    assert tick_of("* * * * *", at.timestamp()) == at
    assert tick_of("*/2 * * * *", at.timestamp()) == at
    assert tick_of("*/2 * * * *", at.timestamp() + 60) == at  # 08:15 is no tick of */2: still 08:14's
    assert tick_of("* * * * *", at.timestamp() + 59) == at


def test_every_cron_job_claims_its_tick() -> None:
    names = {cron.function.__qualname__ for cron in CRON_JOBS}
    assert {"release_expired_holds", "build_dashboard_snapshots", "sweep_refunds"} <= names
    assert all(hasattr(cron.function, "__wrapped__") for cron in CRON_JOBS)  # worker.once_per_tick


def test_a_worker_runs_the_claiming_wrapper_of_every_cron_job() -> None:
    # SAQ registers `functions` and the cron jobs' functions by name from one set, in no fixed
    # order: a plain function of the same name as a cron job replaced the claiming wrapper in some
    # worker processes, and their scheduled runs then ran unclaimed (twice per tick, unlogged).
    cron_names = {cron.function.__qualname__ for cron in CRON_JOBS}
    assert not cron_names & {f.__qualname__ for f in FUNCTIONS}
    worker = Worker(make_queue("redis://127.0.0.1:1"), functions=FUNCTIONS, cron_jobs=CRON_JOBS)
    assert all(worker.functions[cron.function.__qualname__] is cron.function for cron in CRON_JOBS)
