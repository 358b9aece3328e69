"""A command added to the core appears on Slack with no adapter edit; slow work is
answered after the ack; running on Slack starts the prompt timer, which catches up on what
fell due while copbot was down; `copbot slack manifest`."""

from __future__ import annotations

import asyncio
import json
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError

from adapters.slack import SlackOptions, slack_running
from bot.app import build_catalog
from bot.kernel.catalog import Option, OptionType
from bot.kernel.context import Context
from bot.kernel.core import Core
from bot.kernel.messages import Reply
from bot.kernel.ports import Chat
from copbot.bootstrap import serving_core
from copbot.cli import main
from copbot.config import load_settings
from copbot.startup import startup_problem
from tests.fakes import ManualClock
from tests.slack.conftest import ALICE, MOD, options
from tests.slack.fake_slack import FakeSlack
from tests.slack.workspace import Http, Workspace, text_of


async def test_a_new_catalog_command_works_on_slack_unchanged(
    fake: FakeSlack, sqlite_url: str, clock: ManualClock
) -> None:
    catalog = build_catalog()

    @catalog.command(
        "kudos give",
        "Thank someone",
        Option("member", "Who to thank", OptionType.MEMBER, required=True),
        Option("reason", "What for", required=True),
    )
    async def give(context: Context) -> Reply:
        return Reply(f"{context.actor.display_name} thanks <@{context.options['member']}>!")

    def open_with_kudos(chat: Chat) -> AbstractAsyncContextManager[Core]:
        return serving_core(sqlite_url, chat=chat, clock=clock, catalog=catalog)

    async with slack_running(options(fake, "http"), open_with_kudos) as running:
        workspace = Workspace(fake, Http(f"http://127.0.0.1:{running.port}/slack/events"))
        sent = await workspace.command(ALICE, 'kudos give <@U0MOD|mo> "the review"')
        reply = await sent.reply()
        assert reply["response_type"] == "in_channel"
        assert text_of(reply) == f"Alice thanks <@{MOD}>!"
        asked = await (await workspace.command(ALICE, "kudos give")).modal()
        member = asked["blocks"][0]
        assert (member["block_id"], member["element"]["type"]) == ("member", "users_select")


async def test_the_timer_runs_and_posts_what_fell_due_while_down(
    fake: FakeSlack, sqlite_url: str, clock: ManualClock
) -> None:
    async with slack_running(
        options(fake, "http"), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
    ) as running:
        workspace = Workspace(fake, Http(f"http://127.0.0.1:{running.port}/slack/events"))
        await (await workspace.command(MOD, "prompt schedule C0GENERAL monday 09:30 UTC")).reply()
    assert fake.in_channel("C0GENERAL") == []
    clock.advance(timedelta(hours=1))  # copbot was down at 09:30
    async with slack_running(
        options(fake, "http"), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
    ):
        posted = fake.in_channel("C0GENERAL")
        assert len(posted) == 1 and "This week's prompt" in text_of(posted[0].args)


async def test_the_ack_comes_before_slow_work_finishes(
    fake: FakeSlack, sqlite_url: str, clock: ManualClock
) -> None:
    catalog = build_catalog()
    release = asyncio.Event()

    @catalog.command("slow work", "Takes as long as the test says")
    async def slow(context: Context) -> Reply:
        await release.wait()
        return Reply("Done at last.", ephemeral=True)

    def open_with_slow(chat: Chat) -> AbstractAsyncContextManager[Core]:
        return serving_core(sqlite_url, chat=chat, clock=clock, catalog=catalog)

    async with slack_running(options(fake, "http"), open_with_slow) as running:
        workspace = Workspace(fake, Http(f"http://127.0.0.1:{running.port}/slack/events"))
        sent = await workspace.command(ALICE, "slow work")
        assert (sent.status, sent.body) == (200, "")  # acknowledged while the work waits
        assert fake.responses == {}
        release.set()
        assert text_of(await sent.reply()) == "Done at last."


def test_copbot_slack_manifest_prints_the_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slack", "manifest"]) == 0
    socket = json.loads(capsys.readouterr().out)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert main(["slack", "manifest", "--url", "https://cop.example.org"]) == 0
    http = json.loads(capsys.readouterr().out)
    assert http["settings"]["interactivity"]["request_url"] == (
        "https://cop.example.org/slack/events"
    )


def test_copbot_run_starts_slack_when_its_tokens_are_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[SlackOptions] = []

    async def record(options: SlackOptions, open_core: object, **serving: object) -> None:
        started.append(options)

    monkeypatch.setattr("copbot.serve.run_slack", record)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text('[slack]\nmoderators = ["S0MENTORS"]\n')
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run"]) == 0
    assert [(o.mode, o.bot_token, o.app_token, o.moderators) for o in started] == [
        ("socket", "xoxb-1", "xapp-1", ("S0MENTORS",))
    ]


async def test_starting_with_the_token_in_the_environment_logs_no_false_warning(
    fake: FakeSlack,
    sqlite_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """copbot reads $SLACK_BOT_TOKEN and hands bolt its client; bolt reads the variable too
    and used to warn at every start that the token would be unused."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    with caplog.at_level("INFO"):
        async with slack_running(
            options(fake, "http"), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
        ):
            pass
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text


@pytest.mark.parametrize(
    ("mode", "token", "named"),
    [("http", "xoxb-test", "SLACK_BOT_TOKEN"), ("socket", "xapp-test", "SLACK_APP_TOKEN")],
)
async def test_a_token_slack_refuses_stops_the_start_and_is_named(
    fake: FakeSlack,
    sqlite_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    mode: str,
    token: str,
    named: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # no config.toml
    fake.refused.add(token)
    with pytest.raises(SlackApiError) as refused:
        async with slack_running(
            options(fake, mode), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
        ):
            pytest.fail("copbot served with a token Slack refuses")
    settings = load_settings(None, environ={}, database_url=sqlite_url)
    said = startup_problem(refused.value, settings)
    assert said is not None and "Slack refused the token (invalid_auth)" in said
    assert named in said and token not in said


async def test_the_weekly_digest_is_posted_as_blocks_after_a_restart(
    fake: FakeSlack, sqlite_url: str, clock: ManualClock
) -> None:
    async with slack_running(
        options(fake, "http"), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
    ) as running:
        workspace = Workspace(fake, Http(f"http://127.0.0.1:{running.port}/slack/events"))
        await (await workspace.command(ALICE, "library add https://example.org/a")).reply()
        set_up = await workspace.command(MOD, "community digest C0GENERAL monday 09:30 UTC")
        assert "Mondays at 09:30 UTC" in text_of(await set_up.reply())
    clock.advance(timedelta(hours=1))  # copbot was down at 09:30
    async with slack_running(
        options(fake, "http"), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
    ):
        [digest] = await fake.wait_for(
            lambda: [m for m in fake.in_channel("C0GENERAL") if "The week in" in text_of(m.args)]
        )
    blocks = digest.args["blocks"]
    assert isinstance(blocks, list) and len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    said = text_of(digest.args)
    assert "1 new resource this week" in said and "Newcomers" in said
