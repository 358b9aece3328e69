"""Posting what is due, exactly once.

Delivery is three steps, each durable: claim the occurrence (schedule, due time) in the
database, post it (with the occurrence as the platform's idempotency key), record the
message. A crash between any two is finished by the next run, and a second process that
reaches the same occurrence finds it claimed."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.common.cadence import Cadence
from bot.kernel.messages import Card, CardField, CommunityKey, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.pacer import Pacer
from bot.kernel.ports import ChannelUnavailable, Chat, Clock, Store, UnitOfWork
from bot.kernel.runners import GRACE, Services
from bot.prompts.model import Occurrence, Outcome, PromptStatus, Schedule
from bot.prompts.queue import short
from bot.prompts.starter import STARTER_PROMPTS

log = logging.getLogger(__name__)

LOW_QUEUE = 2
NEVER = datetime.min.replace(tzinfo=UTC)  # when an unused starter prompt was last used
LEASE = timedelta(minutes=2)  # a claim older than this, never recorded, is taken over
LOW_QUEUE_WARNED = "prompts.low_queue_warned_at"
PROCESS = uuid.uuid4().hex[:12]  # whose claim is whose, across processes


def prompt_runner(services: Services) -> PromptRunner:
    return PromptRunner(
        store=services.store, chat=services.chat, clock=services.clock, pacer=services.pacer
    )


class PromptRunner:
    """Posts what is due: run by the timer at each schedule's time (its `alarms`), every few
    minutes to catch what those missed, at start-up, on the console's `@advance`, and by
    `/prompt post-now`. Idempotent: running it twice posts nothing twice."""

    every = timedelta(minutes=5)  # schedules made by a command or another process join this soon

    def __init__(
        self,
        *,
        store: Store,
        chat: Chat,
        clock: Clock,
        pacer: Pacer | None = None,
        claim: str = PROCESS,
    ) -> None:
        self.store, self.chat, self.clock, self.claim = store, chat, clock, claim
        self.pacer = pacer or Pacer(chat.limits)

    async def alarms(self) -> Mapping[str, Cadence]:
        """Each running schedule's time, keyed by community and schedule."""
        wanted = {}
        for community in await self.store.communities_with_schedules():
            async with self.store.unit_of_work(community) as uow:
                for schedule in await uow.prompts.schedules():
                    if not schedule.paused:
                        wanted[f"{community.platform}:{community.id}:{schedule.id}"] = (
                            schedule.cadence
                        )
        return wanted

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        """Post every due occurrence (those older than `grace` are recorded as missed; None:
        none are, as when the console moves its clock) and finish stalled ones."""
        now, posted = self.clock.now(), 0
        for community in await self.store.communities_with_schedules():
            async with self.store.unit_of_work(community) as uow:
                stalled = await uow.prompts.stalled(now - LEASE)
                due = [
                    (s, d)
                    for s in await uow.prompts.schedules()
                    if not s.paused
                    for d in s.due_times(now)
                ]
            for occurrence in stalled:
                posted += await self._resume(community, occurrence, now)
            for schedule, when in sorted(due, key=lambda item: item[1]):
                late = grace is not None and now - when > grace
                posted += await self.deliver(community, schedule, when, now=now, missed=late)
        return posted

    async def deliver(
        self,
        community: CommunityKey,
        schedule: Schedule,
        due: datetime,
        *,
        now: datetime,
        missed: bool = False,
    ) -> int:
        """Claim, post, record one occurrence; 1 if this call posted it."""
        async with self.store.unit_of_work(community) as uow:
            fresh = await uow.prompts.schedule(schedule.id)
            if fresh is None:
                return 0
            outcome = (
                Outcome.SKIPPED
                if fresh.skip_due == due
                else Outcome.MISSED
                if missed
                else Outcome.CLAIMED
            )
            text, prompt_id, bank_index = await next_prompt(uow, now, outcome is Outcome.CLAIMED)
            occurrence = await uow.prompts.claim(
                schedule.id, due, outcome, self.claim, now, text, prompt_id, bank_index
            )
            if occurrence is not None:
                skip_due = None if outcome is Outcome.SKIPPED else fresh.skip_due
                await uow.prompts.save_schedule(
                    replace(fresh, skip_due=skip_due, last_due=max(fresh.last_due, due))
                )
                recap = await recap_before(uow, occurrence)
            await uow.commit()
        if occurrence is None or outcome is not Outcome.CLAIMED:
            return 0
        return await self._post(community, fresh, occurrence, recap)

    async def _resume(self, community: CommunityKey, occurrence: Occurrence, now: datetime) -> int:
        async with self.store.unit_of_work(community) as uow:
            schedule = await uow.prompts.schedule(occurrence.schedule_id)
            taken = schedule is not None and await uow.prompts.take_over(
                occurrence, self.claim, now
            )
            recap = await recap_before(uow, occurrence) if taken else None
            await uow.commit()
        if not taken or schedule is None:
            return 0
        log.info("finishing occurrence %s of schedule %s", occurrence.id, schedule.id)
        return await self._post(community, schedule, occurrence, recap)

    async def _post(
        self,
        community: CommunityKey,
        schedule: Schedule,
        occurrence: Occurrence,
        recap: tuple[Occurrence, Reply] | None,
    ) -> int:
        channel = schedule.channel_id
        try:
            if recap is not None:
                await self.pacer.wait(channel)
                await self.chat.post(community, channel, recap[1], key=f"recap-{recap[0].id}")
            await self.pacer.wait(channel)
            message = await self.chat.post(
                community, channel, prompt_reply(occurrence), key=f"prompt-{occurrence.id}"
            )
            await self.pacer.wait(channel)
            thread = await self.chat.start_thread(message, f"Answers: {short(occurrence.text, 60)}")
        except ChannelUnavailable:
            await self._channel_lost(community, schedule, occurrence)
            return 0
        async with self.store.unit_of_work(community) as uow:
            await uow.prompts.record(occurrence.id, Outcome.POSTED, thread, self.clock.now())
            if recap is not None:
                await uow.prompts.mark_recapped(recap[0].id)
            queued = await uow.prompts.queued_count()
            warn = queued < LOW_QUEUE and await warn_once_a_day(uow, self.clock.now())
            await uow.commit()
        if warn:
            async with self.store.unit_of_work(community) as uow:
                await tell_moderators(
                    uow,
                    self.chat,
                    Reply(
                        f"The prompt queue holds {queued} prompt{'s' * (queued != 1)}: add "
                        "some with `/prompt add`, or copbot falls back on its starter prompts."
                    ),
                )
        return 1

    async def _channel_lost(
        self, community: CommunityKey, schedule: Schedule, occurrence: Occurrence
    ) -> None:
        """Pause rather than retry: platforms ban clients that keep sending refused requests."""
        async with self.store.unit_of_work(community) as uow:
            await uow.prompts.record(occurrence.id, Outcome.FAILED, None, self.clock.now())
            if occurrence.prompt_id is not None:  # it goes out first once the channel is back
                await uow.prompts.set_status(
                    occurrence.prompt_id, PromptStatus.QUEUED, self.clock.now()
                )
                await uow.prompts.move(occurrence.prompt_id, 1)
            fresh = await uow.prompts.schedule(schedule.id) or schedule
            await uow.prompts.save_schedule(replace(fresh, paused=True))
            await uow.commit()
            await tell_moderators(
                uow,
                self.chat,
                Reply(
                    f"I couldn't post in <#{schedule.channel_id}> (the channel is gone or I "
                    f"may not post there), so schedule #{schedule.id} is paused. Fix it, then "
                    f"`/prompt resume schedule:{schedule.id}`."
                ),
            )


