"""Weekly prompts: moderators queue discussion prompts and schedule them; copbot posts each
one exactly once, opens a thread for answers, counts who answered and recaps it.

Delivery is three steps, each durable: claim the occurrence (schedule, due time) in the
database, post it (with the occurrence as the platform's idempotency key), record the
message. A crash between any two is finished by the next run, and a second process that
reaches the same occurrence finds it claimed.
"""

from __future__ import annotations

import difflib
import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from bot.common.errors import UserError
from bot.common.timezones import local_time
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import (
    Button,
    ButtonStyle,
    Card,
    CardField,
    CommunityKey,
    MessageRef,
    Reply,
)
from bot.kernel.moderators import MODERATOR_CHANNEL, tell_moderators
from bot.kernel.options import WEEKLY, weekly
from bot.kernel.pacer import Pacer
from bot.kernel.ports import ChannelUnavailable, Chat, Clock, Store, UnitOfWork
from bot.prompts.model import Occurrence, Outcome, Prompt, PromptStatus, Schedule
from bot.prompts.starter import STARTER_PROMPTS

log = logging.getLogger(__name__)

MAX_TEXT = 1000
LOW_QUEUE = 2
SIMILAR = 0.85  # difflib ratio above which two prompts are near-duplicates
BANK_REPEAT = timedelta(days=365)
GRACE = timedelta(hours=6)
LEASE = timedelta(minutes=2)  # a claim older than this, never recorded, is taken over
LOW_QUEUE_WARNED = "prompts.low_queue_warned_at"
PROCESS = uuid.uuid4().hex[:12]  # whose claim is whose, across processes

_ID = Option(
    "id", "The prompt's number", OptionType.INTEGER, required=True, min_value=1, max_value=2**31 - 1
)
_SCHEDULE = Option(
    "schedule",
    "The schedule's number (see /prompt schedules)",
    OptionType.INTEGER,
    required=True,
    min_value=1,
    max_value=2**31 - 1,
)
_TEXT = Option(
    "text",
    "The prompt, as members will read it",
    required=True,
    max_length=MAX_TEXT,
    multiline=True,
)
MOD = Access.MODERATOR


