"""The dependency rule, checked: the core imports no platform, adapter or storage code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("bot", "adapters", "storage", "copbot")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    linter = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(linter), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_contract_catches_a_forbidden_import(tmp_path: Path) -> None:
    """The check above can fail: a copy of the tree whose core imports an adapter breaks it."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "bot" / "probe.py").write_text("import adapters.console  # noqa: F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "bot.probe -> adapters.console" in result.stdout
