"""HTTP mode behind a load balancer: two copbot processes on one PostgreSQL database take
turns at a workspace's requests and agree on everything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from adapters.slack import slack_running
from copbot.bootstrap import serving_core
from tests.fakes import ManualClock
from tests.slack.conftest import ALICE, BOB, MOD, options
from tests.slack.fake_slack import FakeSlack
from tests.slack.workspace import Http, Workspace, text_of


@asynccontextmanager
async def two_processes(
    fake: FakeSlack, postgres_url: str, clock: ManualClock
) -> AsyncIterator[tuple[Workspace, Workspace]]:
    """Two HTTP-mode copbots on one database, and the workspace as each one receives it."""
    async with (
        slack_running(
            options(fake, "http"), lambda chat: serving_core(postgres_url, chat=chat, clock=clock)
        ) as one,
        slack_running(
            options(fake, "http"), lambda chat: serving_core(postgres_url, chat=chat, clock=clock)
        ) as two,
    ):
        yield (
            Workspace(fake, Http(f"http://127.0.0.1:{one.port}/slack/events")),
            Workspace(fake, Http(f"http://127.0.0.1:{two.port}/slack/events")),
        )


@pytest.mark.postgres
async def test_two_http_processes_share_one_postgresql(
    fake: FakeSlack, postgres_url: str, clock: ManualClock
) -> None:
    async with two_processes(fake, postgres_url, clock) as (first, second):
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


@pytest.mark.postgres
async def test_a_retry_reaching_the_other_process_is_handled_once(
    fake: FakeSlack, postgres_url: str, clock: ManualClock
) -> None:
    """Slack resends an event it thinks was missed (`X-Slack-Retry-Num`), and a load
    balancer may hand the resend to the other process; a signed command replayed there is
    the same one too."""
    async with two_processes(fake, postgres_url, clock) as (first, second):
        opened = {"type": "app_home_opened", "user": ALICE, "tab": "home"}
        assert await first.event(opened, event_id="Ev0RETRIED") == (200, "")
        await fake.wait_for(lambda: fake.homes.get(ALICE))
        for retry in (1, 2):
            assert await second.event(opened, event_id="Ev0RETRIED", retry=retry) == (200, "")
        assert await second.event(opened, event_id="Ev0ANOTHER") == (200, "")  # a new one
        await fake.wait_for(lambda: len(fake.homes[ALICE]) == 2)
        payload = first.command_payload(BOB, 'prompt suggest "What did you fix?"', "C0GENERAL")
        key = payload["response_url"].rsplit("/", 1)[1]
        assert await first.transport.send("command", payload) == (200, "")
        await fake.wait_for(lambda: fake.responses.get(key))  # handled after the ack
        assert await second.transport.send("command", payload) == (200, "")
        shown = await (await second.command(MOD, "prompt suggestions")).reply()
        assert text_of(shown).count("What did you fix?") == 1
        answers = [r for r in fake.responses[key] if "look at your suggestion" in r["text"]]
        assert len(answers) == 1  # (Bob's welcome follows it, once)
        assert len(fake.homes[ALICE]) == 2  # no retry handled late either
