"""The embedded Redis: stop_all returns only once the server is gone, so the caller may delete
its folder (Redis refuses to exit when its final save fails, and lived on after every test run)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from voelgoed.devservices import ensure_redis, stop_all


def test_stop_all_waits_for_redis_to_exit(tmp_path: Path) -> None:
    ensure_redis(tmp_path)
    pid = int((tmp_path / "redis" / "redis.pid").read_text().strip())
    stop_all(tmp_path)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    shutil.rmtree(tmp_path)  # what the test suite and the e2e runner do next
