"""Exactly-once prompt delivery with two processes on one PostgreSQL database, and the
APScheduler timer's wiring."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.admin.leaving import PrivacyRunner
from bot.intros.runner import IntroRunner
from bot.kernel.core import Core
from bot.kernel.messages import MessageRef
from bot.kernel.outbox import Outbox
from bot.mentoring.runner import MentorRunner
from bot.prompts.runner import PromptRunner
from copbot.bootstrap import open_app, open_core
from tests.fakes import FakeChat, ManualClock, Talk

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def both_deliver(first: Core, second: Core) -> None:
    """Both processes' outboxes deliver at once, as two senders on one database do."""
    assert first.outbox is not None and second.outbox is not None
    await asyncio.gather(first.outbox.drain(), second.outbox.drain())


@pytest.mark.postgres
async def test_two_processes_post_each_occurrence_exactly_once(postgres_url: str) -> None:
    """Two cores (as two processes have: own pools, own claims) run their schedulers at the
    same moments over ten schedules and four weeks: every occurrence is posted once, and no
    prompt is picked twice."""
    chat, clock = FakeChat(), ManualClock(MONDAY - timedelta(days=1))
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as first,
        open_core(postgres_url, chat=chat, clock=clock) as second,
    ):
        talk = Talk(first)
        for n in range(4):
            await talk("mod", f"/prompt add 'Queued prompt {n}'")
        for n in range(10):
            await talk("mod", f"/prompt schedule c{n} monday 09:00 Europe/Berlin")
        runners = [
            PromptRunner(store=core.store, clock=clock, claim=name)
            for core, name in ((first, "one"), (second, "two"))
        ]
        for week in range(4):
            clock._now = MONDAY + timedelta(days=7 * week)
            posted = await asyncio.gather(*(r.run_due() for r in runners))
            assert sum(posted) == 10, posted
            await both_deliver(first, second)
    prompts = [
        s for s in chat.sent if s.reply.cards and s.reply.cards[0].title == "This week's prompt"
    ]
    assert sorted(s.to for s in prompts) == sorted([f"#c{n}" for n in range(10)] * 4)
    assert len({s.reply.cards[0].body for s in prompts}) == 40


@pytest.mark.postgres
async def test_a_reply_delivered_to_two_processes_counts_once(postgres_url: str) -> None:
    """Slack retries an event it thinks was missed, perhaps to another process behind the
    load balancer: both see the same thread reply at once, and it counts as one answer."""
    chat, clock = FakeChat(), ManualClock(MONDAY - timedelta(days=1))
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as first,
        open_core(postgres_url, chat=chat, clock=clock) as second,
    ):
        talk = Talk(first)
        await talk("mod", "/prompt add 'What did you ship?'")
        await talk("mod", "/prompt schedule weekly monday 09:00 UTC")
        clock._now = MONDAY
        assert await PromptRunner(store=first.store, clock=clock).run_due() == 1
        await talk.settle()
        [(message_id, _)] = chat.threads.items()
        reply = MessageRef("test", "weekly", "reply-1", f"t{message_id}")
        alice = talk.actor("alice")
        await asyncio.gather(first.member_posted(alice, reply), second.member_posted(alice, reply))
        stats = await talk("mod", "/prompt stats")
    assert "1 posted, 1 answers, 1 members" in stats.text, stats.text


async def test_the_timer_wakes_at_each_schedules_next_due_time(sqlite_url: str) -> None:
    """The composition root's timer runs the outbox's sender and each capability's runner:
    every `every` (the outbox every 5 seconds, prompts every 5 minutes, mentoring and
    intros every minute) and at each prompt schedule's time, in its timezone; a schedule resumed
    elsewhere joins at the next sync."""
    chat, clock = FakeChat(), ManualClock(MONDAY - timedelta(days=1))
    async with open_app(sqlite_url, chat=chat, clock=clock) as app:
        talk = Talk(app.core)
        await talk("mod", "/prompt add hello")
        await talk("mod", "/prompt schedule weekly monday 09:00 Europe/Berlin")
        await talk("mod", "/prompt schedule paused friday 17:30 UTC")
        await talk("mod", "/prompt pause 2")
        timer = app.timer
        assert [type(r) for r in timer.runners] == [
            Outbox,
            PromptRunner,
            MentorRunner,
            IntroRunner,
            PrivacyRunner,
        ]
        await timer.start()
        jobs = {job.id: job for job in timer.scheduler.get_jobs()}
        assert set(jobs) == {
            "alarm:1:test:home:1",
            "every:0",
            "every:1",
            "every:2",
            "every:3",
            "every:4",
            "sync",
        }
        assert jobs["every:0"].trigger.interval.total_seconds() == 5
        assert jobs["every:1"].trigger.interval.total_seconds() == 300
        assert jobs["every:2"].trigger.interval.total_seconds() == 60
        assert jobs["every:3"].trigger.interval.total_seconds() == 60
        assert jobs["every:4"].trigger.interval.total_seconds() == 3600
        trigger = jobs["alarm:1:test:home:1"].trigger
        assert str(trigger.timezone) == "Europe/Berlin"
        assert trigger.fields[4].expressions[0].first == 0  # day_of_week: Monday
        clock._now = MONDAY
        alarm = jobs["alarm:1:test:home:1"]
        await alarm.func(*alarm.args)
        await app.outbox.drain()
        assert [s.reply.cards[0].body for s in chat.sent if s.reply.cards] == ["hello"]
        await talk("mod", "/prompt resume 2")
        await timer.sync()
        assert {job.id for job in timer.scheduler.get_jobs()} == {
            "alarm:1:test:home:1",
            "alarm:1:test:home:2",
            "every:0",
            "every:1",
            "every:2",
            "every:3",
            "every:4",
            "sync",
        }
    assert not timer.scheduler.running  # stopped with the app


@pytest.mark.postgres
async def test_two_processes_never_pick_the_same_prompt(postgres_url: str) -> None:
    """Ten schedules due at once, delivered concurrently by two processes: each takes its own
    prompt from the shared queue (the queue is held while one picks)."""
    chat, clock = FakeChat(), ManualClock(MONDAY - timedelta(days=1))
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as first,
        open_core(postgres_url, chat=chat, clock=clock) as second,
    ):
        talk = Talk(first)
        for n in range(10):
            await talk("mod", f"/prompt add 'Queued prompt {n}'")
            await talk("mod", f"/prompt schedule c{n} monday 09:00 UTC")
        async with first.store.unit_of_work(talk.community) as uow:
            schedules = await uow.prompts.schedules()
        runners = [
            PromptRunner(store=core.store, clock=clock, claim=name)
            for core, name in ((first, "one"), (second, "two"))
        ]
        clock._now = MONDAY
        posted = await asyncio.gather(
            *(
                runners[n % 2].deliver(talk.community, [(schedule, MONDAY, False)], now=MONDAY)
                for n, schedule in enumerate(schedules)
            )
        )
        await both_deliver(first, second)
    assert sum(posted) == 10
    bodies = [
        s.reply.cards[0].body
        for s in chat.sent
        if s.reply.cards and s.reply.cards[0].title == "This week's prompt"
    ]
    assert sorted(bodies) == sorted(f"Queued prompt {n}" for n in range(10))
