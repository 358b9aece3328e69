"""Intros through the core: joining and leaving, programmes and who may run them, the
previewed round edited and published once, one intro per group through the outbox, the
half-way "did you meet?", ghosts paused, the repeat window and don't-match lists, and
privacy."""

from __future__ import annotations

import asyncio
import gc
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.common.cadence import Cadence
from bot.intros import planner
from bot.intros.grouping import plan_round
from bot.intros.model import Participant
from bot.intros.records import Programme
from bot.intros.runner import IntroRunner
from bot.kernel.core import Core
from bot.kernel.messages import Reply
from bot.kernel.observer import Unobserved
from copbot.bootstrap import serving_process
from tests.fakes import FakeChat, ManualClock, Talk

DUE = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # the first Monday round at 10:00 UTC
PEOPLE = {
    "alice": "skills:python interests:kubernetes timezone:Europe/Berlin languages:english",
    "bob": "skills:kubernetes interests:python timezone:Europe/Paris languages:english",
    "carol": "skills:sql interests:rust timezone:America/New_York",
    "dave": "skills:rust interests:sql timezone:America/Chicago",
}


async def programme(talk: Talk, *joining: str, extra: str = "") -> None:
    reply = await talk("mod", f"/intro setup #intros weekly monday 10:00 UTC open:yes {extra}")
    assert not reply.error, reply.text
    for who in joining:
        if who in PEOPLE:
            await talk(who, f"/profile set {PEOPLE[who]}")
        joined = await talk(who, "/intro join")
        assert not joined.error, joined.text


def intros(chat: FakeChat) -> list[tuple[tuple[str, ...], Reply]]:
    """Each intro: the members of its private space and what was posted there first."""
    found = []
    for n, (_, members) in enumerate(chat.spaces, 1):
        posted = [s.reply for s in chat.sent if s.to.endswith(f"/p{n}")]
        found.append((tuple(sorted(members)), posted[0]))
    return found


def runner(core: Core, clock: ManualClock) -> IntroRunner:
    assert core.outbox is not None
    return IntroRunner(core.store, clock, core.outbox.wake)


async def test_members_join_pause_and_leave_and_see_where_they_stand(talk: Talk) -> None:
    nothing = await talk("alice", "/intro join")
    assert nothing.error and "no intros programme" in nothing.text
    await programme(talk, "alice")
    status = await talk("alice", "/intro status")
    expected = "`intros`: taking part, every round; next round Mon 05 Jan 11:00 (Europe/Berlin)"
    assert expected in status.text
    again = await talk("alice", "/intro join cadence:every-other-round")
    assert "already; now every other round" in again.text
    paused = await talk("alice", "/intro pause until:2026-02-01")
    assert "until 2026-02-01" in paused.text
    assert "paused until Sun 01 Feb 00:00" in (await talk("alice", "/intro status")).text
    bad = await talk("alice", "/intro pause until:yesterday")
    assert bad.error and "isn't a date" in bad.text
    asked = await talk("alice", "/intro leave")
    assert [b.label for b in asked.buttons] == ["Leave intros"]
    assert "taking part" not in (await talk("alice", "/intro status")).text  # not yet left
    left = await talk.press("alice", "Leave intros", on=asked)
    assert left.text == "You left `intros`: no more intros."
    assert "you left" in (await talk("alice", "/intro status")).text
    assert (await talk("alice", "/intro pause")).error
    assert "Welcome back" in (await talk("alice", "/intro join")).text


