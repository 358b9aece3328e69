"""Discord's global limit belongs to the bot token: two copbot processes on one PostgreSQL
database, each sending as fast as it is let, stay under 50 requests a second together (the
loopback Discord counts each token's requests over every second and fails the test above
that). Behind a REST proxy the proxy keeps the limit instead."""

from __future__ import annotations

import asyncio

import discord
import pytest
from sqlalchemy import func, select

from adapters.discord import CopbotClient
from bot.kernel.messages import CommunityKey, Reply
from storage.shared import turns
from storage.store import SqlStore
from tests.discord.conftest import World, running
from tests.discord.fake_discord import GLOBAL_LIMIT, TOKEN, FakeDiscord
from tests.fakes import ManualClock

POSTS = 70  # each process's: 140 together, three seconds' worth at the shared rate


async def post_many(client: CopbotClient, world: World, prefix: str) -> None:
    home = CommunityKey("discord", str(world.home.id))
    channel = str(world.channel("general"))
    await asyncio.gather(
        *(client.chat.post(home, channel, Reply(f"{prefix} {n}")) for n in range(POSTS))
    )


@pytest.mark.postgres
async def test_two_processes_on_one_database_keep_to_the_tokens_limit_together(
    fake: FakeDiscord, world: World, postgres_url: str, clock: ManualClock
) -> None:
    async with running(postgres_url, clock) as one, running(postgres_url, clock) as two:
        assert one.rate is not None and one.rate.shared is not None  # shared, not in memory
        await asyncio.gather(post_many(one, world, "one"), post_many(two, world, "two"))
    assert len(fake.posted_in(world.channel("general"))) == 2 * POSTS
    assert fake.peak_rate[TOKEN] <= GLOBAL_LIMIT  # (and the fixture finds no violation)
    assert fake.peak_rate[TOKEN] >= 25  # near the limit: paced by it, not by something slower


async def test_one_process_on_sqlite_keeps_to_the_limit_by_itself(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    async with running(sqlite_url, clock) as client:
        assert client.rate is not None and client.rate.shared is None
        await post_many(client, world, "alone")
    assert fake.peak_rate[TOKEN] <= GLOBAL_LIMIT


async def test_a_members_first_command_spends_none_of_the_tokens_turns(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    """Their name comes with the interaction and Discord knows no timezone: asking for the
    member (as first contact once did) would wait for a turn behind any posting backlog."""
    before = len(fake.requests)
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "profile show")
    await fake.wait_for(lambda: sent in fake.finished_at)
    made = [r.path for r in fake.requests[before:]]
    assert made and all(path.startswith(("/interactions/", "/webhooks/")) for path in made), made
    store = bot.core.store
    async with store.unit_of_work(CommunityKey("discord", str(world.home.id))) as uow:
        member = await uow.members.by_user(str(world.alice.id))
    assert member is not None and member.display_name == world.alice.name


@pytest.mark.postgres
async def test_behind_a_rest_proxy_requests_go_to_it_and_take_no_shared_turn(
    fake: FakeDiscord,
    world: World,
    postgres_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The loopback Discord stands in for the proxy (which would forward to Discord);
    discord.py's own base URL points nowhere, so only the proxy's can have worked."""
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    proxy = fake.base.removesuffix("/api/v10")
    async with running(postgres_url, clock, rest_proxy=proxy) as client:
        assert client.rate is None
        home = CommunityKey("discord", str(world.home.id))
        await client.chat.post(home, str(world.channel("general")), Reply("via the proxy"))
        store = client.core.store
        assert isinstance(store, SqlStore)
        async with store.database.reading() as db:
            assert await db.scalar(select(func.count()).select_from(turns)) == 0
    assert [m["content"] for m in fake.posted_in(world.channel("general"))] == ["via the proxy"]
