"""Posting what is due, exactly once.

An occurrence (schedule, due time) is claimed in the database, and its posting (the recap
of the last one, the prompt, a thread for answers) recorded in the outbox in the same unit
of work: a second process reaching the same occurrence finds it claimed, and the outbox
delivers the posting exactly once, after which `posted` records where it went."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.common.cadence import Cadence
from bot.common.starter import STARTER_PROMPTS
from bot.kernel.catalog import Catalog
from bot.kernel.messages import Card, CardField, CommunityKey, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.ports import Clock, Store, UnitOfWork
from bot.kernel.runners import GRACE, Services, in_each
from bot.kernel.sends import Delivered, Post, Send, StartThread
from bot.prompts.model import Occurrence, Outcome, Prompt, PromptStatus, Schedule
from bot.prompts.queue import short

log = logging.getLogger(__name__)

POSTING = "prompt.posting"
LOW_QUEUE = 2
NEVER = datetime.min.replace(tzinfo=UTC)  # when an unused starter prompt was last used
LOW_QUEUE_WARNED = "prompts.low_queue_warned_at"
PROCESS = uuid.uuid4().hex[:12]  # whose claim is whose, across processes


def register(catalog: Catalog) -> None:
    catalog.runner(prompt_runner)
    catalog.delivery(POSTING, delivered=posted, refused=channel_lost)


def prompt_runner(services: Services) -> PromptRunner:
    return PromptRunner(store=services.store, clock=services.clock, wake=services.wake)


class PromptRunner:
    """Claims what is due: run by the timer at each schedule's time (its `alarms`), every
    few minutes to catch what those missed, at start-up and on the console's `@advance`.
    Idempotent: running it twice posts nothing twice. One community's trouble never holds
    up another's."""

    every = timedelta(minutes=5)  # schedules made by a command or another process join this soon

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
        claim: str = PROCESS,
    ) -> None:
        """`wake`: the outbox's sender, hurried once a posting is recorded."""
        self.store, self.clock, self.wake, self.claim = store, clock, wake, claim

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
        """Claim every due occurrence (those older than `grace` are recorded as missed;
        None: none are, as when the console moves its clock); returns how many will be
        posted."""
        now = self.clock.now()
        return await in_each(
            await self.store.communities_with_schedules(),
            lambda community: self._community(community, now, grace),
            "prompts",
        )

    async def _community(
        self, community: CommunityKey, now: datetime, grace: timedelta | None
    ) -> int:
        async with self.store.unit_of_work(community) as uow:
            due = sorted(
                (
                    (s, d)
                    for s in await uow.prompts.schedules()
                    if not s.paused
                    for d in s.due_times(now)
                ),
                key=lambda item: item[1],
            )
        if not due:
            return 0
        return await self.deliver(
            community, [(s, d, grace is not None and now - d > grace) for s, d in due], now=now
        )

    async def deliver(
        self,
        community: CommunityKey,
        due: Sequence[tuple[Schedule, datetime, bool]],
        *,
        now: datetime,
    ) -> int:
        """Claim the community's due occurrences (schedule, due time, missed) and record
        their postings, all in one unit of work (one transaction, not one per schedule);
        how many will be posted."""
        queued = 0
        async with self.store.unit_of_work(community) as uow:
            for schedule, when, missed in due:
                queued += await claim_posting(
                    uow, schedule.id, when, now, missed=missed, claim=self.claim
                )
            await uow.commit()
        if queued:
            self.wake()
        return queued


