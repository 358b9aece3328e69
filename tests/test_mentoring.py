"""Mentoring through the core: who may answer, races, timeouts, restarts, bad input,
the waitlist, rounds and privacy."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.common.cadence import Cadence
from bot.kernel.core import Core
from bot.kernel.messages import Action, Reply
from bot.mentoring import rounds
from bot.mentoring.matching import Plan
from bot.mentoring.model import OPEN, RoundPair, RoundSchedule
from bot.mentoring.publishing import publish_round
from bot.mentoring.runner import MentorRunner
from tests.fakes import FakeChat, ManualClock, Talk


async def community(talk: Talk) -> None:
    """bob (Berlin) fits alice (Paris) best, then dave (London), then carol (New York)."""
    await talk("mod", "/prompt moderators #mods")
    await talk("bob", "/profile set timezone:Europe/Berlin languages:english skills:python")
    await talk("dave", "/profile set timezone:Europe/London languages:english")
    await talk("carol", "/profile set timezone:America/New_York languages:english")
    await talk("alice", "/profile set timezone:Europe/Paris languages:english interests:python")
    for who, capacity in (("bob", 1), ("dave", 1), ("carol", 2)):
        reply = await talk(who, f"/mentor offer topics:python capacity:{capacity}")
        assert not reply.error, reply.text


def _space_of(chat: FakeChat, user: str) -> str:
    """The thread id of `user`'s own private mentoring space."""
    return next(f"p{n}" for n, (_, who) in enumerate(chat.spaces, 1) if who == (user,))


def ask_to(chat: FakeChat, user: str) -> list[Reply]:
    """Requests sent into `user`'s private mentoring space."""
    spaces = {f"p{n}" for n, (_, who) in enumerate(chat.spaces, 1) if who == (user,)}
    return [s.reply for s in chat.sent if s.to.split("/")[-1] in spaces and s.reply.buttons]


async def press(talk: Talk, user: str, on: Reply, label: str) -> Reply:
    return await talk.press(user, label, on=on)


