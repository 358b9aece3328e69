"""What copbot sends on its own goes out once across a crash: a restarted copbot finds
its earlier message by the key in its metadata, read by time however many messages came
since (Slack has no nonce)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from adapters.slack import slack_running
from adapters.slack.run import Running
from bot.kernel.outbox import LEASE
from copbot.bootstrap import serving_core
from tests.fakes import ManualClock
from tests.slack.conftest import ALICE, MOD, options
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_end_to_end import run
from tests.slack.workspace import Http, Workspace, text_of

GENERAL = "C0GENERAL"


class Crash(BaseException):
    """The process dying (nothing in copbot catches it)."""


def die_after_the_first_post(running: Running) -> None:
    post = running.bot.chat.post

    async def posted_then_died(*args: Any, **kwargs: Any) -> Any:
        await post(*args, **kwargs)
        raise Crash

    running.bot.chat.post = posted_then_died  # type: ignore[method-assign]


async def test_a_post_a_crash_left_unrecorded_is_found_in_a_busy_channel(
    fake: FakeSlack, sqlite_url: str, clock: ManualClock
) -> None:
    def opened(chat: Any) -> Any:
        return serving_core(sqlite_url, chat=chat, clock=clock)

    async with slack_running(options(fake, "http"), opened) as running:
        workspace = Workspace(fake, Http(f"http://127.0.0.1:{running.port}/slack/events"))
        await run(workspace, MOD, "prompt schedule C0GENERAL monday 10:00 UTC")
        await run(workspace, MOD, 'prompt add "What did you ship?"')
        die_after_the_first_post(running)
        await run(workspace, MOD, "prompt post-now schedule:1")
        [posted] = await fake.wait_for(lambda: fake.in_channel(GENERAL))
        assert running.core.outbox is not None
        await running.core.outbox.stop()  # the pass that died
    clock.advance(timedelta(seconds=30))
    for n in range(40):  # more than any "recent messages" lookback
        fake.say(GENERAL, ALICE, f"chatter {n}")
    clock.advance(LEASE + timedelta(minutes=5))
    async with slack_running(options(fake, "http"), opened) as restarted:
        assert restarted.core.outbox is not None
        await restarted.core.outbox.drain()
    mine = [m for m in fake.in_channel(GENERAL) if "What did you ship?" in text_of(m.args)]
    assert [m.ts for m in mine] == [posted.ts]  # found by its key, not posted again
