"""HTTP mode behind a load balancer: two copbot processes on one PostgreSQL database take
turns at a workspace's requests and agree on everything."""

from __future__ import annotations

import pytest

from adapters.slack import slack_running
from copbot.bootstrap import serving_core
from tests.fakes import ManualClock
from tests.slack.conftest import ALICE, BOB, options
from tests.slack.fake_slack import FakeSlack
from tests.slack.workspace import Http, Workspace, text_of


@pytest.mark.postgres
async def test_two_http_processes_share_one_postgresql(
    fake: FakeSlack, postgres_url: str, clock: ManualClock
) -> None:
    async with (
        slack_running(
            options(fake, "http"), lambda chat: serving_core(postgres_url, chat=chat, clock=clock)
        ) as one,
        slack_running(
            options(fake, "http"), lambda chat: serving_core(postgres_url, chat=chat, clock=clock)
        ) as two,
    ):
        first = Workspace(fake, Http(f"http://127.0.0.1:{one.port}/slack/events"))
        second = Workspace(fake, Http(f"http://127.0.0.1:{two.port}/slack/events"))
        await (await first.command(ALICE, "profile set skills:python")).reply()
        shown = await (await second.command(BOB, f"profile show <@{ALICE}|alice>")).reply()
        assert "*Teaches*\npython" in text_of(shown)
        added = await (
            await second.command(BOB, 'library add https://example.org/x "Shared"')
        ).reply()
        pressed = await first.press(ALICE, "Upvote", added["blocks"], ephemeral=False)
        assert "Upvoted #1" in text_of(await pressed.reply())
        again = await second.press(ALICE, "Upvote", added["blocks"], ephemeral=False)
        assert "Took back your vote for #1" in text_of(await again.reply())