async def test_the_best_mentor_is_asked_and_the_member_told_why(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    reply = await talk("alice", '/mentor request topic:Python note:"my first package"')
    assert reply.ephemeral and not reply.error
    assert "I asked Bob (python, 8 h overlap, speaks english, one place left)" in reply.text
    [ask] = ask_to(chat, "bob")
    assert "Alice would like you as their mentor on python" in ask.text
    assert [b.label for b in ask.buttons] == ["Accept", "Decline", "Decline and pause me"]
    assert "timezone" not in reply.text.casefold()  # no one's private settings


async def test_only_the_asked_mentor_can_answer(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    [ask] = ask_to(chat, "bob")
    for intruder in ("carol", "alice", "mallory"):
        for label in ("Accept", "Decline"):
            refused = await press(talk, intruder, ask, label)
            assert refused.error and "only the mentor being asked" in refused.text
    assert "#1 Alice on python" in (await talk("bob", "/mentor inbox")).text


async def test_forged_or_stale_buttons_change_nothing(
    core: Core, talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    for value in ("abc", "²", "999", "-1", ""):
        reply = await core.act(Action(talk.actor("bob"), "general", "mentor.accept", value))
        assert reply.error, value
    [ask] = ask_to(chat, "bob")
    assert not (await press(talk, "bob", ask, "Accept")).error
    stale = await press(talk, "bob", ask, "Decline")
    assert stale.error and stale.text == "You already accepted: match #1."
    assert "Mentoring: Alice & Bob (python)" in [name for name, _ in chat.spaces]


async def test_decline_moves_on_and_accept_matches_with_a_private_space(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    await press(talk, "bob", ask_to(chat, "bob")[0], "Decline")
    [ask] = ask_to(chat, "dave")
    accepted = await press(talk, "dave", ask, "Accept")
    assert "You're matched with Alice on python" in accepted.text
    assert ("Mentoring: Alice & Dave (python)", ("dave", "alice")) in chat.spaces
    welcome = chat.sent[-1]
    assert welcome.to.startswith("#general/p") and "Dave is mentoring Alice" in welcome.reply.text
    told = [s.reply.text for s in chat.sent if "couldn't take it" in s.reply.text]
    assert told and "so I asked Dave" in told[0]
    assert "#1 python: mentored by Dave" in (await talk("alice", "/mentor matches")).text
    # A mentor who declined is never asked again for this member and topic.
    await talk("alice", "/mentor end match:1")
    await talk.press("alice", "End match")
    again = await talk("alice", "/mentor request topic:python")
    assert "I asked Carol" in again.text  # not bob (declined), not dave (recent partner)


async def test_decline_and_pause(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    reply = await press(talk, "bob", ask_to(chat, "bob")[0], "Decline and pause me")
    assert "You're paused now" in reply.text
    assert "python: 3 mentors, 2 with room" in (await talk("mod", "/mentor topics")).text


async def test_no_answer_in_time_passes_the_request_on_and_survives_a_restart(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    from copbot.bootstrap import open_core

    async with open_core(sqlite_url, chat=chat, clock=clock) as core:
        talk = Talk(core)
        await community(talk)
        await talk("alice", "/mentor request topic:python")
    clock.advance(timedelta(hours=47))
    async with open_core(sqlite_url, chat=chat, clock=clock) as core:
        runner = MentorRunner(core.store, clock, core.outbox.wake)
        assert await runner.run_due() == 0
        clock.advance(timedelta(hours=1))
        assert await runner.run_due() == 1
        assert await runner.run_due() == 0  # once
        await Talk(core).settle()
        assert len(ask_to(chat, "dave")) == 1
        answered = await Talk(core).press("bob", "Accept", on=ask_to(chat, "bob")[0])
        assert answered.error  # too late: it moved on


async def test_an_ask_the_platform_failed_is_sent_again_once_it_is_back(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await community(talk)
    chat.failing.add("general")  # Discord answers 5xx for a while
    reply = await talk("alice", "/mentor request topic:python")
    assert not reply.error and "I asked Bob" in reply.text
    assert ask_to(chat, "bob") == []
    chat.failing.clear()
    await talk.settle()
    assert ask_to(chat, "bob") == []  # not yet: it waits a moment before trying again
    clock.advance(timedelta(seconds=3))
    await talk.settle()
    await talk.settle()
    assert len(ask_to(chat, "bob")) == 1


async def test_two_accepts_of_one_request_end_with_one_match(
    core: Core, talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    [ask] = ask_to(chat, "bob")
    action = Action(talk.actor("bob"), "general", "mentor.accept", ask.buttons[0].value)
    replies = await asyncio.gather(core.act(action), core.act(action))
    assert sorted(r.error for r in replies) == [False, True]
    assert next(r for r in replies if r.error).text == "You already accepted: match #1."
    assert (await talk("mod", "/mentor stats")).text.startswith("1 match made")


async def test_a_mentor_cannot_accept_past_capacity(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    """Two asks for bob's one place can't happen through commands any more; made by hand,
    two racing accepts still end with one match and the other moved on."""
    await community(talk)
    await talk("erin", "/profile set timezone:Europe/Berlin languages:english")
    await talk("alice", "/mentor request topic:python mentor:@bob")
    refused = await talk("erin", "/mentor request topic:python mentor:@bob")
    assert refused.error and "Bob isn't available for a request on python" in refused.text
    await talk("erin", "/mentor request topic:python")
    async with core.store.unit_of_work(talk.community) as uow:
        bob = await uow.members.by_user("bob")
        [erins] = await uow.mentoring.requests(OPEN, mentee_id=(await talk_member(uow, "erin")))
        assert bob is not None
        await uow.mentoring.ask([(erins.id, bob.id)], clock.now(), clock.now() + timedelta(days=1))
        await uow.commit()
    actions = [Action(talk.actor("bob"), "general", "mentor.accept", str(n)) for n in (1, 2)]
    replies = await asyncio.gather(*(core.act(a) for a in actions))
    assert sorted(r.error for r in replies) == [False, True]
    assert "places filled up" in next(r for r in replies if r.error).text
    assert len([r for r in replies if "matched" in r.text]) == 1


async def talk_member(uow: Any, user: str) -> int:
    member = await uow.members.by_user(user)
    assert member is not None
    return int(member.id)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/mentor request topic:knitting", "Nobody here mentors or lists “knitting”"),
        ("/mentor request topic:python mentor:@alice", "can't be your own mentor"),
        ("/mentor request topic:python mentor:@frank", "doesn't mentor here"),
        ("/mentor request topic:#!", "characters tags can't hold"),
        ("/mentor end match:7", "You have no match #7"),
        ("/mentor pause", "not a mentor yet"),
        ("/mentor offer capacity:0", "at least 1"),
        ("/mentor avoid member:@alice", "can't be matched with yourself"),
        ("/mentor round preview", "for moderators only"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    talk: Talk, chat: FakeChat, line: str, expected: str
) -> None:
    await community(talk)
    await talk("frank", "/profile show")
    before = len(chat.sent)
    reply = await talk("alice", line)
    assert reply.error and reply.ephemeral and expected in reply.text, reply.text
    assert len(chat.sent) == before
    assert "0 matches made" in (await talk("mod", "/mentor stats")).text
    assert "no open request" in (await talk("alice", "/mentor requests")).text


@pytest.mark.parametrize(
    ("zone", "until", "expected"),
    [
        ("Asia/Tokyo", "0001-01-01", "has passed"),
        ("Pacific/Kiritimati", "0001-01-01", "has passed"),
        ("Asia/Tokyo", "2026-01-05", "has passed"),  # today there
        ("America/New_York", "9999-12-31", "until 9999-12-31"),
    ],
)
async def test_a_pause_date_at_either_end_of_the_calendar_is_answered(
    talk: Talk, zone: str, until: str, expected: str
) -> None:
    await talk("bob", f"/profile set timezone:{zone}")
    await talk("bob", "/mentor offer topics:python")
    reply = await talk("bob", f"/mentor pause until:{until}")
    assert expected in reply.text and reply.error == (expected == "has passed"), reply.text


async def test_topics_count_mentors_and_those_with_room_now(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await community(talk)
    await talk("carol", "/mentor offer topics:python, sql capacity:2")
    await talk("alice", "/mentor request topic:python")
    await press(talk, "bob", ask_to(chat, "bob")[0], "Accept")  # bob's one place is taken
    until = (clock.now() + timedelta(days=3)).date().isoformat()
    await talk("dave", f"/mentor pause until:{until}")
    topics = (await talk("mod", "/mentor topics")).text
    assert topics.splitlines()[1:] == [
        "python: 3 mentors, 1 with room",
        "sql: 1 mentor, 1 with room",
    ]
    clock.advance(timedelta(days=4))  # dave's pause is over
    assert "python: 3 mentors, 2 with room" in (await talk("mod", "/mentor topics")).text


async def test_a_second_request_on_the_same_topic_and_an_ended_match(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    again = await talk("alice", "/mentor request topic:py")
    assert again.error and "already have a request on python" in again.text
    await press(talk, "bob", ask_to(chat, "bob")[0], "Accept")
    await talk("bob", "/mentor end match:1")
    ended = await talk.press("bob", "End match")
    assert ended.form is not None
    twice = await talk("alice", "/mentor end match:1")
    assert twice.error and "has ended already" in twice.text


async def test_feedback_once_per_side_with_a_valid_answer(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    await press(talk, "bob", ask_to(chat, "bob")[0], "Accept")
    await talk("alice", "/mentor end match:1")
    form = await talk.press("alice", "End match")
    bad = await talk.press("alice", "Send feedback", on=form, met="maybe")
    assert bad.error
    worse = await talk.press("alice", "Send feedback", on=form, met="yes", rating="9")
    assert worse.error and "1 to 5" in worse.text
    assert not (await talk.press("alice", "Send feedback", on=form, met="yes", rating="4")).error
    again = await talk.press("alice", "Send feedback", on=form, met="no")
    assert again.error and "already" in again.text
    [invite] = [s.reply for s in chat.sent if s.reply.buttons and "has ended" in s.reply.text]
    bob_form = await talk.press("bob", "Give feedback", on=invite)
    await talk.press("bob", "Send feedback", on=bob_form, met="yes", rating="5")
    stats = (await talk("mod", "/mentor stats")).text
    assert stats.startswith("1 match made, 1 met, rated 4.5/5")


async def test_dont_match_lists_work_both_ways_and_stay_private(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    await talk("alice", "/profile show")
    reply = await talk("bob", "/mentor avoid member:@alice")
    assert "Nobody else is told" in reply.text
    asked = await talk("alice", "/mentor request topic:python")
    assert "I asked Dave" in asked.text
    assert "Bob" not in asked.text
    assert "Alice" in (await talk("bob", "/mentor avoid")).text
    assert "empty" in (await talk("alice", "/mentor avoid")).text


async def test_waitlist_tells_moderators_and_asks_when_a_mentor_gets_room(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    for who in ("bob", "dave", "carol"):
        await talk(who, "/mentor pause")
    reply = await talk("alice", "/mentor request topic:python")
    assert "on the waitlist" in reply.text
    [notice] = chat.posted_to("mods")
    assert "Alice is waiting for a mentor on python" in notice.text
    await talk("dave", "/mentor resume")
    [ask] = ask_to(chat, "dave")
    assert "Alice would like you" in ask.text


async def test_a_round_assigns_open_requests_and_moderators_can_edit_it(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    for who in ("bob", "dave", "carol"):
        await talk(who, "/mentor pause")
    for who in ("alice", "erin", "gina"):
        await talk(who, "/mentor request topic:python")
    for who in ("bob", "dave"):
        await talk(who, "/mentor resume")  # each asked for the oldest waiting request
    preview = await talk("mod", "/mentor round preview")
    assert "Proposed round: 2 pair(s)" in preview.text and "1 request(s) left out" in preview.text
    dropped = await talk("mod", "/mentor round drop pair:2")
    assert "Proposed round: 1 pair(s)" in dropped.text
    bad = await talk("mod", "/mentor round swap pair:1 with:1")
    assert bad.error
    published = await talk("mod", "/mentor round publish")
    assert published.text.startswith(  # bob has had it since he resumed: nothing new goes out
        "Published: 0 mentors asked; 1 pair(s) already with their mentor keep their time"
    )
    again = await talk("mod", "/mentor round publish")
    assert again.error and "no proposed round" in again.text


async def test_other_commands_go_ahead_while_a_round_is_solved(
    talk: Talk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large round takes a while; on SQLite every unit of work takes turns on one
    lock, so the round must not hold it while it plans."""
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    solving, resume = asyncio.Event(), asyncio.Event()
    solve = rounds.plan_round_off_loop

    async def slow_solve(*problem: Any) -> Plan:
        solving.set()
        await resume.wait()
        return await solve(*problem)

    monkeypatch.setattr(rounds, "plan_round_off_loop", slow_solve)
    preview = asyncio.create_task(talk("mod", "/mentor round preview"))
    await solving.wait()
    try:
        meanwhile = await asyncio.wait_for(
            talk("erin", "/profile set timezone:Europe/Rome"), timeout=5
        )
    finally:
        resume.set()
    assert not meanwhile.error
    assert "Proposed round: 1 pair(s)" in (await preview).text


async def test_publishing_rechecks_every_pair_and_skips_what_changed(
    core: Core, talk: Talk, clock: ManualClock
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")  # bob is asked
    await talk("erin", "/mentor request topic:python")
    await talk("erin", "/mentor avoid member:@carol")  # since a preview paired them
    async with core.store.unit_of_work(talk.community) as uow:
        people = {m.user_id: m.id for m in (await uow.members.by_ids(range(1, 50))).values()}
        open_requests = {r.mentee_id: r.id for r in await uow.mentoring.requests(OPEN)}
        alice, erin = open_requests[people["alice"]], open_requests[people["erin"]]
        pairs = [
            RoundPair(alice, people["carol"], 70.0),  # moves from bob to carol
            RoundPair(erin, people["carol"], 70.0),  # erin no longer matches carol
            RoundPair(9999, people["dave"], 70.0),  # a request that closed
        ]
        published = await publish_round(uow, pairs, [erin], clock.now())
        await uow.commit()
    assert published.asked == (alice,) and published.skipped == 2
    async with core.store.unit_of_work(talk.community) as uow:
        moved = await uow.mentoring.request(alice)
        skipped = await uow.mentoring.request(erin)
    assert moved is not None and moved.mentor_id == people["carol"]
    assert skipped is not None and skipped.mentor_id != people["carol"] and skipped.left_out == 1


async def test_privacy_export_and_erase_cover_mentoring(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    await talk("alice", "/mentor avoid member:@carol")
    await talk("alice", "/mentor request topic:python")
    await press(talk, "bob", ask_to(chat, "bob")[0], "Accept")
    await talk("bob", "/privacy export")
    exported = talk.json("bob")["mentoring"]
    assert exported["mentor_offer"]["topics"] == ["python"]
    assert exported["matches"][0]["role"] == "mentor"
    await talk("alice", "/privacy export")
    assert talk.json("alice")["mentoring"]["dont_match_with"] == ["Carol"]
    await talk("bob", "/privacy erase")
    await talk.press("bob", "Erase my data")
    assert "python: 2 mentors" in (await talk("mod", "/mentor topics")).text
    assert "no active match" in (await talk("alice", "/mentor matches")).text  # it ended
    assert (await talk("alice", "/mentor stats")).text.startswith("1 match made")  # still made
    [told] = [s for s in chat.sent if "erased their data" in s.reply.text]
    assert told.to.endswith(_space_of(chat, "alice"))
    assert told.reply.text.startswith("Your mentoring match #1 on python has ended: your mentor")
    assert "Bob" not in told.reply.text and told.reply.buttons[0].label == "Give feedback"
    rated = await talk.press("alice", "Give feedback", on=told.reply)
    assert rated.form is not None  # the one left can still say how it went


async def test_an_erasing_mentee_frees_the_mentor_for_the_waitlist(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    await press(talk, "bob", ask_to(chat, "bob")[0], "Accept")
    await talk("erin", "/profile set timezone:Europe/Berlin languages:english")
    await talk("erin", "/mentor request topic:python")  # dave (room) is asked
    await press(talk, "dave", ask_to(chat, "dave")[0], "Accept")
    await talk("frank", "/mentor request topic:python")  # carol (room 2) is asked
    await press(talk, "carol", ask_to(chat, "carol")[0], "Decline")
    await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase my data")
    told = [s.reply.text for s in chat.sent if "your mentee erased" in s.reply.text]
    assert len(told) == 1
    assert any("Frank" in r.text for r in ask_to(chat, "bob")[1:])  # off the waitlist


async def test_home_shows_matches_requests_and_asks(core: Core, talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    assert not any(
        r.cards and r.cards[0].title == "Mentoring" for r in await core.home(talk.actor("alice"))
    )
    await talk("alice", "/mentor request topic:python")
    [alice_home] = [
        r
        for r in await core.home(talk.actor("alice"))
        if r.cards and r.cards[0].title == "Mentoring"
    ]
    assert alice_home.cards[0].fields[0].value == "a mentor is deciding"
    [bob_home] = [
        r for r in await core.home(talk.actor("bob")) if r.cards and r.cards[0].title == "Mentoring"
    ]
    assert bob_home.cards[0].fields[0].name == "Asked of you: #1 python"
    accepted = await talk.press("bob", "Accept #1", on=bob_home)
    assert "matched" in accepted.text
    [bob_home] = [
        r for r in await core.home(talk.actor("bob")) if r.cards and r.cards[0].title == "Mentoring"
    ]
    assert bob_home.cards[0].fields[0].value == "mentoring Alice" and not bob_home.buttons


async def waiting_for_wednesday(talk: Talk) -> None:
    """Mentors away until Wednesday, so alice's and erin's requests wait for a round."""
    await community(talk)
    for who in ("bob", "dave", "carol"):
        await talk(who, "/mentor pause until:2026-01-07")
    for who in ("alice", "erin"):
        assert "waitlist" in (await talk(who, "/mentor request topic:python")).text


async def test_a_scheduled_round_runs_once_when_due_and_tells_the_moderators(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await waiting_for_wednesday(talk)
    scheduled = await talk("mod", "/mentor round schedule day:wednesday time:10:00 timezone:UTC")
    assert "Wednesdays at 10:00 UTC" in scheduled.text
    runner = MentorRunner(core.store, clock, core.outbox.wake)
    clock._now = datetime(2026, 1, 7, 9, 59, tzinfo=UTC)
    await runner.run_due()
    await talk.settle()
    assert not ask_to(chat, "bob") and not ask_to(chat, "dave")  # not due yet
    clock._now = datetime(2026, 1, 7, 10, 0, 30, tzinfo=UTC)
    await runner.run_due()
    await runner.run_due()  # the same due time: nothing more
    await talk.settle()
    asked = ask_to(chat, "bob") + ask_to(chat, "dave") + ask_to(chat, "carol")
    assert sorted(a.text.split(" would like")[0] for a in asked) == ["Alice", "Erin"]
    [notice] = [r for r in chat.posted_to("mods") if "weekly matching round" in r.text]
    assert notice.text.startswith("The weekly matching round asked 2 mentor(s); 0 request(s)")


async def test_a_round_missed_by_hours_is_skipped_and_the_next_week_runs(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await waiting_for_wednesday(talk)
    await talk("mod", "/mentor round schedule day:wednesday time:10:00 timezone:UTC")
    runner = MentorRunner(core.store, clock, core.outbox.wake)
    clock._now = datetime(2026, 1, 7, 17, 0, tzinfo=UTC)  # copbot was down at 10:00
    await runner.run_due()
    await talk.settle()
    told = [r.text for r in chat.posted_to("mods") if "weekly matching round" in r.text]
    assert told == ["The weekly matching round was skipped: copbot wasn't running then."]
    assert not ask_to(chat, "bob") and not ask_to(chat, "dave")
    clock._now = datetime(2026, 1, 14, 10, 1, tzinfo=UTC)
    await runner.run_due()
    await talk.settle()
    assert any("asked 2 mentor(s)" in r.text for r in chat.posted_to("mods"))


async def test_unscheduled_rounds_stop(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    nothing = await talk("mod", "/mentor round unschedule")
    assert nothing.error and "nothing to stop" in nothing.text
    await waiting_for_wednesday(talk)
    await talk("mod", "/mentor round schedule day:wednesday time:10:00 timezone:UTC")
    assert not (await talk("mod", "/mentor round unschedule")).error
    clock._now = datetime(2026, 1, 7, 10, 1, tzinfo=UTC)
    await MentorRunner(core.store, clock, core.outbox.wake).run_due()
    await talk.settle()
    assert not any("weekly matching round" in r.text for r in chat.posted_to("mods"))
    bad = await talk("mod", "/mentor round schedule day:wednesday time:25:00 timezone:UTC")
    assert bad.error and "isn't a time" in bad.text


async def test_a_large_round_answers_at_once_and_every_ask_follows(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    mentors = [f"mentor{n}" for n in range(30)]
    for who in mentors:  # room for two each: identical mentees share 20 candidates
        await talk(who, "/mentor offer topics:python capacity:2")
        await talk(who, "/mentor pause until:2026-01-06")
    for n in range(len(mentors)):
        await talk(f"mentee{n}", "/mentor request topic:python")
    clock._now += timedelta(days=1)
    await talk("mod", "/mentor round preview")
    published = await core.invoke_text(talk.actor("mod"), "general", "/mentor round publish")
    assert published.text.startswith(f"Published: {len(mentors)} mentors asked")

    def delivered() -> int:
        return sum(len(ask_to(chat, who)) for who in mentors)

    await talk.settle()
    assert delivered() == len(mentors)


def test_a_round_in_the_hour_clocks_fall_back_is_due_once() -> None:
    """01:30 happens twice in London on 25 October 2026; the round is due at the first."""
    before = RoundSchedule(Cadence(6, 1, 30, "Europe/London"), datetime(2026, 10, 24, tzinfo=UTC))
    after_the_fold = datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    first_pass = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    assert before.due(after_the_fold) == first_pass
    assert replace(before, last_due=first_pass).due(after_the_fold) is None
