"""A loopback Discord and copbot's real discord.py client connected to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import discord
import pytest
import yarl

from adapters.discord import CopbotClient, DiscordOptions
from bot.kernel.catalog import Catalog
from copbot.bootstrap import open_core
from tests.discord.fake_discord import TOKEN, FakeDiscord, FakeGuild, FakeUser
from tests.fakes import ManualClock


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> AsyncIterator[FakeDiscord]:
    """The fake, with discord.py's base URLs pointed at it; any request that breaks Discord's
    OpenAPI spec fails the test. Discord and copbot agree on the time."""
    server = FakeDiscord(now=clock.now)
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
    )
    yield server
    await server.stop()
    assert server.violations == []


@asynccontextmanager
async def running(
    database_url: str, clock: ManualClock, *, catalog: Catalog | None = None, **options: Any
) -> AsyncIterator[CopbotClient]:
    """A copbot process connected to the fake until the block ends (another one after that
    is a restart)."""
    client = CopbotClient(
        DiscordOptions(moderator_role="Mentors team", **options), guild_ready_timeout=0.05
    )
    async with open_core(database_url, chat=client.chat, clock=clock, catalog=catalog) as core:
        task = asyncio.create_task(client.serve(core, TOKEN))
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()  # raises what stopped it
        try:
            yield client
        finally:
            await client.close()
            await task


@dataclass
class World:
    home: FakeGuild
    other: FakeGuild
    alice: FakeUser
    bob: FakeUser
    mod: FakeUser
    carol: FakeUser  # moderates through the configured role, not Manage Server
    stranger: FakeUser  # a member of the other guild only

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
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> AsyncIterator[CopbotClient]:
    """copbot connected to the fake, which knows the world's guilds by then."""
    async with running(sqlite_url, clock) as client:
        yield client
