"""Erasing a whole community on both engines: every row of it in every table, nothing of
another community, once whichever of two processes claims it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.kernel.messages import CommunityKey
from copbot.bootstrap import open_core
from storage.schema import communities, metadata
from storage.store import SqlStore, open_store
from tests.fakes import FakeChat, ManualClock, Talk
from tests.privacy_world import build, talk_of

ELSEWHERE = CommunityKey("test", "elsewhere")


async def test_erasing_a_community_deletes_all_of_it_and_nothing_else(
    database_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    async with open_core(database_url, chat=chat, clock=clock) as core:
        home = talk_of(core)
        await build(home, chat, clock)
        other = Talk(core, community=ELSEWHERE)
        await other("bob", '/library add url:"https://example.org/guide" title:"zqlovedtitle"')
        await core.presence.left(home.community)
        assert await core.store.communities_left_before(clock.now()) == [home.community]
        assert not await core.store.erase_community(ELSEWHERE, clock.now(), left_before=clock.now())
        assert await core.store.erase_community(home.community, clock.now())
        store = core.store
        assert isinstance(store, SqlStore)
        assert await rows_of(store, home.community) == {}
        assert set(await rows_of(store, ELSEWHERE)) >= {"members", "resources"}
        assert "Nothing in the library" in (await home("bob", "/library search zqlovedtitle")).text
        found = await other("bob", "/library search zqlovedtitle")
        assert [c.title.split(" ", 1)[1] for c in found.cards] == ["zqlovedtitle"]
        departure = await store.departure(home.community)
        assert departure.erased_at == clock.now() and not departure.pending
        assert await store.communities_left_before(clock.now()) == []


async def test_communities_here_are_those_copbot_was_not_told_it_left(
    database_url: str, clock: ManualClock
) -> None:
    store = await open_store(database_url, clock=clock)
    try:
        names = ("kept", "left", "back", "erased")
        for name in names:
            async with store.unit_of_work(CommunityKey("test", name)) as uow:
                await uow.members.add("alice", "Alice", None, clock.now())
                await uow.commit()
        async with store.unit_of_work(CommunityKey("other", "kept")) as uow:
            await uow.members.add("alice", "Alice", None, clock.now())
            await uow.commit()
        for name in ("left", "back", "erased"):
            await store.community_left(CommunityKey("test", name), clock.now())
        await store.community_back(CommunityKey("test", "back"), clock.now())
        await store.erase_community(CommunityKey("test", "erased"), clock.now())
        assert await store.communities_here("test") == ["kept", "back"]
    finally:
        await store.close()


@pytest.mark.postgres  # several processes share a database only on PostgreSQL
async def test_of_two_processes_one_erases(postgres_url: str, clock: ManualClock) -> None:
    first = await open_store(postgres_url, clock=clock)
    second = await open_store(postgres_url, clock=clock)
    try:
        async with first.unit_of_work(ELSEWHERE) as uow:
            await uow.members.add("alice", "Alice", None, clock.now())
            await uow.commit()
        await first.community_left(ELSEWHERE, clock.now())
        done = await asyncio.gather(
            first.erase_community(ELSEWHERE, clock.now(), left_before=clock.now()),
            second.erase_community(ELSEWHERE, clock.now(), left_before=clock.now()),
        )
    finally:
        await first.close()
        await second.close()
    assert sorted(done) == [False, True]


async def rows_of(store: SqlStore, community: CommunityKey) -> dict[str, int]:
    """How many rows each table holds of `community` (tables with none left out)."""
    counts = {}
    async with store.database.transaction() as db:
        community_id = await db.scalar(
            select(communities.c.id).where(communities.c.external_id == community.id)
        )
        for name, table in metadata.tables.items():
            if table is communities:
                continue
            count = await db.scalar(
                select(func.count()).where(table.c.community_id == community_id)
            )
            if count:
                counts[name] = count
    return counts
