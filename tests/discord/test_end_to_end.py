"""copbot's real discord.py client against the loopback Discord: commands, buttons, forms,
autocomplete, the context menu, threads, pins, reconnects and rate limits."""

from __future__ import annotations

from adapters.discord import CopbotClient
from tests.discord.conftest import World
from tests.discord.fake_discord import FakeDiscord

EPHEMERAL = 64


async def test_a_slash_command_is_answered(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "help")
    [response] = await fake.answer(sent)
    assert response["type"] == 4
    assert response["data"]["flags"] & EPHEMERAL
    assert "/resource add" in (response["data"]["content"] or str(response["data"]["embeds"]))
