"""Intros end to end on Discord: set up, joined and run through real slash commands; each
group's intro opens a private thread in the programme's channel with its members, never
a DM, and every request is checked against Discord's spec (the `fake` fixture)."""

from __future__ import annotations

from adapters.discord import CopbotClient
from tests.discord.conftest import World
from tests.discord.fake_discord import BOT_ID, FakeDiscord
from tests.discord.test_end_to_end import run, text


async def test_an_intro_opens_a_private_thread_with_the_pair_and_says_why(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    channel = world.channel("mentoring")
    setup = await run(
        fake,
        world,
        world.mod,
        "intro setup",
        channel=channel,
        cadence="weekly",
        day="monday",
        time="10:00",
        timezone="UTC",
        open=True,
    )
    assert text(setup).startswith("Set up: `intros`"), text(setup)
    await run(fake, world, world.alice, "profile set", skills="python", interests="go")
    await run(fake, world, world.bob, "profile set", skills="go", interests="python")
    for who in (world.alice, world.bob):
        joined = await run(fake, world, who, "intro join")
        assert "You're in" in text(joined), text(joined)
    ran = await run(fake, world, world.mod, "intro run-now")
    assert "1 intro(s) for 2 member(s)" in text(ran), text(ran)

    def intro_threads() -> list[int]:
        return [
            t
            for t, members in fake.thread_members.items()
            if members == {BOT_ID, world.alice.id, world.bob.id}
        ]

    [thread_id] = await fake.wait_for(intro_threads)
    thread = world.home.channels[thread_id]
    assert thread["type"] == 12 and thread["parent_id"] == str(channel)  # private, in place
    [intro] = await fake.wait_for(lambda: fake.posted_in(thread_id))
    said = text(intro)
    assert "Meet each other: Alice and Bob" in said or "Meet each other: Bob and Alice" in said
    assert "a skill swap" in said and "To break the ice:" in said
    assert fake.dm_channels == {}
    status = await run(fake, world, world.alice, "intro status")
    assert "Introduced to: Bob" in text(status)
