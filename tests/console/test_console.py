"""Console scripts as golden tests, and the catalog driving the console with no adapter edit.

Each `scripts/NAME.txt` runs on a fresh database and must print `scripts/NAME.out`.
Regenerate after an intended change with `UPDATE_GOLDEN=1 ./dev test tests/console`.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.app import build_catalog
from bot.kernel.catalog import Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from copbot.cli import main, run_script
from copbot.config import Settings

SCRIPTS = sorted((Path(__file__).parent / "scripts").glob("*.txt"))


def settings_for(database_url: str) -> Settings:
    return Settings.model_validate({"database": {"url": database_url}})


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
async def test_golden_script(script: Path, sqlite_url: str) -> None:
    output: list[str] = []
    await run_script(
        script.read_text().splitlines(), settings_for(sqlite_url), output.append, echo=True
    )
    expected = script.with_suffix(".out")
    actual = "\n".join(output) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(actual)
    assert actual == expected.read_text()


async def test_a_new_catalog_command_works_in_the_console_unchanged(sqlite_url: str) -> None:
    catalog = build_catalog()

    @catalog.command(
        "kudos give",
        "Thank someone",
        Option("member", "Who to thank", OptionType.MEMBER, required=True),
        Option("reason", "What for", required=True),
    )
    async def give_kudos(context: Context) -> Reply:
        return Reply(
            f"{context.actor.display_name} thanks {context.options['member']} for "
            f"{context.options['reason']}!"
        )

    output: list[str] = []
    lines = ['alice@#team: /kudos give @bob "the review"', "bob: /help kudos"]
    await run_script(lines, settings_for(sqlite_url), output.append, echo=False, catalog=catalog)
    assert output[0] == "[#team] alice thanks bob for the review!"
    assert "[only bob] `/kudos give` Thank someone" in output


def test_script_command_line_prints_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.txt"
    script.write_text("@now 2026-01-05T09:00Z\nalice: /profile set skills:py\n")
    code = main(
        ["--database", f"sqlite:///{tmp_path / 'db.sqlite'}", "console", "--script", str(script)]
    )
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "> @now 2026-01-05T09:00Z",
        "[console] it is now Mon 2026-01-05 09:00 UTC",
        "> alice: /profile set skills:py",
    ]
    assert "[only alice] │ Teaches: python" in out


def test_run_without_tokens_opens_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("/profile set skills:js\nbob: /profile show @mod\n")
    )
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "copbot console" in out and "You are mod in #general" in out
    assert "[only bob] │ Teaches: javascript" in out
    assert (tmp_path / "copbot.db").exists()