def register(catalog: Catalog) -> None:
    @catalog.command("prompt add", "Queue a discussion prompt", _TEXT, access=MOD)
    async def add(context: Context) -> Reply:
        text = _text(context.options["text"])
        warning = await _similar(context.uow, text)
        prompt = await context.uow.prompts.add(text, PromptStatus.QUEUED, None, context.now)
        queued = await context.uow.prompts.queued_count()
        return Reply(f"Queued #{prompt.id} at position {queued}.{warning}", ephemeral=True)

    @catalog.command("prompt list", "The prompt queue, next first", access=MOD)
    async def listing(context: Context) -> Reply:
        queue = await context.uow.prompts.listed(PromptStatus.QUEUED)
        if not queue:
            return Reply(
                "The queue is empty: copbot will use its starter prompts. Add your "
                "own with `/prompt add`.",
                ephemeral=True,
            )
        lines = [f"{n}. #{p.id} {_short(p.text)}" for n, p in enumerate(queue, 1)]
        return Reply("Queued prompts, next first:\n" + "\n".join(lines), ephemeral=True)

    @catalog.command("prompt edit", "Reword a queued prompt", _ID, _TEXT, access=MOD)
    async def edit(context: Context) -> Reply:
        prompt = await _queued(context, context.options["id"])
        text = _text(context.options["text"])
        await context.uow.prompts.edit(prompt.id, text, context.now)
        return Reply(f"#{prompt.id} now reads: {_short(text)}", ephemeral=True)

    @catalog.command(
        "prompt move",
        "Change where a queued prompt sits in the queue",
        _ID,
        Option(
            "position",
            "1 is next",
            OptionType.INTEGER,
            required=True,
            min_value=1,
            max_value=10_000,
        ),
        access=MOD,
    )
    async def move(context: Context) -> Reply:
        prompt = await _queued(context, context.options["id"])
        size = await context.uow.prompts.queued_count()
        position = min(context.options["position"], size)
        await context.uow.prompts.move(prompt.id, position)
        return Reply(f"#{prompt.id} is now at position {position} of {size}.", ephemeral=True)

    @catalog.command("prompt remove", "Take a prompt out of the queue", _ID, access=MOD)
    async def ask_to_remove(context: Context) -> Reply:
        prompt = await _queued(context, context.options["id"])
        return Reply(
            f"Remove #{prompt.id} “{_short(prompt.text)}” from the queue?",
            buttons=(
                Button("Remove prompt", "prompt.remove", str(prompt.id), ButtonStyle.DANGER),
                Button("Keep prompt", "prompt.keep"),
            ),
            ephemeral=True,
        )

    @catalog.action("prompt.remove", access=MOD)
    async def remove(context: Context) -> Reply:
        prompt = await _queued(context, context.action_number())
        await context.uow.prompts.remove(prompt.id)
        return Reply(f"Removed #{prompt.id}.", ephemeral=True)

    @catalog.action("prompt.keep")
    async def keep(context: Context) -> Reply:
        return Reply("The prompt stays queued.", ephemeral=True)

    @catalog.command("prompt preview", "What will be posted next, where and when", access=MOD)
    async def preview(context: Context) -> Reply:
        schedules = [s for s in await context.uow.prompts.schedules() if not s.paused]
        if not schedules:
            return Reply("No active schedule. Create one with `/prompt schedule`.", ephemeral=True)
        zone = (await context.member()).timezone or "UTC"
        queue = await context.uow.prompts.listed(PromptStatus.QUEUED)
        upcoming = sorted((d, s) for s in schedules if (d := s.next_due(context.now)))
        cards = []
        for n, (due, schedule) in enumerate(upcoming):
            text = queue[n].text if n < len(queue) else "a starter prompt (the queue runs dry)"
            cards.append(
                Card(
                    title=f"{local_time(due, zone):%a %d %b %H:%M} your time ({zone})",
                    body=text,
                    fields=(
                        CardField("Where", f"<#{schedule.channel_id}>"),
                        CardField("Schedule", f"#{schedule.id}"),
                    ),
                )
            )
        return Reply("Coming up:", cards=tuple(cards), ephemeral=True)

    @catalog.command(
        "prompt schedule",
        "Post the next prompt every week in a channel",
        Option("channel", "Where to post", OptionType.CHANNEL, required=True),
        *WEEKLY,
        access=MOD,
    )
    async def schedule(context: Context) -> Reply:
        weekday, hour, minute, timezone = weekly(context.options)
        await _visible(context, context.options["channel"])
        created = await context.uow.prompts.add_schedule(
            context.options["channel"], weekday, hour, minute, timezone, context.now
        )
        due = created.next_due(context.now)
        when = f" The first is due {created.local(due)}." if due else ""
        return Reply(f"Schedule #{created.id}: {created.describe()}.{when}", ephemeral=True)

    @catalog.command("prompt schedules", "This community's prompt schedules", access=MOD)
    async def schedules(context: Context) -> Reply:
        found = await context.uow.prompts.schedules()
        if not found:
            return Reply("No schedules yet. Create one with `/prompt schedule`.", ephemeral=True)
        lines = []
        for s in found:
            due = s.next_due(context.now)
            state = "paused" if s.paused or due is None else f"next {s.local(due)}"
            skip = " (skipping the next one)" if s.skip_due else ""
            lines.append(f"#{s.id} {s.describe()}: {state}{skip}")
        return Reply("\n".join(lines), ephemeral=True)

    @catalog.command("prompt pause", "Stop a schedule until resumed", _SCHEDULE, access=MOD)
    async def pause(context: Context) -> Reply:
        found = await _schedule(context)
        await context.uow.prompts.save_schedule(replace(found, paused=True))
        return Reply(f"Schedule #{found.id} is paused.", ephemeral=True)

    @catalog.command("prompt resume", "Restart a paused schedule", _SCHEDULE, access=MOD)
    async def resume(context: Context) -> Reply:
        """Occurrences that fell while paused are not posted late: it picks up from now."""
        found = await _schedule(context)
        await context.uow.prompts.save_schedule(
            replace(found, paused=False, last_due=max(found.last_due, context.now))
        )
        return Reply(f"Schedule #{found.id} is running again.", ephemeral=True)

    @catalog.command("prompt skip", "Skip a schedule's next posting only", _SCHEDULE, access=MOD)
    async def skip(context: Context) -> Reply:
        found = await _schedule(context)
        due = found.next_due(context.now)
        if due is None:
            raise UserError(f"Schedule #{found.id} has nothing due to skip.")
        await context.uow.prompts.save_schedule(replace(found, skip_due=due))
        return Reply(f"Schedule #{found.id} will skip {found.local(due)}.", ephemeral=True)

    @catalog.command(
        "prompt post-now", "Post a schedule's next prompt right away", _SCHEDULE, access=MOD
    )
    async def post_now(context: Context) -> Reply:
        found = await _schedule(context)
        runner = PromptRunner(store=context.store, chat=context.chat, clock=context.clock)
        community = context.actor.community
        context.later(lambda: runner.deliver(community, found, context.now, now=context.now))
        return Reply(f"Posting in <#{found.channel_id}> now.", ephemeral=True)

    @catalog.command(
        "prompt moderators",
        "Where copbot sends prompt suggestions and warnings",
        Option("channel", "The moderators' channel", OptionType.CHANNEL, required=True),
        access=MOD,
    )
    async def moderators(context: Context) -> Reply:
        await _visible(context, context.options["channel"])
        await context.uow.settings.put(MODERATOR_CHANNEL, context.options["channel"])
        return Reply(
            f"Prompt suggestions and warnings now go to <#{context.options['channel']}>.",
            ephemeral=True,
        )

    @catalog.command("prompt suggest", "Suggest a prompt to the moderators", _TEXT)
    async def suggest(context: Context) -> Reply:
        text = _text(context.options["text"])
        member = await context.member()
        prompt = await context.uow.prompts.add(text, PromptStatus.SUGGESTED, member.id, context.now)
        await tell_moderators(
            context.uow,
            context.chat,
            Reply(
                f"{member.display_name} suggests a prompt:",
                cards=(Card(title=f"Suggestion #{prompt.id}", body=text),),
                buttons=(
                    Button("Approve", "prompt.approve", str(prompt.id), ButtonStyle.PRIMARY),
                    Button("Reject", "prompt.reject", str(prompt.id)),
                ),
            ),
        )
        return Reply("Thanks! The moderators will look at your suggestion.", ephemeral=True)

    @catalog.command("prompt suggestions", "Suggestions waiting for a decision", access=MOD)
    async def suggestions(context: Context) -> Reply:
        waiting = await context.uow.prompts.listed(PromptStatus.SUGGESTED)
        if not waiting:
            return Reply("No suggestions are waiting.", ephemeral=True)
        return Reply(
            "Suggestions waiting:",
            cards=tuple(
                Card(f"Suggestion #{p.id} by {p.author_name or 'a former member'}", p.text)
                for p in waiting[:10]
            ),
            buttons=tuple(
                b
                for p in waiting[:2]
                for b in (
                    Button(f"Approve #{p.id}", "prompt.approve", str(p.id), ButtonStyle.PRIMARY),
                    Button(f"Reject #{p.id}", "prompt.reject", str(p.id)),
                )
            ),
            ephemeral=True,
        )

    @catalog.action("prompt.approve", access=MOD)
    async def approve(context: Context) -> Reply:
        prompt = await _suggested(context)
        warning = await _similar(context.uow, prompt.text, ignore=prompt.id)
        await context.uow.prompts.set_status(prompt.id, PromptStatus.QUEUED, context.now)
        credit = f", credited to {prompt.author_name}" if prompt.author_name else ""
        return Reply(f"Approved #{prompt.id}: it joins the queue{credit}.{warning}", ephemeral=True)

    @catalog.action("prompt.reject", access=MOD)
    async def reject(context: Context) -> Reply:
        prompt = await _suggested(context)
        await context.uow.prompts.set_status(prompt.id, PromptStatus.REJECTED, context.now)
        return Reply(f"Rejected suggestion #{prompt.id}.", ephemeral=True)

    @catalog.command("prompt stats", "Postings, answers and members per prompt and month")
    async def stats(context: Context) -> Reply:
        rows = await context.uow.prompts.stats()
        if not rows:
            return Reply("No prompt has been posted yet.", ephemeral=True)
        lines = [
            f"{r.month} · {_short(r.text, 50)}: {r.postings} posted, {r.answers} answers, "
            f"{r.members} members"
            for r in rows[:25]
        ]
        return Reply("Prompt participation:\n" + "\n".join(lines), ephemeral=True)

    @catalog.home_section
    async def current_prompt(context: Context) -> Reply | None:
        posted = [
            found
            for schedule in await context.uow.prompts.schedules()
            if (found := await context.uow.prompts.last_posted(schedule.id, context.now))
        ]
        if not posted:
            return None
        latest = max(posted, key=lambda o: o.due_at)
        where = f"<#{latest.message.channel_id}>" if latest.message else "its channel"
        return Reply(
            cards=(
                Card(
                    title="This week's prompt",
                    body=latest.text,
                    footer=f"Posted {latest.due_at:%d %b}: answer in its thread in {where}.",
                ),
            )
        )

    @catalog.reply_in_thread
    async def count_answer(context: Context, posted: MessageRef) -> None:
        if posted.thread_id is None:
            return
        occurrence = await context.uow.prompts.by_thread(posted.channel_id, posted.thread_id)
        if occurrence is not None:
            member = await context.member()
            await context.uow.prompts.count_answer(occurrence.id, member.id, posted.message_id)

    async def export_personal(context: Context, member: Member) -> dict[str, object]:
        return {
            "suggested": [p.text for p in await context.uow.prompts.authored(member.id)],
            "answers": [
                {"posting": o, "answers": n}
                for o, n in await context.uow.prompts.answers_by(member.id)
            ],
        }

    async def erase_personal(context: Context, member: Member) -> None:
        await context.uow.prompts.forget(member.id)

    catalog.keeps_personal_data("prompts", export_personal, erase_personal)