async def test_setup_is_for_moderators_and_checks_what_it_is_given(
    talk: Talk, chat: FakeChat
) -> None:
    refused = await talk("alice", "/intro setup #intros weekly monday 10:00 UTC")
    assert refused.error and "moderators" in refused.text
    chat.missing.add("nowhere")
    for line, says in (
        ("/intro setup #nowhere weekly monday 10:00 UTC", "can't see a channel"),
        ("/intro setup #intros weekly monday 25:00 UTC", "isn't a time"),
        ("/intro setup #intros daily monday 10:00 UTC", "choose one of"),
        ("/intro setup #intros weekly monday 10:00 UTC size:4", "at most 3"),
        ("/intro setup #intros weekly monday 10:00 UTC week:last", "monthly cadence only"),
        ("/intro setup #intros weekly monday 10:00 UTC name:Two_Words", "short word"),
    ):
        reply = await talk("mod", line)
        assert reply.error and says in reply.text, (line, reply.text)
    assert (await talk("mod", "/intro stats")).error  # nothing was set up
    monthly = await talk("mod", "/intro setup #intros monthly friday 16:00 UTC week:last")
    assert "the last Friday of each month at 16:00 UTC" in monthly.text
    assert "Fri 30 Jan 16:00" in monthly.text
    second = await talk("mod", "/intro setup #pairs every-2-weeks tuesday 09:00 UTC name:pairs")
    assert "every 2 weeks on Tuesdays" in second.text
    which = await talk("alice", "/intro join")
    assert which.error and "several programmes" in which.text and "`pairs`" in which.text
    outside = await talk("alice", "/intro join programme:pairs")
    assert outside.error and "run `/intro join` there" in outside.text
    choices = await talk.core.autocomplete(talk.actor("alice"), "intro join", "programme", "p")
    assert [c.value for c in choices] == ["pairs"]
    talk.channel = "pairs"
    assert not (await talk("alice", "/intro join")).error  # the channel picks its programme


async def test_a_programme_is_removed_with_its_history_only_once_a_moderator_confirms(
    talk: Talk, chat: FakeChat
) -> None:
    await programme(talk, "alice", "bob")
    await talk("mod", "/intro run-now")
    assert (await talk("alice", "/intro programme remove")).error  # moderators only
    asked = await talk("mod", "/intro programme remove")
    assert "Remove `intros` with its 1 round(s), 1 intro(s)" in asked.text
    assert "2 member(s)" in asked.text and "can't be undone" in asked.text
    kept = await talk.press("mod", "Keep it")
    assert "Nothing was removed" in kept.text
    assert not (await talk("mod", "/intro stats")).error
    pressed = await talk.press("mod", "Remove", on=asked)
    assert pressed.text == "Removed `intros`."
    gone = await talk("alice", "/intro status")
    assert "You're in no intros programme" in gone.text and "Introduced to" not in gone.text
    again = await talk.press("mod", "Remove", on=asked)  # a second press of the old button
    assert again.error and "gone already" in again.text
    await programme(talk, "alice", "bob")  # the same name is free; nobody met in it yet
    preview = await talk("mod", "/intro preview")
    assert "Alice and Bob (fit" in preview.text or "Bob and Alice (fit" in preview.text
    assert "met in the last" not in preview.text
    log = await talk("mod", "/audit")
    assert "intro.remove" in log.text


async def test_a_previewed_round_is_edited_then_sent_once_one_intro_per_group(
    talk: Talk, chat: FakeChat
) -> None:
    await programme(talk, "alice", "bob", "carol", "dave")
    assert (await talk("alice", "/intro preview")).error  # moderators only
    preview = await talk("mod", "/intro preview")
    assert "2 intro(s), 4 member(s)" in preview.text
    assert "Alice and Bob (fit" in preview.text or "Bob and Alice (fit" in preview.text
    assert not chat.spaces  # a preview sends nothing
    swapped = await talk("mod", "/intro swap member:@alice with:@carol")
    assert not swapped.error, swapped.text
    bad = await talk("mod", "/intro swap member:@alice with:@dave")  # together now
    assert bad.error and "same group" in bad.text
    dropped = await talk("mod", "/intro drop group:2")
    assert "(dropped)" in dropped.text and "1 intro(s), 2 member(s)" in dropped.text
    ran = await talk("mod", "/intro run-now")
    assert "1 intro(s) for 2 member(s)" in ran.text
    [(members, intro)] = intros(chat)
    assert members in {("bob", "carol"), ("alice", "dave")}
    assert "To break the ice:" in intro.text and "put you together" in intro.text
    assert (await talk("mod", "/intro drop group:1")).error  # the draft went out
    await talk("mod", "/intro run-now")  # the next week's round, early: all four grouped
    assert len(intros(chat)) == 3
    stats = await talk("mod", "/intro stats")
    assert "2 round(s), 3 intro(s)" in stats.text