async def next_prompt(
    uow: UnitOfWork, now: datetime, take: bool
) -> tuple[str, int | None, int | None]:
    """The queue's first prompt (marked posted), else the least recently used starter
    prompt: none comes back before every other one was used."""
    if not take:
        return "", None, None
    await uow.prompts.hold()
    queue = await uow.prompts.listed(PromptStatus.QUEUED)
    if queue:
        await uow.prompts.set_status(queue[0].id, PromptStatus.POSTED, now)
        return queue[0].text, queue[0].id, None
    last_used = await uow.prompts.bank_last_used()
    index = min(range(len(STARTER_PROMPTS)), key=lambda n: (last_used.get(n, NEVER), n))
    return STARTER_PROMPTS[index][1], None, index


async def recap_before(uow: UnitOfWork, occurrence: Occurrence) -> tuple[Occurrence, Reply] | None:
    """The recap of the schedule's previous posting, unless it had one already."""
    previous = await uow.prompts.last_posted(occurrence.schedule_id, occurrence.due_at)
    if previous is None or previous.recapped:
        return None
    return previous, await recap_reply(uow, previous)


async def recap_reply(uow: UnitOfWork, previous: Occurrence) -> Reply:
    """The figures and a thank-you; for a prompt nobody answered, an invitation instead."""
    answers, members = await uow.prompts.answers(previous.id)
    link = previous.message
    posted = f"Posted {previous.due_at:%d %b}" + (f" in <#{link.channel_id}>" if link else "")
    fields: tuple[CardField, ...] = ()
    after = "Nobody has answered yet: there's still time to add yours in its thread."
    if answers:
        fields = (CardField("Answers", str(answers)), CardField("Members", str(members)))
        after = "Thanks to everyone who answered!"
    card = Card("Last time's prompt", previous.text, fields, footer=f"{posted}. {after}")
    return Reply(cards=(card,))


def prompt_reply(occurrence: Occurrence) -> Reply:
    """The prompt, credited to the member who suggested it, mentioning its schedule's
    group."""
    credit = f"Suggested by {occurrence.author_name}. " if occurrence.author_name else ""
    return Reply(
        cards=(
            Card(
                title="This week's prompt",
                body=occurrence.text,
                footer=f"{credit}Answer in the thread below.",
            ),
        ),
        mention=occurrence.mention,
    )


async def warn_once_a_day(uow: UnitOfWork, now: datetime) -> bool:
    """Whether to warn about the queue now: at most daily, however many schedules post."""
    last = await uow.settings.get(LOW_QUEUE_WARNED)
    if isinstance(last, str) and now - datetime.fromisoformat(last) < timedelta(days=1):
        return False
    await uow.settings.put(LOW_QUEUE_WARNED, now.isoformat())
    return True
