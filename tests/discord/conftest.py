"""A loopback Discord and copbot's real discord.py client connected to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import yarl

from adapters.discord import CopbotClient, DiscordOptions
from bot.core import Core
from copbot.bootstrap import open_core
from tests.discord.fake_discord import TOKEN, FakeDiscord, FakeGuild, FakeUser
from tests.fakes import ManualClock


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The fake, with discord.py's base URLs pointed at it; any request that breaks Discord's
    OpenAPI spec fails the test."""
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
    )
    yield server
    await server.stop()
    assert server.violations == []


@pytest.fixture
async def discord_core(
    sqlite_url: str, clock: ManualClock
) -> AsyncIterator[tuple[CopbotClient, Core]]:
    client = CopbotClient(DiscordOptions(moderator_role="Mentors team"))
    async with open_core(sqlite_url, chat=client.chat, clock=clock) as core:
        yield client, core


async def connect(client: CopbotClient, core: Core) -> asyncio.Task[None]:
    task = asyncio.create_task(client.serve(core, TOKEN))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises what stopped it
    assert ready in done, "copbot did not become ready"
    return task


@dataclass
class World:
    home: FakeGuild
    other: FakeGuild
    alice: FakeUser
    bob: FakeUser
    mod: FakeUser
    carol: FakeUser  # moderates through the configured role, not Manage Server
    stranger: FakeUser  # a member of the other guild

    def channel(self, name: str, guild: FakeGuild | None = None) -> int:
        return next(i for i, c in (guild or self.home).channels.items() if c["name"] == name)


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    home = fake.add_guild(
        "Home", "general", "prompts", "mentoring", "mods", moderator_role="Mentors team"
    )
    other = fake.add_guild("Other", "general")
    return World(
        home,
        other,
        fake.add_user(home, "Alice"),
        fake.add_user(home, "Bob"),
        fake.add_user(home, "Mod", moderator=True),
        fake.add_user(home, "Carol", role="Mentors team"),
        fake.add_user(other, "Stranger"),
    )


@pytest.fixture
async def bot(
    fake: FakeDiscord, world: World, discord_core: tuple[CopbotClient, Core]
) -> AsyncIterator[CopbotClient]:
    """copbot connected to the fake (after the test has set up its guilds)."""
    client, core = discord_core
    task = await connect(client, core)
    yield client
    await client.close()
    await task
