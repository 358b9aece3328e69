"""What copbot sends on its own goes out once across a crash, whatever Discord remembers:
the loopback Discord keeps a message nonce for a minute only, as Discord's "past few
minutes" allows, and copbot comes back after longer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from adapters.discord import CopbotClient
from bot.kernel.outbox import LEASE
from tests.discord.conftest import World, running
from tests.discord.fake_discord import NONCE_WINDOW, FakeDiscord
from tests.discord.test_end_to_end import run
from tests.fakes import ManualClock


class Crash(BaseException):
    """The process dying (nothing in copbot catches it)."""


def die_after_the_first_post(client: CopbotClient) -> None:
    """The prompt reaches Discord, then the process dies before recording it."""
    post = client.chat.post

    async def posted_then_died(*args: Any, **kwargs: Any) -> Any:
        await post(*args, **kwargs)
        raise Crash

    client.chat.post = posted_then_died  # type: ignore[method-assign]


async def test_a_post_a_crash_left_unrecorded_is_found_after_the_nonce_is_forgotten(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    prompts = world.channel("prompts")
    async with running(sqlite_url, clock) as client:
        await run(fake, world, world.mod, "prompt add", text="What did you ship?")
        await run(
            fake,
            world,
            world.mod,
            "prompt schedule",
            channel=prompts,
            day="monday",
            time="10:00",
            timezone="UTC",
        )
        die_after_the_first_post(client)
        await run(fake, world, world.mod, "prompt post-now", schedule=1)
        [posted] = await fake.wait_for(lambda: fake.posted_in(prompts))
        assert client.core.outbox is not None
        await client.core.outbox.stop()  # the pass that died
    for n in range(30):  # a busy channel meanwhile
        fake.member_message(world.home, world.alice, prompts, f"chatter {n}")
    clock.advance(max(LEASE, NONCE_WINDOW) + timedelta(minutes=1))
    async with running(sqlite_url, clock) as restarted:
        assert restarted.core.outbox is not None
        await restarted.core.outbox.drain()
    mine = [m for m in fake.posted_in(prompts) if m["author"]["bot"]]
    assert [m["id"] for m in mine] == [posted["id"]]  # found by its ref, not posted again
    thread = world.home.channels[int(posted["id"])]  # and the thread it lacked was started
    assert thread["type"] == 11 and thread["parent_id"] == str(prompts)
