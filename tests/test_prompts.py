"""Weekly prompts: queue, schedules, exactly-once delivery, DST, recaps, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.common.starter import STARTER_PROMPTS
from bot.kernel.core import Core
from bot.kernel.messages import CommunityKey, MessageRef
from bot.kernel.outbox import LEASE
from bot.kernel.pacer import Pacer
from bot.kernel.ports import ChatLimits
from bot.kernel.runners import GRACE
from bot.prompts.runner import PromptRunner
from copbot.bootstrap import open_app
from tests.fakes import FakeChat, ManualClock, Talk

WINTER_MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def prompts_in(chat: FakeChat, channel: str = "weekly") -> list[str]:
    return [
        r.cards[0].body
        for r in chat.posted_to(channel)
        if r.cards and r.cards[0].title == "This week's prompt"
    ]


async def setup(
    talk: Talk, *lines: str, schedule: str = "weekly monday 09:00 Europe/Berlin"
) -> None:
    await talk("mod", "/prompt moderators #mods")
    for line in lines:
        await talk("mod", f'/prompt add "{line}"')
    reply = await talk("mod", f"/prompt schedule {schedule}")
    assert reply.text.startswith("Schedule #1"), reply.text


class DeliveringRunner(PromptRunner):
    """A prompt runner like the timer's, which waits for the core's outbox to deliver what
    it claimed (a real process wakes its sender at once)."""

    def __init__(self, core: Core, clock: ManualClock, claim: str) -> None:
        super().__init__(store=core.store, clock=clock, claim=claim)
        self.core = core

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        claimed = await super().run_due(grace=grace)
        assert self.core.outbox is not None
        await self.core.outbox.drain()
        return claimed


def runner(core: Core, chat: FakeChat, clock: ManualClock, claim: str = "one") -> PromptRunner:
    return DeliveringRunner(core, clock, claim)


async def test_dst_moves_the_utc_time_and_posts_once_a_week(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)  # the Monday before summer time
    await setup(talk, "first", "second", "third")
    run = runner(core, chat, clock)
    posted_at = []
    for _ in range(24 * 21):  # three weeks, hour by hour, with a run every hour
        clock.advance(timedelta(hours=1))
        if await run.run_due():
            posted_at.append(clock.now())
    assert posted_at == [
        datetime(2026, 3, 16, 8, tzinfo=UTC),  # 09:00 CET
        datetime(2026, 3, 23, 8, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC),
    ]  # 09:00 CEST
    assert prompts_in(chat) == ["first", "second", "third"]


@pytest.mark.parametrize(
    ("start", "expected"),
    [  # 02:30 on the Sunday clocks go forward (it doesn't exist) and back (it happens twice)
        (datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        (datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
async def test_a_time_the_transition_skips_or_repeats_posts_once(
    core: Core,
    talk: Talk,
    chat: FakeChat,
    clock: ManualClock,
    start: datetime,
    expected: datetime,
) -> None:
    clock._now = start
    await setup(talk, "only one", "spare", schedule="weekly sunday 02:30 Europe/Berlin")
    run = runner(core, chat, clock)
    posted_at = []
    for _ in range(6 * 24 * 2):  # two days, every ten minutes
        clock.advance(timedelta(minutes=10))
        if await run.run_due():
            posted_at.append(clock.now())
    assert len(posted_at) == 1 and expected <= posted_at[0] < expected + timedelta(minutes=10)
    assert prompts_in(chat) == ["only one"]


async def test_two_runners_on_one_store_post_each_occurrence_once(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "hello")
    clock._now = WINTER_MONDAY
    first, second = runner(core, chat, clock, "a"), runner(core, chat, clock, "b")
    assert await first.run_due() + await second.run_due() + await first.run_due() == 1
    assert prompts_in(chat) == ["hello"]


class Crash(BaseException):
    """The process dying at this point (nothing in copbot catches it)."""


class CrashingChat(FakeChat):
    def __init__(self, at: str) -> None:
        super().__init__()
        self.at = at

    async def post(self, community, channel_id, reply, *, thread_id=None, key=None):  # type: ignore[no-untyped-def]
        if self.at == "post":
            self.at = ""
            raise Crash
        return await super().post(community, channel_id, reply, thread_id=thread_id, key=key)

    async def start_thread(
        self, community: CommunityKey, message: MessageRef, name: str
    ) -> MessageRef:
        if self.at == "thread":
            self.at = ""
            raise Crash
        return await super().start_thread(community, message, name)


@pytest.mark.parametrize("crash_at", ["post", "thread"])
async def test_a_crash_between_steps_neither_loses_nor_doubles(
    sqlite_url: str, clock: ManualClock, crash_at: str
) -> None:
    """The process dies before the prompt's post, or after it and before its thread. The
    restarted process waits out the dead one's lease, then finds what it posted (by the
    key the message carries) instead of posting it again."""
    clock._now = WINTER_MONDAY - timedelta(days=1)
    chat = CrashingChat(crash_at)
    async with open_app(sqlite_url, chat=chat, clock=clock) as app:
        await setup(Talk(app.core), "survives")
        clock._now = WINTER_MONDAY
        assert await PromptRunner(store=app.core.store, clock=clock).run_due() == 1
        with pytest.raises(Crash):
            await app.outbox.drain()
    async with open_app(sqlite_url, chat=chat, clock=clock) as restarted:
        assert await PromptRunner(store=restarted.core.store, clock=clock).run_due() == 0
        await restarted.outbox.drain()
        assert prompts_in(chat) == ([] if crash_at == "post" else ["survives"])
        clock.advance(LEASE + timedelta(seconds=1))  # the first process's claim ran out
        await restarted.outbox.drain()
        await restarted.outbox.drain()
    assert prompts_in(chat) == ["survives"]
    assert len(chat.threads) == 1


@pytest.mark.parametrize(
    ("down_for", "posted"), [(timedelta(hours=5), True), (timedelta(hours=7), False)]
)
async def test_missed_occurrences_post_late_within_the_grace_window(
    core: Core,
    talk: Talk,
    chat: FakeChat,
    clock: ManualClock,
    down_for: timedelta,
    posted: bool,
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "late or never", "next week")
    clock._now = WINTER_MONDAY + down_for
    await runner(core, chat, clock).run_due()
    assert prompts_in(chat) == (["late or never"] if posted else [])
    clock._now = WINTER_MONDAY + timedelta(days=7)
    await runner(core, chat, clock).run_due()
    assert prompts_in(chat)[-1] == ("next week" if posted else "late or never")


async def test_answers_are_counted_and_recapped_before_the_next_prompt(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "What did you learn?", "What will you try?")
    clock._now = WINTER_MONDAY
    await runner(core, chat, clock).run_due()
    for n, user in enumerate(("alice", "bob", "alice")):
        posted = MessageRef("test", "weekly", f"m{n}", "t1")
        await core.member_posted(talk.actor(user), posted)
        await core.member_posted(talk.actor(user), posted)  # delivered twice, counted once
    await core.member_posted(talk.actor("carol"), MessageRef("test", "weekly", "9", "t9"))
    clock._now = WINTER_MONDAY + timedelta(days=7)
    await runner(core, chat, clock).run_due()
    recap = next(r for r in chat.posted_to("weekly") if r.cards[0].title == "Last time's prompt")
    assert recap.cards[0].body == "What did you learn?"
    assert [(f.name, f.value) for f in recap.cards[0].fields] == [
        ("Answers", "3"),
        ("Members", "2"),
    ]
    titles = [r.cards[0].title for r in chat.posted_to("weekly")]
    assert titles == ["This week's prompt", "Last time's prompt", "This week's prompt"]
    stats = await talk("alice", "/prompt stats")
    assert "2026-01 · What did you learn?: 1 posted, 3 answers, 2 members" in stats.text


async def test_the_recap_of_a_prompt_nobody_answered_says_so(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "Anyone?", "Next")
    for week in range(2):
        clock._now = WINTER_MONDAY + timedelta(days=7 * week)
        await runner(core, chat, clock).run_due()
    recap = next(r for r in chat.posted_to("weekly") if r.cards[0].title == "Last time's prompt")
    assert recap.cards[0].fields == ()
    assert recap.cards[0].footer == (
        "Posted 05 Jan in <#weekly>. Nobody has answered yet: "
        "there's still time to add yours in its thread."
    )


async def test_starter_prompts_repeat_only_once_all_were_used_least_recent_first(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    """Four weekly schedules and an empty queue use the whole bank in under a year: then
    the least recently used comes back first, never one prompt over and over. Three
    schedules (156 postings a year) see no repeat within a year."""
    assert len(STARTER_PROMPTS) >= 3 * 52
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk)
    for channel in ("two", "three", "four"):
        await talk("mod", f"/prompt schedule {channel} monday 09:00 Europe/Berlin")
    run = runner(core, chat, clock)
    for week in range(52):
        clock._now = WINTER_MONDAY + timedelta(days=7 * week)
        assert await run.run_due() == 4
    posted = [
        s.reply.cards[0].body
        for s in chat.sent
        if s.reply.cards and s.reply.cards[0].title == "This week's prompt"
    ]
    bank = [text for _, text in STARTER_PROMPTS]
    assert len(posted) == 208
    assert posted[: len(bank)] == bank
    assert posted[len(bank) :] == bank[: 208 - len(bank)]
    warnings = [r.text for r in chat.posted_to("mods")]
    assert warnings and "queue holds 0 prompts" in warnings[0]


async def test_a_refused_channel_pauses_the_schedule_and_tells_moderators(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "never posted")
    chat.unavailable.add("weekly")
    clock._now = WINTER_MONDAY
    assert await runner(core, chat, clock).run_due() == 1  # claimed; the channel refuses it
    assert "schedule #1 is paused" in chat.posted_to("mods")[-1].text
    assert "paused" in (await talk("mod", "/prompt schedules")).text
    clock._now += timedelta(days=7)
    sent = len(chat.sent)
    assert await runner(core, chat, clock).run_due() == 0 and len(chat.sent) == sent
    assert (await talk("mod", "/prompt list")).text.endswith("never posted")


async def test_skip_pause_resume_and_post_now(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "one", "two", "three")
    assert "will skip Mon 05 Jan 09:00 Europe/Berlin" in (await talk("mod", "/prompt skip 1")).text
    clock._now = WINTER_MONDAY
    run = runner(core, chat, clock)
    assert await run.run_due() == 0
    await talk("mod", "/prompt pause 1")
    clock._now += timedelta(days=7)
    assert await run.run_due() == 0
    await talk("mod", "/prompt resume 1")
    assert await run.run_due() == 0  # what fell while paused is not posted late
    assert (await talk("mod", "/prompt post-now 1")).text == "Posting in <#weekly> now."
    clock._now += timedelta(days=7)
    await run.run_due()
    assert prompts_in(chat) == ["one", "two"]


async def test_a_skipped_posting_is_left_out_of_the_preview_and_the_schedules(
    talk: Talk, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "one", "two")
    await talk("mod", "/prompt schedule other monday 10:00 UTC")
    await talk("mod", "/prompt skip 1")
    preview = await talk("mod", "/prompt preview")
    assert [(c.title, c.body) for c in preview.cards] == [
        ("Mon 05 Jan 10:00 your time (UTC)", "one"),
        ("Mon 12 Jan 08:00 your time (UTC)", "two"),
    ]
    listed = (await talk("mod", "/prompt schedules")).text.splitlines()
    assert listed[0].endswith("next Mon 12 Jan 09:00 Europe/Berlin (skipping Mon 05 Jan)")


async def posting_times(
    core: Core, chat: FakeChat, clock: ManualClock, until: datetime
) -> list[datetime]:
    """When the runner posted, run every hour from now to `until`."""
    run, posted_at = runner(core, chat, clock), []
    while clock.now() < until:
        clock.advance(timedelta(hours=1))
        if await run.run_due():
            posted_at.append(clock.now())
    return posted_at


async def test_every_few_weeks_counts_from_the_first_posting(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = datetime(2026, 3, 10, tzinfo=UTC)  # a Tuesday: the first is next Monday
    made = await talk("mod", "/prompt schedule weekly monday 09:00 Europe/Berlin every:2")
    assert made.text == (
        "Schedule #1: every 2 weeks on Mondays at 09:00 Europe/Berlin, from 16 Mar 2026 in "
        "<#weekly>. The first is due Mon 16 Mar 09:00 Europe/Berlin."
    )
    posted_at = await posting_times(core, chat, clock, datetime(2026, 4, 28, tzinfo=UTC))
    assert posted_at == [
        datetime(2026, 3, 16, 8, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC),  # summer time: still 09:00 in Berlin
        datetime(2026, 4, 13, 7, tzinfo=UTC),
        datetime(2026, 4, 27, 7, tzinfo=UTC),
    ]
    preview = await talk("mod", "/prompt preview")
    assert preview.cards[0].title == "Mon 11 May 07:00 your time (UTC)"


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        ("first", [datetime(2026, 10, 2, 8, tzinfo=UTC), datetime(2026, 11, 6, 9, tzinfo=UTC)]),
        ("last", [datetime(2026, 10, 30, 9, tzinfo=UTC), datetime(2026, 11, 27, 9, tzinfo=UTC)]),
    ],
)
async def test_one_weekday_of_each_month_through_a_clock_change(
    core: Core,
    talk: Talk,
    chat: FakeChat,
    clock: ManualClock,
    week: str,
    expected: list[datetime],
) -> None:
    clock._now = datetime(2026, 9, 30, tzinfo=UTC)
    made = await talk("mod", f"/prompt schedule weekly friday 10:00 Europe/Berlin week:{week}")
    assert f"the {week} Friday of each month at 10:00 Europe/Berlin" in made.text
    assert await posting_times(core, chat, clock, datetime(2026, 12, 1, tzinfo=UTC)) == expected


async def test_a_schedule_may_mention_a_role_or_user_group(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await talk("mod", "/prompt add 'Ping!'")
    for given, mention in (
        ("<@&123456789012>", "123456789012"),
        ("<!subteam^S0ABC|@mods>", "S0ABC"),
    ):
        made = await talk("mod", f"/prompt schedule c{mention} monday 09:00 UTC mention:'{given}'")
        assert made.text.startswith("Schedule #") and f"mentioning `{mention}`" in made.text
    refused = await talk("mod", "/prompt schedule weekly monday 09:00 UTC mention:everyone")
    assert refused.error and "isn't a role or user group" in refused.text
    clock._now = WINTER_MONDAY
    await runner(core, chat, clock).run_due()
    posted = {s.to: s.reply for s in chat.sent if s.reply.cards}
    assert posted["#c123456789012"].mention == "123456789012"
    assert posted["#cS0ABC"].mention == "S0ABC"


async def test_the_same_channel_and_time_twice_is_refused(talk: Talk, clock: ManualClock) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "one")
    for line in (
        "/prompt schedule weekly monday 09:00 Europe/Berlin",
        "/prompt schedule #weekly Monday 09:00 Europe/Paris",  # the same moment
        "/prompt schedule weekly monday 09:00 Europe/Berlin every:3",
        "/prompt schedule weekly monday 09:00 Europe/Berlin week:last",
    ):
        refused = await talk("mod", line)
        assert refused.error and "Schedule #1 already posts in <#weekly>" in refused.text, line
    assert len((await talk("mod", "/prompt schedules")).text.splitlines()) == 1
    for line in (
        "/prompt schedule weekly monday 10:00 Europe/Berlin",
        "/prompt schedule other monday 09:00 Europe/Berlin",
        "/prompt schedule weekly tuesday 09:00 Europe/Berlin",
    ):
        assert not (await talk("mod", line)).error, line
    refused = await talk("mod", "/prompt schedule weekly monday 10:00 UTC every:2 week:first")
    assert refused.error and "not both" in refused.text


async def test_unscheduling_is_confirmed_audited_and_keeps_the_history(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "one", "two")
    clock._now = WINTER_MONDAY
    await runner(core, chat, clock).run_due()
    asked = await talk("mod", "/prompt unschedule 1")
    assert "Stop schedule #1" in asked.text and "stay in `/prompt stats`" in asked.text
    assert (await talk.press("mod", "Keep schedule", on=asked)).text == "Schedule #1 stays."
    forged = await talk.press("alice", "Unschedule", on=asked)
    assert forged.error and "Only moderators" in forged.text
    assert "#1" in (await talk("mod", "/prompt schedules")).text
    done = await talk.press("mod", "Unschedule", on=asked)
    assert done.text == "Schedule #1 is stopped: nothing more is posted in <#weekly>."
    assert "No schedules yet" in (await talk("mod", "/prompt schedules")).text
    assert "no schedule #1" in (await talk.press("mod", "Unschedule", on=asked)).text
    clock._now += timedelta(days=7)
    assert await runner(core, chat, clock).run_due() == 0
    assert "1 posted" in (await talk("mod", "/prompt stats")).text
    assert "`prompt.unschedule` (1)" in (await talk("mod", "/audit")).text
    again = await talk("mod", "/prompt schedule weekly monday 09:00 Europe/Berlin")
    assert again.text.startswith("Schedule #2")


async def test_suggestions_are_approved_or_rejected_by_moderators(
    talk: Talk, chat: FakeChat
) -> None:
    await talk("mod", "/prompt moderators #mods")
    thanks = await talk("alice", '/prompt suggest "What tool changed how you work?"')
    assert thanks.ephemeral and "moderators will look" in thanks.text
    notice = chat.posted_to("mods")[-1]
    assert notice.text == "Alice suggests a prompt:"
    forged = await talk.press("alice", "Approve", on=notice)
    assert forged.error and "Only moderators" in forged.text
    approved = await talk.press("mod", "Approve", on=notice)
    assert approved.text == "Approved #1: it joins the queue, credited to Alice."
    assert "decided" in (await talk.press("mod", "Reject", on=notice)).text
    assert "What tool changed" in (await talk("mod", "/prompt list")).text


def sent_to(chat: FakeChat, user: str) -> list[str]:
    return [r.text for r in chat.posted_to(f"dm-{user}")]


async def test_a_suggestion_is_posted_with_its_credit_and_its_author_hears_the_decision(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk)
    await talk("alice", '/prompt suggest "What tool changed how you work?"')
    await talk("bob", '/prompt suggest "Tabs or spaces?"')
    alices, bobs = chat.posted_to("mods")[-2:]
    assert sent_to(chat, "alice") == []  # nothing is decided yet
    await talk.press("mod", "Approve", on=alices)
    await talk.press("mod", "Reject", on=bobs)
    assert sent_to(chat, "alice") == [
        "The moderators approved your prompt “What tool changed how you work?”: it joins "
        "the queue and will be posted with your name."
    ]
    assert sent_to(chat, "bob") == [
        "Thanks for suggesting “Tabs or spaces?”. The moderators didn't take it this time."
    ]
    clock._now = WINTER_MONDAY
    await runner(core, chat, clock).run_due()
    [posted] = [r for r in chat.posted_to("weekly") if r.cards[0].title == "This week's prompt"]
    assert posted.cards[0].body == "What tool changed how you work?"
    assert posted.cards[0].footer == "Suggested by Alice. Answer in the thread below."


async def test_near_duplicates_are_flagged(talk: Talk) -> None:
    await talk("mod", '/prompt add "What did you learn this week?"')
    again = await talk("mod", '/prompt add "What did you learn this week ?"')
    assert "Heads up: it looks like #1, which is queued." in again.text
    fresh = await talk("mod", '/prompt add "Share a tool you love."')
    assert "Heads up" not in fresh.text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/prompt add text:' '", "needs `text`"),
        ("/prompt add " + "x" * 1001, "at most 1000 fit"),
        ("/prompt schedule weekly monday 25:00 Europe/Berlin", "isn't a time"),
        ("/prompt schedule weekly monday 9am Europe/Berlin", "isn't a time"),
        ("/prompt schedule weekly monday ²:00 Europe/Berlin", "isn't a time"),
        ("/prompt schedule weekly funday 09:00 Europe/Berlin", "choose one of"),
        ("/prompt schedule weekly monday 09:00 Europe/Berln", "Did you mean"),
        ("/prompt schedule ghost monday 09:00 UTC", "can't see a channel"),
        ("/prompt edit 99 text:x", "no prompt #99"),
        ("/prompt pause 99", "no schedule #99"),
    ],
)
async def test_bad_input_changes_nothing(
    talk: Talk, chat: FakeChat, line: str, message: str
) -> None:
    chat.missing.add("ghost")
    reply = await talk("mod", line)
    assert reply.error and message in reply.text
    assert "No schedules yet" in (await talk("mod", "/prompt schedules")).text
    assert "queue is empty" in (await talk("mod", "/prompt list")).text


async def test_only_moderators_change_prompts(talk: Talk) -> None:
    for line in (
        "/prompt add hi",
        "/prompt list",
        "/prompt schedule weekly monday 09:00 UTC",
        "/prompt preview",
        "/prompt pause 1",
    ):
        reply = await talk("alice", line)
        assert reply.error and "moderators only" in reply.text


async def test_a_posted_prompt_cannot_be_edited_and_schedules_stay_in_their_community(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    from bot.kernel.messages import CommunityKey

    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "posted soon")
    clock._now = WINTER_MONDAY
    await runner(core, chat, clock).run_due()
    assert "only queued prompts can change" in (await talk("mod", "/prompt edit 1 x")).text
    other = Talk(core, community=CommunityKey("test", "elsewhere"))
    assert "no schedule #1" in (await other("mod", "/prompt skip 1")).text
    assert "no prompt #1" in (await other("mod", "/prompt remove 1")).text


async def test_queue_order_move_remove_and_preview(talk: Talk, clock: ManualClock) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk, "a", "b", "c")
    await talk("mod", "/prompt move 3 1")
    asked = await talk("mod", "/prompt remove 2")
    await talk.press("mod", "Remove prompt", on=asked)
    assert (await talk("mod", "/prompt list")).text == (
        "Queued prompts, next first:\n1. #3 c\n2. #1 a"
    )
    await talk("mod", "/profile set timezone:America/New_York")
    preview = await talk("mod", "/prompt preview")
    assert preview.cards[0].title == "Mon 05 Jan 03:00 your time (America/New_York)"
    assert preview.cards[0].body == "c"


async def test_privacy_covers_suggestions_and_answers(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    clock._now = WINTER_MONDAY - timedelta(days=1)
    await setup(talk)
    await talk("alice", '/prompt suggest "Mine"')
    await talk.press("mod", "Approve", on=chat.posted_to("mods")[-1])
    clock._now = WINTER_MONDAY
    await runner(core, chat, clock).run_due()
    [prompt_message] = chat.threads
    answer = MessageRef("test", "weekly", "answer-1", f"t{prompt_message}")
    await core.member_posted(talk.actor("alice"), answer)
    await talk("alice", "/privacy export")
    exported = talk.json("alice")["prompts"]
    assert [s["text"] for s in exported["suggested"]] == ["Mine"]
    assert exported["answers"][0]["answers"] == 1
    await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase my data")
    stats = (await talk("mod", "/prompt stats")).text
    assert "1 posted, 0 answers, 0 members" in stats


async def test_the_pacer_spaces_posts_to_the_platforms_limits() -> None:
    slept: list[float] = []
    now = [0.0]

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(ChatLimits(requests_per_second=50, channel_interval=1.0), sleep, lambda: now[0])
    for channel in ("a", "b", "a", "c"):
        await pacer.wait(channel)
    assert slept == [0.02, 0.98, 0.02]  # 50/s overall; one second between posts in `a`


async def test_moderators_are_told_about_suggestions_only_where_configured(
    talk: Talk, chat: FakeChat
) -> None:
    reply = await talk("alice", '/prompt suggest "Quiet one"')
    assert reply.text.startswith("Thanks!") and chat.sent == []
    assert "Quiet one" in (await talk("mod", "/prompt suggestions")).cards[0].body
    assert (await talk("bob", "/prompt suggestions")).error


async def test_post_now_is_delivered_by_the_processs_one_sender(
    core: Core, talk: Talk, chat: FakeChat
) -> None:
    """The command records the posting; the process's outbox, with the process's one
    Pacer, delivers it: a command builds no runner and no pacer of its own."""
    await setup(talk, "one")
    assert core.outbox is not None
    waited: list[str] = []
    wait = core.outbox.pacer.wait

    async def recording(channel_id: str) -> None:
        waited.append(channel_id)
        await wait(channel_id)

    core.outbox.pacer.wait = recording  # type: ignore[method-assign]
    await talk("mod", "/prompt post-now 1")
    assert prompts_in(chat) == ["one"]
    assert "weekly" in waited
