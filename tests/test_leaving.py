"""A community that removes copbot: erased after the grace period, once, unless copbot comes
back; `/privacy status` says where that stands."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.admin.leaving import ERASE_AFTER, PrivacyRunner
from bot.kernel.core import Core
from bot.kernel.messages import CommunityKey
from bot.kernel.presence import PRESENT
from bot.kernel.runners import Services
from copbot.bootstrap import open_core
from copbot.cli import main
from tests.fakes import FakeChat, ManualClock, Talk

ELSEWHERE = CommunityKey("test", "elsewhere")


def runner(core: Core, chat: FakeChat, clock: ManualClock) -> PrivacyRunner:
    return PrivacyRunner(Services(core.store, clock, lambda: None))


async def a_community(talk: Talk) -> None:
    await talk("alice", '/profile set skills:python bio:"hello"')
    await talk("alice", '/library add url:"https://example.org" title:"Guide" note:"why"')


async def test_a_community_that_removed_copbot_is_erased_after_the_grace_period(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await a_community(talk)
    other = Talk(core, community=ELSEWHERE)
    await a_community(other)
    await core.presence.left(talk.community)
    pending = (await talk("mod", "/privacy status")).text
    assert "removed from here on 2026-01-05 09:00 UTC" in pending
    assert "will be erased on 2026-01-12 09:00 UTC unless it is added back" in pending

    clock.advance(ERASE_AFTER - timedelta(minutes=1))
    assert await runner(core, chat, clock).run_due() == 0
    clock.advance(timedelta(minutes=1))
    assert await runner(core, chat, clock).run_due() == 1
    assert await runner(core, chat, clock).run_due() == 0  # once

    assert "hasn't set up a profile" in (await talk("bob", "/profile show member:alice")).text
    assert "Nothing in the library" in (await talk("bob", "/library search guide")).text
    assert (
        "everything it kept here was erased on 2026-01-12 09:00 UTC"
        in (await talk("mod", "/privacy status")).text
    )
    assert (await other("bob", "/profile show member:alice")).cards[0].title == "Alice"
    assert (await other("bob", "/library search guide")).cards[0].title == "#2 Guide"


async def test_coming_back_cancels_the_erase(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await a_community(talk)
    await core.presence.back(talk.community)  # seen, nothing pending
    await core.presence.left(talk.community)
    clock.advance(timedelta(days=2))
    await core.presence.back(talk.community)  # leaving forgot it was here: checked at once
    clock.advance(ERASE_AFTER)
    assert await runner(core, chat, clock).run_due() == 0
    assert (await talk("bob", "/profile show member:alice")).cards[0].title == "Alice"
    status = (await talk("mod", "/privacy status")).text
    assert "added back on 2026-01-07 09:00 UTC, which cancelled the erase" in status
    assert "7 days later" in status


async def test_events_that_arrive_while_presence_is_checked_do_not_check_again(
    core: Core, talk: Talk, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load the check waits for the database; the events arriving meanwhile go on
    without queueing for it too, and a check that failed is made again by the next event."""
    asked = 0
    release = asyncio.Event()
    checked = core.store.community_back

    async def slow(community: CommunityKey, now: datetime) -> bool:
        nonlocal asked
        asked += 1
        await release.wait()
        return await checked(community, now)

    monkeypatch.setattr(core.store, "community_back", slow)
    first = asyncio.create_task(core.presence.back(talk.community))
    await asyncio.sleep(0)  # the first check is waiting for the database now
    await asyncio.wait_for(
        asyncio.gather(*(core.presence.back(talk.community) for _ in range(20))), timeout=1
    )
    assert asked == 1
    release.set()
    await first

    async def failing(community: CommunityKey, now: datetime) -> bool:
        nonlocal asked
        asked += 1
        raise OSError("the database went away")

    clock.advance(PRESENT)
    monkeypatch.setattr(core.store, "community_back", failing)
    await core.presence.back(talk.community)
    await core.presence.back(talk.community)
    assert asked == 3  # each failed check is asked again


@pytest.mark.postgres  # several processes share a database only on PostgreSQL
async def test_a_process_trusts_a_community_is_there_for_a_minute(
    postgres_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    """Another process records the departure; this one, having seen the community a moment
    ago, notices that it is back within `PRESENT`."""
    async with open_core(postgres_url, chat=chat, clock=clock) as core:
        talk = Talk(core)
        await a_community(talk)
        await core.presence.back(talk.community)
        async with open_core(postgres_url, chat=chat, clock=clock) as elsewhere:
            await elsewhere.presence.left(talk.community)
        await core.presence.back(talk.community)
        assert (await core.store.departure(talk.community)).pending
        clock.advance(PRESENT)
        await core.presence.back(talk.community)
        assert not (await core.store.departure(talk.community)).pending


@pytest.mark.postgres
async def test_two_processes_erase_a_community_once(
    postgres_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as core,
        open_core(postgres_url, chat=chat, clock=clock) as elsewhere,
    ):
        talk = Talk(core)
        await a_community(talk)
        await core.presence.left(talk.community)
        clock.advance(ERASE_AFTER)
        done = await asyncio.gather(
            runner(core, chat, clock).run_due(), runner(elsewhere, chat, clock).run_due()
        )
    assert sorted(done) == [0, 1]


async def test_status_without_a_departure_states_the_policy(talk: Talk) -> None:
    said = await talk("alice", "/privacy status")
    assert said.ephemeral and said.text.startswith("If copbot is removed from this community")


async def test_copbot_erase_community_erases_on_demand_after_confirming(
    sqlite_url: str, chat: FakeChat, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    guild = CommunityKey("discord", "4242")
    async with open_core(sqlite_url, chat=chat, clock=clock) as core:
        await a_community(Talk(core, community=guild))
    database = ["--database", sqlite_url]
    answers = iter(["no", "4242"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert await asyncio.to_thread(main, [*database, "erase-community", "discord", "4242"]) == 1
    async with open_core(sqlite_url, chat=chat, clock=clock) as core:
        assert (await Talk(core, community=guild)("bob", "/library list")).cards  # kept
    assert await asyncio.to_thread(main, [*database, "erase-community", "discord", "4242"]) == 0
    async with open_core(sqlite_url, chat=chat, clock=clock) as core:
        listed = await Talk(core, community=guild)("bob", "/library list")
        assert "The library has nothing yet" in listed.text
    unknown = [*database, "erase-community", "slack", "T0NOBODY", "--yes"]
    assert await asyncio.to_thread(main, unknown) == 1
