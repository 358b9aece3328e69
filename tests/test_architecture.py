"""The layout's rules, checked by import-linter (contracts in pyproject.toml), and a probe
for each contract showing that it can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert "7 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("probes", "contract", "names"),
    [
        (
            {"bot/probe.py": "import adapters.console"},
            "The core is platform-neutral and storage-agnostic",
            "bot.probe -> adapters.console",
        ),
        (
            {"adapters/probe.py": "import storage.store"},
            "Adapters do not reach into storage",
            "adapters.probe -> storage.store",
        ),
        (
            {"bot/kernel/probe.py": "import bot.mentoring.rules"},
            "Layers of the core",
            "bot.kernel.probe -> bot.mentoring.rules",
        ),
        (
            {"bot/mentoring/probe.py": "import bot.prompts.queue"},
            "Capabilities are independent",
            "bot.mentoring.probe -> bot.prompts.queue",
        ),
        (
            {"adapters/console/probe.py": "import adapters.slack.render"},
            "Adapters are independent of each other",
            "adapters.console.probe -> adapters.slack.render",
        ),
        (
            {"adapters/discord/probe.py": "import bot.library.urls"},
            "Adapters import only the kernel",
            "adapters.discord.probe -> bot.library.urls",
        ),
        (
            {
                "copbot/probe_one.py": "import copbot.probe_two",
                # a type-only import closes a circle too
                "copbot/probe_two.py": "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    import copbot.probe_one",
            },
            "No import circles",
            ".probe_two -> .probe_one",
        ),
    ],
    ids=[
        "neutral core",
        "no storage",
        "layers",
        "capabilities",
        "adapters",
        "kernel only",
        "circle",
    ],
)
def test_each_contract_catches_what_it_forbids(
    tmp_path: Path, probes: dict[str, str], contract: str, names: str
) -> None:
    """A copy of the tree with one forbidden import breaks exactly the contract that says so."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for path, source in probes.items():
        (tmp_path / path).write_text(source + "  # noqa: F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert any(line.startswith(contract) for line in broken), result.stdout
    assert names in result.stdout