async def test_previewing_again_keeps_the_edits_unless_asked_afresh(talk: Talk) -> None:
    await programme(talk, "alice", "bob", "carol", "dave")
    await talk("mod", "/intro preview")
    assert "(dropped)" in (await talk("mod", "/intro drop group:1")).text
    for newcomer in ("erin", "frank"):  # joined since the preview
        assert not (await talk(newcomer, "/intro join")).error
    again = await talk("mod", "/intro preview")
    assert "2 intro(s), 4 member(s)" in again.text and "(dropped)" in again.text
    assert "Erin and Frank (fit" in again.text or "Frank and Erin (fit" in again.text
    assert "Your edits are kept" in again.text and "afresh:yes" in again.text
    afresh = await talk("mod", "/intro preview afresh:yes")
    assert "3 intro(s), 6 member(s)" in afresh.text and "(dropped)" not in afresh.text
    assert "edits are kept" not in afresh.text
    ran = await talk("mod", "/intro run-now")
    assert "3 intro(s) for 6 member(s)" in ran.text


async def test_the_intro_says_why_a_skill_swap_fits(talk: Talk, chat: FakeChat) -> None:
    await programme(talk, "alice", "bob")
    await talk("mod", "/intro run-now")
    [(members, intro)] = intros(chat)
    assert members == ("alice", "bob")
    assert "a skill swap" in intro.text and "teaches python, which" in intro.text
    assert "h of shared working hours" in intro.text and "speak english" in intro.text


async def test_an_odd_count_makes_one_trio_and_leaves_nobody_out(
    talk: Talk, chat: FakeChat
) -> None:
    await programme(talk, "alice", "bob", "carol", "dave", "erin")
    await talk("mod", "/intro run-now")
    sizes = sorted(len(members) for members, _ in intros(chat))
    assert sizes == [2, 3]


