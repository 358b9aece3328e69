"""A loopback Slack and copbot's Slack adapter connected to it, in HTTP or Socket Mode."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack import SlackOptions, slack_running
from adapters.slack.run import Running
from copbot.bootstrap import serving_core
from tests.fakes import ManualClock
from tests.slack.fake_slack import FakeSlack
from tests.slack.workspace import SECRET, Http, Socket, Workspace

ALICE, BOB, MOD, CAROL = "U0ALICE", "U0BOB", "U0MOD", "U0CAROL"
MODERATORS_GROUP = "S0MENTORS"


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(now=clock.now)  # Slack and copbot agree on the time
    fake.add_user(ALICE, "Alice", tz="Europe/Berlin")
    fake.add_user(BOB, "Bob", tz="America/New_York")
    fake.add_user(MOD, "Mo", admin=True)
    fake.add_user(CAROL, "Carol", tz="Asia/Tokyo")
    fake.groups[MODERATORS_GROUP] = [CAROL]
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert fake.violations == [], "copbot sent Slack something it would refuse"


def options(fake: FakeSlack, mode: str) -> SlackOptions:
    return SlackOptions(
        bot_token="xoxb-test",
        app_token="xapp-test",
        mode="http" if mode == "http" else "socket",
        signing_secret=SECRET,
        host="127.0.0.1",
        port=0,
        moderators=(MODERATORS_GROUP,),
        api_url=fake.api_url,
    )


@pytest.fixture
async def slack(fake: FakeSlack, sqlite_url: str, clock: ManualClock) -> AsyncIterator[Running]:
    """copbot in HTTP mode."""
    async with slack_running(
        options(fake, "http"), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
    ) as running:
        yield running


@pytest.fixture
def workspace(fake: FakeSlack, slack: Running) -> Workspace:
    return Workspace(fake, Http(f"http://127.0.0.1:{slack.port}/slack/events"))


@pytest.fixture
async def socket_workspace(
    fake: FakeSlack, sqlite_url: str, clock: ManualClock
) -> AsyncIterator[Workspace]:
    """copbot in Socket Mode, and Slack pushing envelopes to it."""
    async with slack_running(
        options(fake, "socket"), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
    ):
        yield Workspace(fake, Socket(fake))
