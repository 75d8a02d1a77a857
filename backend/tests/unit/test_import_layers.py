"""`lint-imports` (in `./vg lint`) refuses an import against the layers of docs/architecture.md.

Runs the real tool on a copy of the package with one back-edge added, so the contracts in
pyproject.toml are shown to catch it (a contract that cannot fail would be worth nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_copy(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    """Copy the package and pyproject.toml to tmp_path, append `line` to `module`, run the linter
    there (the copy comes first on PYTHONPATH, so it is the one analysed)."""
    shutil.copytree(
        ROOT / "backend" / "voelgoed", tmp_path / "voelgoed", ignore=shutil.ignore_patterns("__pycache__", "migrations")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if module:
        path = tmp_path / "voelgoed" / (module.replace(".", "/") + ".py")
        path.write_text(path.read_text() + "\n" + line + "\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(autouse=True)
def _needs_lint_imports() -> None:
    if not LINT_IMPORTS.exists():
        pytest.fail("lint-imports is missing: install the dev extra (./vg does)")


def test_the_package_keeps_its_contracts(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, "", "")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_a_lazy_import_from_a_domain_area_into_workflows_is_refused(tmp_path: Path) -> None:
    # The back-edge payments had: a function-level import of a workflow.
    line = (
        "def _complete():\n    from voelgoed.workflows.checkout import complete_checkout\n    return complete_checkout"
    )
    result = _lint_copy(tmp_path, "domain.payments.services", line)
    assert result.returncode == 1, result.stdout
    assert "voelgoed.domain is not allowed to import voelgoed.workflows" in result.stdout
    assert "voelgoed.domain.payments.services -> voelgoed.workflows.checkout" in result.stdout


def test_a_lower_area_importing_a_higher_one_is_refused(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, "domain.accounts.services", "from voelgoed.domain.organizations import models")
    assert result.returncode == 1, result.stdout
    assert "voelgoed.domain.accounts is not allowed to import voelgoed.domain.organizations" in result.stdout