async def test_two_racing_timers_publish_a_due_round_once(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await programme(talk, "alice", "bob", "carol", "dave")
    planned: list[tuple[str, float]] = []

    class Watching(Unobserved):
        def round_planned(self, kind: str, seconds: float) -> None:
            planned.append((kind, seconds))

    first, second = (replace(runner(core, clock), observer=Watching()) for _ in range(2))
    clock._now = DUE - timedelta(seconds=30)
    await first.run_due()
    await talk.settle()
    assert not chat.spaces  # not due yet
    clock._now = DUE + timedelta(seconds=20)
    done = await asyncio.gather(first.run_due(), second.run_due())
    assert sorted(done) == [0, 1]
    assert await first.run_due() == 0  # the same due time: nothing more
    await talk.settle()
    assert len(chat.spaces) == 2
    assert [kind for kind, _ in planned] == ["intros", "intros"]  # both planned, one published
    grouped = sorted(m for members, _ in intros(chat) for m in members)
    assert grouped == ["alice", "bob", "carol", "dave"]


async def test_a_round_missed_while_copbot_was_down_is_skipped_and_moderators_hear(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await talk("mod", "/prompt moderators #mods")
    await programme(talk, "alice", "bob")
    clock._now = DUE + timedelta(hours=7)
    assert await runner(core, clock).run_due() == 0
    await talk.settle()
    assert not chat.spaces
    [told] = [r.text for r in chat.posted_to("mods") if "intros round" in r.text]
    assert "was skipped" in told


async def test_half_way_members_say_whether_they_met_and_it_counts(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await programme(talk, "alice", "bob")
    timer = runner(core, clock)
    clock._now = DUE
    await timer.run_due()
    await talk.settle()
    clock._now = DUE + timedelta(days=3, hours=11)
    await timer.run_due()
    await talk.settle()
    assert not [s for s in chat.sent if "did you meet" in s.reply.text]  # not half-way yet
    clock._now = DUE + timedelta(days=3, hours=12)
    await timer.run_due()
    await timer.run_due()
    await talk.settle()
    [asked] = [s.reply for s in chat.sent if "did you meet" in s.reply.text]
    assert [b.label for b in asked.buttons] == ["Yes", "Not yet", "We can't make it"]
    said = await talk.press("alice", "Yes", on=asked)
    assert "Great to hear you met" in said.text
    outsider = await talk.press("carol", "Yes", on=asked)
    assert outsider.error and "members of that intro" in outsider.text
    await talk.press("bob", "We can't make it", on=asked)
    stats = await talk("mod", "/intro stats")
    assert "1 yes, 0 not yet, 1 can't make it, 0 no answer" in stats.text


async def test_three_ignored_intros_in_a_row_pause_a_member_who_is_told_how_to_come_back(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await programme(talk, "alice", "bob", "carol")
    timer = runner(core, clock)
    for week in range(4):
        clock._now = DUE + timedelta(weeks=week)
        await timer.run_due()
        await talk.settle()
        clock._now += timedelta(days=4)
        await timer.run_due()
        await talk.settle()
        for asked in [s.reply for s in chat.sent if "did you meet" in s.reply.text]:
            for who in ("alice", "bob"):  # carol never answers
                await talk.press(who, "Yes", on=asked)
    carols = {f"/p{n}" for n, (_, members) in enumerate(chat.spaces, 1) if members == ("carol",)}
    told = [s for s in chat.sent if s.to[s.to.rfind("/") :] in carols]
    assert len(told) == 1 and "`/intro join` brings you back" in told[0].reply.text
    assert not [s for s in chat.sent if s.to.startswith("#dm-")]  # no new DM
    assert "paused by copbot" in (await talk("carol", "/intro status")).text
    back = await talk("carol", "/intro join")
    assert "Welcome back" in back.text
    assert "taking part" in (await talk("carol", "/intro status")).text


async def test_who_met_are_not_paired_again_within_the_repeat_window(
    talk: Talk, chat: FakeChat
) -> None:
    await programme(talk, "alice", "bob", "carol", "dave")
    pairs: list[set[tuple[str, ...]]] = []
    for _ in range(3):  # four people have three ways to pair up: each round a new one
        before = len(chat.spaces)
        await talk("mod", "/intro run-now")
        pairs.append({members for members, _ in intros(chat)[before:]})
    assert all(len(round_) == 2 for round_ in pairs)
    assert len(pairs[0] | pairs[1] | pairs[2]) == 6  # nobody met anyone twice
    await talk("mod", "/intro run-now")  # now every pair repeats: the round still groups all
    assert len(intros(chat)) == 8


async def test_a_swap_may_not_put_together_who_met_within_the_repeat_window(
    talk: Talk, chat: FakeChat
) -> None:
    await programme(talk, "alice", "bob", "carol", "dave")
    await talk("mod", "/intro run-now")
    first = {members for members, _ in intros(chat)}
    assert first == {("alice", "bob"), ("carol", "dave")}  # the two skill swaps
    await talk("mod", "/intro preview")  # pairs of people who haven't met
    # Alice's partner is Carol or Dave; swapping her with the other rebuilds both old pairs.
    answers = [await talk("mod", f"/intro swap member:@alice with:@{o}") for o in ("carol", "dave")]
    assert sorted("same group" in a.text for a in answers) == [False, True]
    [refused] = [a for a in answers if "same group" not in a.text]
    assert refused.error and "met in the last 12 weeks" in refused.text
    await talk("mod", "/intro run-now")
    assert not {members for members, _ in intros(chat)[2:]} & first  # the draft as planned


async def test_the_confidential_dont_match_list_keeps_people_apart(
    talk: Talk, chat: FakeChat
) -> None:
    await programme(talk, "alice", "bob", "carol", "dave")
    await talk("alice", "/mentor avoid member:@bob")
    for _ in range(2):
        await talk("mod", "/intro run-now")
    assert all({"alice", "bob"} - set(members) for members, _ in intros(chat))
    preview = await talk("mod", "/intro preview")
    [line] = [row for row in preview.text.splitlines() if "Alice" in row and "(fit" in row]
    partner = next(n for n in ("Carol", "Dave") if n in line).casefold()
    refused = await talk("mod", f"/intro swap member:@bob with:@{partner}")
    assert refused.error and "can't swap" in refused.text
    assert "list" not in refused.text  # whose list it is stays confidential


async def test_paused_and_left_members_are_not_grouped(talk: Talk, chat: FakeChat) -> None:
    await programme(talk, "alice", "bob", "carol", "dave")
    await talk("carol", "/intro pause")
    await talk("dave", "/intro leave")
    await talk.press("dave", "Leave intros")
    await talk("mod", "/intro run-now")
    [(members, _)] = intros(chat)
    assert members == ("alice", "bob")


async def test_export_and_erase_cover_programmes_and_intros(talk: Talk, chat: FakeChat) -> None:
    await programme(talk, "alice", "bob")
    await talk("mod", "/intro run-now")
    await talk("alice", "/privacy export")
    data = talk.json("alice")["intros"]
    [joined] = data["programmes"]
    assert (joined["programme"], joined["every_rounds"]) == ("intros", 1)
    [intro] = data["intros"]
    assert intro["with"] == ["Bob"] and intro["programme"] == "intros"
    await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase my data")
    assert "no intros programme" in (await talk("alice", "/intro status")).text
    await talk("bob", "/privacy export")
    assert talk.json("bob")["intros"]["intros"][0]["with"] == []  # alice's place is gone
    stats = await talk("mod", "/intro stats")
    assert "Taking part: 1" in stats.text


async def test_the_home_shows_a_members_programmes(talk: Talk) -> None:
    assert not [r for r in await talk.core.home(talk.actor("alice")) if "Intros" in str(r)]
    await programme(talk, "alice")
    [section] = [
        r
        for r in await talk.core.home(talk.actor("alice"))
        if r.cards and r.cards[0].title == "Intros"
    ]
    [field] = section.cards[0].fields
    assert field.name == "intros" and "taking part, every round" in field.value


def test_a_serving_process_plans_rounds_in_its_worker_process() -> None:
    """The composition root's worker process (spawned, so it imports the engine alone)
    plans a round as the thread would, and the round leaves what start-up moved out of the
    garbage collector's reach where it was (a round once put it all back). The worker
    loads no more of copbot than the engine: not the application, storage or adapters."""

    people = [
        Participant(n, teaches=frozenset({f"t{n % 3}"}), learns=frozenset({f"t{(n + 1) % 3}"}))
        for n in range(1, 8)
    ]
    weekly = Programme(1, "intros", "c", True, Cadence(0, 10, 0, "UTC"), 2, 12, False, DUE)
    with serving_process():
        assert planner._worker is not None
        frozen = gc.get_freeze_count()
        planned = asyncio.run(planner.plan(people, weekly))
        assert frozen > 0 and gc.get_freeze_count() > frozen // 2  # a few were freed since
        loaded = planner._worker.submit(eval, "sorted(__import__('sys').modules)").result()
    assert "bot.intros.grouping" in loaded
    heavy = ("copbot", "storage", "adapters", "sqlalchemy", "discord", "slack_bolt", "aiohttp")
    assert [m for m in loaded if m.split(".")[0] in heavy] == []
    assert planner._worker is None
    expected = plan_round(people, planner.rules_of(weekly))
    assert planned.groups == expected.groups and planned.left_out == ()


async def test_a_channel_that_refuses_private_spaces_is_told_to_the_moderators(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await talk("mod", "/prompt moderators #mods")
    await programme(talk, "alice", "bob", "carol", "dave")
    chat.unavailable.add("intros")
    timer = runner(core, clock)
    for week in range(4):  # intros that never reached anyone are not ignored by them
        clock._now = DUE + timedelta(weeks=week)
        await timer.run_due()
        await talk.settle()
    assert not chat.spaces
    [told, *_] = [r.text for r in chat.posted_to("mods") if "private spaces" in r.text]
    assert told.startswith("I couldn't open intros' private spaces in <#intros>")
    assert "taking part" in (await talk("carol", "/intro status")).text  # not paused


async def test_a_round_run_early_asks_half_way_to_the_round_after_it(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await programme(talk, "alice", "bob")
    await talk("mod", "/intro run-now")  # an hour before it was due
    timer = runner(core, clock)
    clock._now = DUE + timedelta(hours=2)
    assert await timer.run_due() == 0  # it was this round: not run again
    await talk.settle()
    assert len(chat.spaces) == 1
    assert not [s for s in chat.sent if "did you meet" in s.reply.text]
    clock._now = DUE + timedelta(days=4)
    await timer.run_due()
    await talk.settle()
    assert len([s for s in chat.sent if "did you meet" in s.reply.text]) == 1


async def test_an_erase_drops_an_intro_still_waiting_to_go_out(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await programme(talk, "alice", "bob")
    chat.failing.add("p1")  # the space opens, the intro in it fails for now
    await talk("mod", "/intro run-now")
    assert chat.spaces and not [s for s in chat.sent if s.to.endswith("/p1")]
    await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase my data")
    chat.failing.clear()
    clock.advance(timedelta(hours=1))
    await talk.settle()
    assert not [s for s in chat.sent if s.to.endswith("/p1")]  # nothing names alice now


async def test_stats_count_a_pause_only_until_it_ends(talk: Talk, clock: ManualClock) -> None:
    await programme(talk, "alice", "bob")
    await talk("alice", "/intro pause until:2026-01-10")
    assert "Taking part: 1; paused: 1; left: 0" in (await talk("mod", "/intro stats")).text
    clock.advance(timedelta(days=6))
    assert "Taking part: 2; paused: 0; left: 0" in (await talk("mod", "/intro stats")).text