class PromptRunner:
    """Posts what is due: called by the timer (APScheduler), at start-up, by the console's
    `@advance`, and by `/prompt post-now`. Idempotent: running it twice posts nothing twice."""

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
            text, prompt_id, bank_index = await _next_prompt(uow, now, outcome is Outcome.CLAIMED)
            occurrence = await uow.prompts.claim(
                schedule.id, due, outcome, self.claim, now, text, prompt_id, bank_index
            )
            if occurrence is not None:
                skip_due = None if outcome is Outcome.SKIPPED else fresh.skip_due
                await uow.prompts.save_schedule(
                    replace(fresh, skip_due=skip_due, last_due=max(fresh.last_due, due))
                )
                recap = await _recap_before(uow, occurrence)
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
            recap = await _recap_before(uow, occurrence) if taken else None
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
                community, channel, _prompt_reply(occurrence), key=f"prompt-{occurrence.id}"
            )
            await self.pacer.wait(channel)
            thread = await self.chat.start_thread(
                message, f"Answers: {_short(occurrence.text, 60)}"
            )
        except ChannelUnavailable:
            await self._channel_lost(community, schedule, occurrence)
            return 0
        async with self.store.unit_of_work(community) as uow:
            await uow.prompts.record(occurrence.id, Outcome.POSTED, thread, self.clock.now())
            if recap is not None:
                await uow.prompts.mark_recapped(recap[0].id)
            queued = await uow.prompts.queued_count()
            warn = queued < LOW_QUEUE and await _warn_once_a_day(uow, self.clock.now())
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


