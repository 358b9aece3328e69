"""The `copbot` command line: its verbs, their help, what it refuses, and that each verb
loads only what it needs (bench/startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from copbot.cli import main

HEAVY = ("sqlalchemy", "alembic", "discord", "slack_bolt", "aiohttp", "numpy", "ortools")


def exits(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    return int(raised.value.code or 0)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert exits(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"copbot {version('copbot')}"


@pytest.mark.parametrize(
    ("argv", "described"),
    [
        (["console", "--help"], "Ctrl-D or Ctrl-C leaves it"),
        (["check-config", "--help"], "whether its schema is current"),
        (["slack", "manifest", "--help"], "api.slack.com/apps"),
        (["discord", "invite-url", "--help"], "only for the permissions it uses"),
    ],
)
def test_every_verb_describes_itself(
    argv: list[str], described: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exits(argv) == 0
    assert described in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("group", ["slack", "discord"])
def test_a_group_without_its_command_shows_usage_and_starts_nothing(
    group: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([group]) == 2
    captured = capsys.readouterr()
    assert f"usage: copbot {group}" in captured.err and "copbot console" not in captured.out
    assert not (tmp_path / "copbot.db").exists()


@pytest.mark.parametrize(
    ("argv", "refused"),
    [
        (["slack", "manifest", "--url", "not-a-url"], "isn't a public https URL"),
        (["slack", "manifest", "--url", "http://cop.example.org"], "isn't a public https URL"),
        (["discord", "invite-url", "--application-id", "-5"], "isn't an application id"),
        (["discord", "invite-url", "--application-id", str(2**64)], "isn't an application id"),
    ],
)
def test_bad_arguments_are_refused(
    argv: list[str], refused: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exits(argv) == 2
    assert refused in capsys.readouterr().err


def test_a_good_url_makes_an_http_mode_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slack", "manifest", "--url", "https://cop.example.org/"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["settings"]["event_subscriptions"]["request_url"] == (
        "https://cop.example.org/slack/events"
    )


def test_installed_by_oauth_the_manifest_has_the_redirect_url_and_rotation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[slack]\nmode = "http"\ninstall = true\nclient_id = "1.2"\nclient_secret = "s"\n'
        'signing_secret = "s"\npublic_url = "https://cop.example.org"\n'
    )
    assert main(["--config", str(config), "slack", "manifest"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["oauth_config"]["redirect_urls"] == [
        "https://cop.example.org/slack/oauth_redirect"
    ]
    assert found["settings"]["token_rotation_enabled"] is True
    assert "app_uninstalled" in found["settings"]["event_subscriptions"]["bot_events"]


@pytest.mark.parametrize("argv", [[], ["check-config"]])
def test_the_cli_loads_what_a_verb_needs_only(argv: list[str], tmp_path: Path) -> None:
    """Importing the CLI, and checking the config and database, load none of the libraries
    that take most of a second (SQLAlchemy, Alembic, the platforms' clients, numpy)."""
    run = f"from copbot.cli import main; main({argv!r})" if argv else "import copbot.cli"
    probe = f"import sys; {run}; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