async def claim_posting(
    uow: UnitOfWork,
    schedule_id: int,
    due: datetime,
    now: datetime,
    *,
    missed: bool = False,
    claim: str = PROCESS,
) -> int:
    """Claim the occurrence (schedule, due) and record its posting, or its skip or miss;
    1 if it will be posted. The claim is the one guard against posting twice, across
    processes too: a second claim of the same occurrence finds it taken."""
    fresh = await uow.prompts.schedule(schedule_id)
    if fresh is None:
        return 0
    outcome = (
        Outcome.SKIPPED if fresh.skip_due == due else Outcome.MISSED if missed else Outcome.CLAIMED
    )
    text, prompt, bank_index = await next_prompt(uow, now, outcome is Outcome.CLAIMED)
    occurrence = await uow.prompts.claim(
        Occurrence(
            id=0,
            schedule_id=fresh.id,
            due_at=due,
            outcome=outcome,
            text=text,
            prompt_id=prompt.id if prompt else None,
            bank_index=bank_index,
            claim=claim,
            claimed_at=now,
            message=None,
            recapped=False,
            author_name=prompt.author_name if prompt else None,
            mention=fresh.mention,
        )
    )
    if occurrence is None:
        return 0
    skip_due = None if outcome is Outcome.SKIPPED else fresh.skip_due
    await uow.prompts.save_schedule(
        replace(fresh, skip_due=skip_due, last_due=max(fresh.last_due, due))
    )
    if outcome is not Outcome.CLAIMED:
        return 0
    await uow.outbox.add(await _posting(uow, fresh, occurrence), now)
    return 1


async def _posting(uow: UnitOfWork, schedule: Schedule, occurrence: Occurrence) -> Send:
    """The recap of the schedule's last posting (unless it had one), the prompt, and a
    thread under it for the answers."""
    channel = schedule.channel_id
    recap = await recap_before(uow, occurrence)
    steps: list[Post | StartThread] = []
    if recap is not None:
        steps.append(Post(recap[1], channel_id=channel))
    steps.append(Post(prompt_reply(occurrence), channel_id=channel))
    steps.append(StartThread(len(steps) - 1, f"Answers: {short(occurrence.text, 60)}"))
    args = {
        "occurrence": occurrence.id,
        "recap": recap[0].id if recap else None,
        "prompt": occurrence.prompt_id,
        "schedule": schedule.id,
        "channel": channel,
    }
    return Send(POSTING, f"prompt-{occurrence.id}", tuple(steps), args)


async def posted(uow: UnitOfWork, send: Send, delivered: Delivered, now: datetime) -> None:
    """Where the posting went (its thread counts the answers), and the moderators warned
    when the queue runs low."""
    await uow.prompts.record(send.args["occurrence"], Outcome.POSTED, delivered.refs[-1], now)
    if send.args["recap"] is not None:
        await uow.prompts.mark_recapped(send.args["recap"])
    queued = await uow.prompts.queued_count()
    if queued < LOW_QUEUE and await warn_once_a_day(uow, now):
        warning = Reply(
            f"The prompt queue holds {queued} prompt{'s' * (queued != 1)}: add "
            "some with `/prompt add`, or copbot falls back on its starter prompts."
        )
        await tell_moderators(uow, f"low-queue-{now:%Y-%m-%d}", warning, now)


async def channel_lost(uow: UnitOfWork, send: Send, reason: str, now: datetime) -> None:
    """The channel refused the posting: pause rather than retry (platforms ban clients
    that keep sending refused requests); its prompt goes out first once it is back."""
    args = send.args
    await uow.prompts.record(args["occurrence"], Outcome.FAILED, None, now)
    if args["prompt"] is not None:
        await uow.prompts.set_status(args["prompt"], PromptStatus.QUEUED, now)
        await uow.prompts.move(args["prompt"], 1)
    schedule = await uow.prompts.schedule(args["schedule"])
    if schedule is not None:
        await uow.prompts.save_schedule(replace(schedule, paused=True))
    reply = Reply(
        f"I couldn't post in <#{args['channel']}> (the channel is gone or I may not post "
        f"there), so schedule #{args['schedule']} is paused. Fix it, then "
        f"`/prompt resume schedule:{args['schedule']}`."
    )
    await tell_moderators(uow, f"channel-lost-{args['occurrence']}", reply, now)


async def next_prompt(
    uow: UnitOfWork, now: datetime, take: bool
) -> tuple[str, Prompt | None, int | None]:
    """The queue's first prompt (marked posted), else the least recently used starter
    prompt (by its place in the bank): none comes back before every other one was used."""
    if not take:
        return "", None, None
    await uow.prompts.hold()
    queue = await uow.prompts.listed(PromptStatus.QUEUED)
    if queue:
        await uow.prompts.set_status(queue[0].id, PromptStatus.POSTED, now)
        return queue[0].text, queue[0], None
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
