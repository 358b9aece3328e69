"""A newcomer's path on Discord, end to end without any privileged intent: the welcome is
an ephemeral follow-up to the member's first slash command (never a DM), once; `/start`
shows the steps with what is done. Every request is checked against Discord's spec."""

from __future__ import annotations

from typing import Any

from adapters.discord import CopbotClient
from tests.discord.conftest import World
from tests.discord.fake_discord import FakeDiscord
from tests.discord.test_end_to_end import EPHEMERAL, final, run, text


def answered_by_followup(answer: dict[str, Any]) -> int:
    """1 when the answer itself came as a follow-up (deferred, then public), else 0."""
    return int(answer["deferred"] and not answer.get("flags", 0) & EPHEMERAL)


async def followups(fake: FakeDiscord, sent: int, count: int) -> list[dict[str, Any]]:
    """The interaction's follow-ups, once it has `count` of them (the answer, when it was
    deferred and public, is one)."""

    def found() -> list[dict[str, Any]] | None:
        made = [r["data"] for r in fake.responses[sent] if r["kind"] == "followup"]
        return made if len(made) >= count else None

    made: list[dict[str, Any]] = await fake.wait_for(found)
    return made


async def test_the_first_command_is_followed_by_an_ephemeral_welcome_once(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "library list")
    answer = await final(fake, sent)
    welcome = (await followups(fake, sent, answered_by_followup(answer) + 1))[-1]
    assert welcome["flags"] & EPHEMERAL
    said = text(welcome)
    assert said.startswith("Welcome! I'm copbot"), said
    assert "⬜ Fill in your profile" in said
    assert fake.dm_channels == {}  # Discord quarantines bots that open DMs fast

    again = await fake.slash(world.home, world.alice, world.channel("general"), "library list")
    answer = await final(fake, again)
    shown = await run(fake, world, world.alice, "start")  # answered after the second list
    assert "Your first steps here (3 of 3 to go)" in text(shown)
    made = [r for r in fake.responses[again] if r["kind"] == "followup"]
    assert len(made) == answered_by_followup(answer)


async def test_start_shows_what_is_done(fake: FakeDiscord, world: World, bot: CopbotClient) -> None:
    await run(fake, world, world.bob, "profile set", skills="python")
    shown = text(await run(fake, world, world.bob, "start"))
    assert "✅ Fill in your profile" in shown and "⬜ Find a mentor or join intros" in shown
