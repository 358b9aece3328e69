"""Where Slack's events come in says whether it is up (`/healthz`), and closes when copbot
stops taking work: the HTTP listener refuses new connections, the socket disconnects."""

from __future__ import annotations

import aiohttp
import pytest

from adapters.slack import slack_running
from copbot.bootstrap import serving_core
from tests.fakes import ManualClock
from tests.slack.conftest import options
from tests.slack.fake_slack import FakeSlack


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_the_intake_is_connected_until_it_stops(
    fake: FakeSlack, sqlite_url: str, clock: ManualClock, mode: str
) -> None:
    opened = slack_running(
        options(fake, mode), lambda chat: serving_core(sqlite_url, chat=chat, clock=clock)
    )
    async with opened as running:
        assert await running.intake.connected()
        await running.intake.stop()
        assert not await running.intake.connected()
        if mode == "http":
            address = f"http://127.0.0.1:{running.port}/slack/events"
            with pytest.raises(aiohttp.ClientConnectionError):
                async with aiohttp.ClientSession() as session:
                    await session.post(address, data=b"{}")