async def _next_prompt(
    uow: UnitOfWork, now: datetime, take: bool
) -> tuple[str, int | None, int | None]:
    """The queue's first prompt (marked posted), else a starter prompt unused for a year."""
    if not take:
        return "", None, None
    await uow.prompts.hold_queue()
    queue = await uow.prompts.listed(PromptStatus.QUEUED)
    if queue:
        await uow.prompts.set_status(queue[0].id, PromptStatus.POSTED, now)
        return queue[0].text, queue[0].id, None
    used = await uow.prompts.bank_used_since(now - BANK_REPEAT)
    fresh = [n for n in range(len(STARTER_PROMPTS)) if n not in used]
    index = fresh[0] if fresh else 0
    return STARTER_PROMPTS[index][1], None, index


async def _recap_before(uow: UnitOfWork, occurrence: Occurrence) -> tuple[Occurrence, Reply] | None:
    """The recap of the schedule's previous posting, unless it had one already."""
    previous = await uow.prompts.last_posted(occurrence.schedule_id, occurrence.due_at)
    if previous is None or previous.recapped:
        return None
    return previous, await _recap(uow, previous)


async def _recap(uow: UnitOfWork, previous: Occurrence) -> Reply:
    answers, members = await uow.prompts.answers(previous.id)
    link = previous.message
    where = f" in <#{link.channel_id}>" if link else ""
    return Reply(
        cards=(
            Card(
                title="Last time's prompt",
                body=previous.text,
                fields=(CardField("Answers", str(answers)), CardField("Members", str(members))),
                footer=f"Posted {previous.due_at:%d %b}{where}. Thanks to everyone who answered!",
            ),
        ),
    )


