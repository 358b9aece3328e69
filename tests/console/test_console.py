"""Console scripts as golden tests, and the catalog driving the console with no adapter edit.

Each `scripts/NAME.txt` runs on a fresh database and must print `scripts/NAME.out`.
Regenerate after an intended change with `UPDATE_GOLDEN=1 ./dev test tests/console`.
"""

from __future__ import annotations

import io
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import build_catalog
from bot.kernel.catalog import Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from copbot.cli import main
from copbot.config import Settings
from copbot.console import run_script

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


async def lines_of(script: list[str], database_url: str) -> list[str]:
    output: list[str] = []
    await run_script(script, settings_for(database_url), output.append, echo=False)
    return output


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("@advance 99999999w", "more than a year ahead"),
        ("@advance 53w", "more than a year ahead"),
        ("@now 9999-12-31T23:00Z", "more than a year ahead"),
        ("@now 0001-01-01T00:00Z", "within the years 2000 to 2999"),
        ("@now 0001-01-01T00:30+01:00", "within the years 2000 to 2999"),
        ("@now 2999-12-31T23:00Z", "more than a year ahead"),
    ],
)
async def test_the_clock_goes_where_copbot_can_follow(
    sqlite_url: str, line: str, said: str
) -> None:
    """A clock far off ended the console (OverflowError) or posted every week of the
    centuries in between; it is refused, and the console goes on."""
    output = await lines_of(
        [
            "@now 2026-01-05T08:00Z",
            "/prompt schedule #weekly monday 09:00 UTC",
            line,
            "@advance 52w",
            "/prompt schedules",
        ],
        sqlite_url,
    )
    assert any(said in o for o in output), output
    assert "[console] it is now Mon 2027-01-04 08:00 UTC" in output
    assert any(o.startswith("[only mod] #1 ") and "next Mon 04 Jan 09:00" in o for o in output)


async def test_what_a_member_says_is_shown_with_its_control_characters_escaped(
    sqlite_url: str,
) -> None:
    output = await lines_of(["alice: look \x1b[2J\x1b]0;pwned\x07 here \u202eevil"], sqlite_url)
    assert output == [
        "[#general] alice (message 1): look \\x1b[2J\\x1b]0;pwned\\x07 here \\u202eevil"
    ]


def test_a_script_is_split_at_line_ends_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.txt"
    script.write_text("alice: /profile set bio:one\x0btwo\r\nalice: /profile show\n")
    database = ["--database", f"sqlite:///{tmp_path / 'db.sqlite'}"]
    assert main([*database, "console", "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert "`bio`: control characters, invisible characters" in out
    assert "two" not in out.replace("\\x0btwo", "")  # no line `two` said by the console member


def test_a_script_that_isnt_utf8_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.txt"
    script.write_bytes(b"/help\nalice: caf\xe9\n")
    database = ["--database", f"sqlite:///{tmp_path / 'db.sqlite'}"]
    assert main([*database, "console", "--script", str(script)]) == 2
    err = capsys.readouterr().err
    assert "isn't UTF-8 text: line 2 has the byte 0xe9" in err and "Traceback" not in err


async def test_a_restart_keeps_the_console_clock(sqlite_url: str) -> None:
    """The clock used to go back to the real date at a restart: prompts already posted lay
    in the future, and their schedules looked paused."""
    first = await lines_of(
        ["/prompt schedule #weekly monday 09:00 UTC", "@advance 20d"], sqlite_url
    )
    assert sum("🧵 thread" in o for o in first) >= 2  # some postings happened
    after = await lines_of(["/prompt schedules", "/prompt preview"], sqlite_url)
    assert after[0].startswith("[console] it is ") and "as the console left it" in after[0]
    schedule = next(o for o in after if o.startswith("[only mod] #1 "))
    assert ": next " in schedule and "paused" not in schedule
    assert any(o.startswith("[only mod] ┌ ") for o in after)  # Coming up: a card


def test_ctrl_c_leaves_the_console_at_once_and_quietly(tmp_path: Path) -> None:
    """Ctrl-C reaches the terminal's whole process group (copbot and its solver process):
    it used to print a traceback from each and wait for Enter."""
    copbot = subprocess.Popen(
        [sys.executable, "-m", "copbot", "console"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,  # kept open: nothing ever arrives
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "DISCORD_TOKEN": "", "SLACK_BOT_TOKEN": ""},
    )
    try:
        ready, _, _ = select.select([copbot.stdout], [], [], 60)
        assert ready and copbot.stdout is not None
        assert "copbot console" in copbot.stdout.readline()
        os.killpg(copbot.pid, signal.SIGINT)
        _, err = copbot.communicate(timeout=30)
    finally:
        if copbot.poll() is None:
            os.killpg(copbot.pid, signal.SIGKILL)
            copbot.wait()
    assert copbot.returncode == 0
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
