"""Mentoring answers racing across two processes on one PostgreSQL database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.kernel.messages import Action
from bot.mentoring.runner import MentorRunner
from copbot.bootstrap import open_core
from tests.fakes import FakeChat, ManualClock, Talk
from tests.test_mentoring import ask_to, community, waiting_for_wednesday

pytestmark = pytest.mark.postgres


async def test_two_processes_accepting_one_request_make_one_match(postgres_url: str) -> None:
    chat, clock = FakeChat(), ManualClock()
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as first,
        open_core(postgres_url, chat=chat, clock=clock) as second,
    ):
        talk = Talk(first)
        actions = []
        for n in range(5):  # five mentors asked once each; every ask accepted twice at once
            await talk(f"x{n}", f"/mentor offer topics:topic{n} capacity:1")
            await talk(f"m{n}", f"/mentor request topic:topic{n}")
            [ask] = ask_to(chat, f"x{n}")
            action = Action(talk.actor(f"x{n}"), "general", "mentor.accept", ask.buttons[0].value)
            actions.append(action)
        replies = await asyncio.gather(*(core.act(a) for a in actions for core in (first, second)))
        stats = (await talk("mod", "/mentor stats")).text
    wins = [r for r in replies if not r.error]
    assert len(wins) == 5  # one accept of each request won
    assert all(r.text.startswith("You already accepted: match #") for r in replies if r.error)
    assert stats.startswith("5 matches made")


async def test_a_mentor_accepting_in_two_processes_stays_within_capacity(
    postgres_url: str,
) -> None:
    chat, clock = FakeChat(), ManualClock()
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as first,
        open_core(postgres_url, chat=chat, clock=clock) as second,
    ):
        talk = Talk(first)
        await community(talk)  # bob's capacity is 1
        for who in ("alice", "erin", "gina"):
            await talk(who, "/mentor request topic:python")
        async with first.store.unit_of_work(talk.community) as uow:  # past what copbot asks
            bob = await uow.members.by_user("bob")
            assert bob is not None
            later = clock.now() + timedelta(days=1)
            await uow.mentoring.ask([(n, bob.id) for n in (1, 2, 3)], clock.now(), later)
            await uow.commit()
        actions = [Action(talk.actor("bob"), "general", "mentor.accept", str(n)) for n in (1, 2, 3)]
        replies = await asyncio.gather(
            *(core.act(a) for a, core in zip(actions, (first, second, first), strict=True))
        )
        matches = (await talk("bob", "/mentor matches")).text
    assert sorted(r.error for r in replies) == [False, True, True]
    assert all(
        "at your capacity" in r.text or "places filled up" in r.text for r in replies if r.error
    )
    assert matches.count("mentoring") == 1


async def test_two_processes_publish_a_scheduled_round_once(postgres_url: str) -> None:
    chat, clock = FakeChat(), ManualClock()
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as first,
        open_core(postgres_url, chat=chat, clock=clock) as second,
    ):
        talk = Talk(first)
        await waiting_for_wednesday(talk)
        await talk("mod", "/mentor round schedule day:wednesday time:10:00 timezone:UTC")
        clock._now = datetime(2026, 1, 7, 10, 0, 30, tzinfo=UTC)
        runners = [MentorRunner(c.store, clock) for c in (first, second)]
        await asyncio.gather(*(r.run_due() for r in runners))
        assert first.outbox is not None and second.outbox is not None
        await asyncio.gather(first.outbox.drain(), second.outbox.drain())
    notices = [r for r in chat.posted_to("mods") if "weekly matching round" in r.text]
    assert len(notices) == 1 and "asked 2 mentor(s)" in notices[0].text
    asked = [a for who in ("bob", "dave", "carol") for a in ask_to(chat, who)]
    assert len(asked) == 2