def _prompt_reply(occurrence: Occurrence) -> Reply:
    return Reply(
        cards=(
            Card(
                title="This week's prompt",
                body=occurrence.text,
                footer="Answer in the thread below.",
            ),
        )
    )


async def _warn_once_a_day(uow: UnitOfWork, now: datetime) -> bool:
    """Whether to warn about the queue now: at most daily, however many schedules post."""
    last = await uow.settings.get(LOW_QUEUE_WARNED)
    if isinstance(last, str) and now - datetime.fromisoformat(last) < timedelta(days=1):
        return False
    await uow.settings.put(LOW_QUEUE_WARNED, now.isoformat())
    return True


async def _similar(uow: UnitOfWork, text: str, ignore: int | None = None) -> str:
    """A warning when `text` repeats a queued or posted prompt (or nearly does)."""
    wanted = " ".join(text.casefold().split())
    for status in (PromptStatus.QUEUED, PromptStatus.POSTED):
        for prompt in await uow.prompts.listed(status):
            other = " ".join(prompt.text.casefold().split())
            if (
                prompt.id != ignore
                and difflib.SequenceMatcher(None, wanted, other).ratio() >= SIMILAR
            ):
                what = "was already posted" if status is PromptStatus.POSTED else "is queued"
                return f" Heads up: it looks like #{prompt.id}, which {what}."
    return ""


def _text(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise UserError("A prompt needs some text.")
    return text


def _short(text: str, length: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


async def _visible(context: Context, channel_id: str) -> None:
    if not await context.chat.channel_exists(context.actor.community, channel_id):
        raise UserError(
            f"I can't see a channel <#{channel_id}>: check the name, and that I was added to it."
        )


async def _queued(context: Context, prompt_id: int) -> Prompt:
    prompt = await context.uow.prompts.get(prompt_id)
    if prompt is None:
        raise UserError(f"There's no prompt #{prompt_id} here.")
    if prompt.status is not PromptStatus.QUEUED:
        raise UserError(
            f"#{prompt_id} is {prompt.status.value}, not queued: only queued prompts can change."
        )
    return prompt


async def _suggested(context: Context) -> Prompt:
    prompt = await context.uow.prompts.get(context.action_number())
    if prompt is None or prompt.status is not PromptStatus.SUGGESTED:
        raise UserError("That suggestion was already decided.")
    return prompt


async def _schedule(context: Context) -> Schedule:
    found = await context.uow.prompts.schedule(context.options["schedule"])
    if found is None:
        raise UserError(f"There's no schedule #{context.options['schedule']} here.")
    return found
