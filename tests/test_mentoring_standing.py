"""Everyone knows where a request stands: asks take a mentor's places, and a mentor hears
when an ask leaves them (and their stale buttons say why)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.kernel.messages import Reply
from bot.mentoring.model import RoundPair
from bot.mentoring.runner import MentorRunner
from tests.fakes import FakeChat, ManualClock, Talk
from tests.test_mentoring import ask_to, community


def news_to(chat: FakeChat, user: str) -> list[str]:
    """What copbot told `user` in their private space, without buttons."""
    spaces = {f"p{n}" for n, (_, who) in enumerate(chat.spaces, 1) if who == (user,)}
    return [
        s.reply.text for s in chat.sent if s.to.split("/")[-1] in spaces and not s.reply.buttons
    ]


async def carol_alone(talk: Talk) -> None:
    """Only carol (two places) takes requests; alice and erin ask her."""
    await community(talk)
    await talk("erin", "/profile set timezone:Europe/Rome languages:english")
    for who in ("bob", "dave"):
        await talk(who, "/mentor pause")
    for who in ("alice", "erin"):
        assert "I asked Carol" in (await talk(who, "/mentor request topic:python")).text


async def test_an_ask_in_flight_takes_the_mentors_place(talk: Talk, chat: FakeChat) -> None:
    await community(talk)  # bob, the best fit, has one place
    await talk("erin", "/profile set timezone:Europe/Berlin languages:english")
    assert "I asked Bob" in (await talk("alice", "/mentor request topic:python")).text
    second = await talk("erin", "/mentor request topic:python")
    assert "I asked Dave" in second.text, second.text
    assert len(ask_to(chat, "bob")) == 1


async def test_a_lower_capacity_moves_the_newest_ask_on_at_once(talk: Talk, chat: FakeChat) -> None:
    await carol_alone(talk)
    erins = ask_to(chat, "carol")[1]
    await talk("carol", "/mentor offer capacity:1")
    assert news_to(chat, "carol") == [
        "Your places are full, so I passed Erin's request on python on: there's nothing for "
        "you to answer there now."
    ]
    assert any("couldn't take it" in t and "waitlist" in t for t in news_to(chat, "erin"))
    stale = await talk.press("carol", "Accept", on=erins)
    assert stale.error and stale.text == (
        "Your places filled up, so I passed this request on to another mentor."
    )
    assert "#1 Alice on python" in (await talk("carol", "/mentor inbox")).text


async def test_a_withdrawn_request_tells_its_mentor(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    await talk("alice", "/mentor requests")
    await talk.press("alice", "Withdraw #1")
    assert news_to(chat, "bob") == [
        "Alice withdrew their request on python: there's nothing for you to answer there now."
    ]
    stale = await talk.press("bob", "Accept", on=ask_to(chat, "bob")[0])
    assert stale.error and stale.text == "Alice withdrew this request."


async def test_a_timeout_tells_the_mentor_and_their_late_accept_says_so(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    clock.advance(timedelta(hours=49))
    assert await MentorRunner(talk.core.store, clock).run_due() == 1
    await talk.settle()
    assert news_to(chat, "bob") == [
        "Your time to answer Alice's request on python ran out: there's nothing for you to "
        "answer there now."
    ]
    late = await talk.press("bob", "Accept", on=ask_to(chat, "bob")[0])
    assert late.error and "time to answer ran out" in late.text
    assert len(ask_to(chat, "dave")) == 1


async def test_a_match_on_another_topic_closes_the_other_ask_and_tells_its_mentor(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    await talk("frank", "/profile set timezone:Europe/Paris languages:english skills:sql")
    await talk("frank", "/mentor offer topics:sql capacity:1")
    await talk("alice", "/mentor request topic:python")
    await talk("alice", "/mentor request topic:sql")
    await talk.press("frank", "Accept", on=ask_to(chat, "frank")[0])
    assert news_to(chat, "bob") == [
        "Alice was matched on another request, so their request on python closed: there's "
        "nothing for you to answer there now."
    ]
    stale = await talk.press("bob", "Decline", on=ask_to(chat, "bob")[0])
    assert stale.text == "Alice was matched on another request, so this one closed."


async def test_a_declining_mentor_hears_where_the_request_went(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    declined = await talk.press("bob", "Decline", on=ask_to(chat, "bob")[0])
    assert declined.text == "Declined. I've asked another mentor."
    assert news_to(chat, "bob") == []  # they know: they pressed it
    again = await talk.press("bob", "Accept", on=ask_to(chat, "bob")[0])
    assert again.text == "You declined this request, so it moved on."
    for who in ("dave", "carol"):
        last = await talk.press(who, "Decline", on=ask_to(chat, who)[-1])
    assert (
        last.text == "Declined. No other mentor is available for it, so it waits on the waitlist."
    )


async def test_an_ask_never_delivered_is_not_taken_back(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await community(talk)
    chat.failing.add("general")  # the ask can't go out yet
    await talk("alice", "/mentor request topic:python")
    await talk("alice", "/mentor requests")
    await talk.press("alice", "Withdraw #1")
    chat.failing.clear()
    clock.advance(timedelta(minutes=5))  # past any retry's wait
    await talk.settle()
    assert ask_to(chat, "bob") == [] and news_to(chat, "bob") == []
    assert any("Withdrew your request #1" in r.text for r in [talk.last["alice"]])


async def two_asked(talk: Talk) -> None:
    """alice is with bob, erin with dave (bob's one place is promised), carol is paused."""
    await community(talk)
    await talk("erin", "/profile set timezone:Europe/Rome languages:english")
    await talk("carol", "/mentor pause")
    assert "I asked Bob" in (await talk("alice", "/mentor request topic:python")).text
    assert "I asked Dave" in (await talk("erin", "/mentor request topic:python")).text


async def test_a_published_swap_tells_both_mentees_and_both_mentors(
    talk: Talk, chat: FakeChat
) -> None:
    await two_asked(talk)
    preview = await talk("mod", "/mentor round preview")
    assert "1. Alice on python ← Bob" in preview.text and "2. Erin on python ← Dave" in preview.text
    await talk("mod", "/mentor round swap pair:1 with:2")
    before = len(chat.sent)
    published = await talk("mod", "/mentor round publish")
    assert published.text == ("Published: 2 mentors asked; 0 pair(s) had changed and were skipped.")
    asks = [s for s in chat.sent[before:] if s.reply.buttons]
    assert len(asks) == 2  # as many messages as the reply counts
    assert any("instead of Bob, I asked Dave" in t for t in news_to(chat, "alice"))
    assert any("instead of Dave, I asked Bob" in t for t in news_to(chat, "erin"))
    assert "A matching round gave Alice's request on python to another mentor" in " ".join(
        news_to(chat, "bob")
    )
    stale = await talk.press("bob", "Accept", on=ask_to(chat, "bob")[0])
    assert stale.text == "A matching round gave this request to another mentor."
    assert "#1 Alice on python" in (await talk("dave", "/mentor inbox")).text


async def test_a_preview_names_who_is_left_out(talk: Talk) -> None:
    await two_asked(talk)
    await talk("gina", "/mentor request topic:python")  # nobody has room: the waitlist
    preview = await talk("mod", "/mentor round preview")
    assert "1 request(s) left out" in preview.text
    assert "Left out: Gina on python." in preview.text


async def test_previewing_again_keeps_the_moderators_edits_until_discarded(talk: Talk) -> None:
    await two_asked(talk)
    await talk("mod", "/mentor round preview")
    await talk("mod", "/mentor round swap pair:1 with:2")
    await talk("mod", "/mentor round drop pair:2")  # erin, now with bob, is taken out
    await talk("gina", "/mentor request topic:python")
    again = await talk("mod", "/mentor round preview")
    assert "1. Alice on python ← Dave" in again.text, again.text
    assert "Left out:" in again.text and "Erin on python" in again.text
    assert "Your edits are kept: 1 request(s) you dropped stay out, 1 swapped pair(s)" in again.text
    await talk("mod", "/mentor round discard")
    fresh = await talk("mod", "/mentor round preview")
    assert "1. Alice on python ← Bob" in fresh.text and "edits" not in fresh.text


async def test_a_left_out_ask_beyond_its_mentors_places_moves_on_when_published(
    talk: Talk, chat: FakeChat
) -> None:
    """The round gives bob's one place to erin and leaves alice out: alice's ask to bob
    can't stand beside erin's, so it moves on at once instead of timing out."""
    await two_asked(talk)
    await talk("dave", "/mentor pause")
    await talk("mod", "/mentor round preview")
    async with talk.core.store.unit_of_work(talk.community) as uow:
        current = await uow.mentoring.preview()
        bob = await uow.members.by_user("bob")
        assert current is not None and bob is not None
        edited = replace(current, pairs=(RoundPair(2, bob.id, 80.0),), left_out=(1,))
        await uow.mentoring.save_round(edited, talk.core.clock.now())
        await uow.commit()
    published = await talk("mod", "/mentor round publish")
    assert published.text.startswith("Published: 1 mentor asked")
    assert any("Your places are full" in t for t in news_to(chat, "bob"))
    assert any("couldn't take it" in t for t in news_to(chat, "alice"))
    inbox = (await talk("bob", "/mentor inbox")).text
    assert "Erin" in inbox and "Alice" not in inbox


async def test_leaving_the_waitlist_tells_the_mentee(talk: Talk, chat: FakeChat) -> None:
    await community(talk)
    for who in ("bob", "dave", "carol"):
        await talk(who, "/mentor pause")
    await talk("alice", "/mentor request topic:python")
    await talk("dave", "/mentor resume")
    assert news_to(chat, "alice") == [
        "Good news on your request #1: a mentor for python became available, so I asked "
        "Dave (python, 7 h overlap, speaks english, one place left)."
    ]


async def test_the_inbox_answers_each_request(talk: Talk, chat: FakeChat) -> None:
    await carol_alone(talk)
    inbox = await talk("carol", "/mentor inbox")
    assert [b.label for b in inbox.buttons] == [
        "Accept #1",
        "Decline #1",
        "Accept #2",
        "Decline #2",
    ]
    accepted = await talk.press("carol", "Accept #2", on=inbox)
    assert "You're matched with Erin" in accepted.text
    declined = await talk.press("carol", "Decline #1", on=inbox)
    assert declined.text.startswith("Declined.")


# Each wording the issue found false, with what is said instead.


async def test_a_member_who_doesnt_mentor_is_not_said_to_be_listed_by_topics(talk: Talk) -> None:
    await community(talk)
    refused = await talk("alice", "/mentor request topic:python mentor:@frank")
    assert refused.error and "shows who does" not in refused.text
    assert "`/mentor topics` shows the topics on offer" in refused.text


async def test_an_avoided_mentor_with_room_is_not_revealed_as_having_room(talk: Talk) -> None:
    await community(talk)
    await talk("alice", "/mentor avoid member:@carol")
    for who in ("bob", "dave"):
        await talk(who, "/mentor pause")
    waiting = await talk("alice", "/mentor request topic:python")
    assert waiting.text.startswith("No mentor for python is available right now")
    assert "room" not in waiting.text and "Carol" not in waiting.text


async def test_no_working_hours_in_common_is_not_given_as_a_reason(talk: Talk) -> None:
    await community(talk)
    await talk("kai", "/profile set timezone:Pacific/Auckland languages:english")
    await talk("kai", "/mentor offer topics:python capacity:2")
    for who in ("bob", "dave", "carol"):
        await talk(who, "/mentor pause")
    asked = await talk("alice", "/mentor request topic:python")
    assert "I asked Kai (python, speaks english, has room)" in asked.text, asked.text


async def test_removing_someone_never_on_the_list_says_so(talk: Talk) -> None:
    await community(talk)
    refused = await talk("alice", "/mentor avoid member:@bob remove:true")
    assert refused.error and refused.text == "Bob isn't on your don't-match list."
    assert "empty" in (await talk("alice", "/mentor avoid")).text


async def test_nobody_is_promised_another_mentor_when_none_is_left(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    for who in ("bob", "dave"):
        await talk(who, "/mentor pause")
    asked = await talk("alice", "/mentor request topic:python")
    assert "if they can't, your request waits on the waitlist" in asked.text
    assert "next best" not in asked.text
    [ask] = ask_to(chat, "carol")
    assert "someone else" not in ask.text and "another mentor or the waitlist" in ask.text
    declined = await talk.press("carol", "Decline", on=ask)
    assert "someone else" not in declined.text and "waits on the waitlist" in declined.text


async def test_stopping_mentoring_says_what_happens_then_moves_the_asks_on(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    asked = await talk("erin", "/mentor request topic:python")  # dave
    await talk.press("dave", "Accept", on=ask_to(chat, "dave")[0])
    assert "I asked Dave" in asked.text
    await talk("gina", "/mentor request topic:python")  # carol
    await talk("carol", "/mentor offer capacity:3")
    confirm = await talk("bob", "/mentor stop")
    assert confirm.text == (
        "Stop mentoring? You'll no longer be asked; the 1 request(s) waiting for your answer "
        "move on to other mentors now; you have no running match. `/mentor offer` makes you "
        "a mentor again any time."
    )
    assert ask_to(chat, "carol")[-1].text.startswith("Gina")  # nothing changed yet
    done = await talk.press("bob", "Stop mentoring")
    assert done.text.startswith("You've stopped mentoring: nobody will ask you. 1 request(s)")
    assert ask_to(chat, "carol")[-1].text.startswith("Alice would like you")
    assert any("so I asked Carol" in t for t in news_to(chat, "alice"))
    stale = await talk.press("bob", "Accept", on=ask_to(chat, "bob")[0])
    assert stale.text == "You stopped mentoring, so this request moved on."
    assert "python: 2 mentors" in (await talk("mod", "/mentor topics")).text
    again = await talk.press("bob", "Stop mentoring", on=confirm)
    assert again.error and "nothing to stop" in again.text
    dave = await talk("dave", "/mentor stop")
    assert "your 1 running match(es) stay yours until you end them" in dave.text


async def test_moderators_see_the_waitlist(talk: Talk) -> None:
    await community(talk)
    for who in ("bob", "dave", "carol"):
        await talk(who, "/mentor pause")
    assert "Nobody is on" in (await talk("mod", "/mentor waitlist")).text
    for who in ("alice", "erin"):
        await talk(who, "/mentor request topic:python")
    shown = await talk("mod", "/mentor waitlist")
    assert shown.text.startswith("On the waitlist (2), oldest first:\n#1 Alice on python, since")
    assert "#2 Erin on python" in shown.text
    refused = await talk("alice", "/mentor waitlist")
    assert refused.error and "for moderators only" in refused.text


async def test_a_mentor_is_reminded_before_the_deadline_once(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    outbox = talk.core.outbox
    assert outbox is not None
    clock.advance(timedelta(hours=35))
    await outbox.run_due()
    assert len(ask_to(chat, "bob")) == 1  # not yet
    clock.advance(timedelta(hours=1, minutes=1))
    await outbox.run_due()
    await outbox.run_due()
    reminders = [r for r in ask_to(chat, "bob") if r.text.startswith("A reminder")]
    assert len(reminders) == 1
    assert reminders[0].text.startswith(
        "A reminder: Alice's request on python waits for your answer until Wed 07 Jan 10:00"
    )
    accepted = await talk.press("bob", "Accept", on=reminders[0])
    assert "You're matched with Alice" in accepted.text


async def test_no_reminder_once_the_ask_is_answered(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    await talk.press("bob", "Decline", on=ask_to(chat, "bob")[0])
    clock.advance(timedelta(hours=37))
    assert talk.core.outbox is not None
    await talk.core.outbox.run_due()
    assert not any(r.text.startswith("A reminder") for r in ask_to(chat, "bob"))


async def time_out(talk: Talk, clock: ManualClock, mentee: str) -> None:
    """`mentee` asks for rust (bob alone mentors it), and bob lets the time run out."""
    asked = await talk(mentee, "/mentor request topic:rust")
    assert "I asked Bob" in asked.text, asked.text
    clock.advance(timedelta(hours=49))
    assert await MentorRunner(talk.core.store, clock).run_due() == 1
    await talk.settle()


async def test_three_asks_in_a_row_timed_out_pause_the_mentor(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await talk("mod", "/prompt moderators #mods")
    await talk("bob", "/mentor offer topics:rust capacity:1")
    for mentee in ("alice", "erin"):
        await time_out(talk, clock, mentee)
    assert "No mentor is paused" in (await talk("mod", "/mentor paused")).text
    await time_out(talk, clock, "gina")
    assert news_to(chat, "bob")[-1].startswith(
        "Three requests in a row ran out of time before you answered, so I've paused you"
    )
    assert "`/mentor resume`" in news_to(chat, "bob")[-1]
    assert any("I paused Bob after three requests" in r.text for r in chat.posted_to("mods"))
    listed = await talk("mod", "/mentor paused")
    assert "Bob: paused by copbot: three requests in a row ran out of time" in listed.text
    waiting = await talk("henry", "/mentor request topic:rust")
    assert "waitlist" in waiting.text
    await talk("bob", "/mentor resume")  # the oldest waiting request he hasn't passed on
    assert ask_to(chat, "bob")[-1].text.startswith("Henry would like you")
    assert "No mentor is paused" in (await talk("mod", "/mentor paused")).text


async def test_an_answer_ends_the_streak(talk: Talk, chat: FakeChat, clock: ManualClock) -> None:
    await talk("bob", "/mentor offer topics:rust capacity:1")
    for mentee in ("alice", "erin"):
        await time_out(talk, clock, mentee)
    await talk("gina", "/mentor request topic:rust")
    await talk.press("bob", "Decline", on=ask_to(chat, "bob")[-1])
    await time_out(talk, clock, "henry")
    assert not any("paused you" in t for t in news_to(chat, "bob"))


# Care for a match


async def test_a_goal_goes_with_the_ask_and_into_the_match_space(
    talk: Talk, chat: FakeChat
) -> None:
    await community(talk)
    await talk("alice", '/mentor request topic:python goal:"publish a package on PyPI"')
    [ask] = ask_to(chat, "bob")
    assert "\nTheir goal: publish a package on PyPI\n" in ask.text
    assert "(goal: publish a package on PyPI)" in (await talk("bob", "/mentor inbox")).text
    await talk.press("bob", "Accept", on=ask)
    welcome = chat.sent[-1].reply.text
    assert "Dave" not in welcome and "Alice's goal: publish a package on PyPI" in welcome


async def ended_match(talk: Talk, chat: FakeChat) -> tuple[Reply, Reply]:
    """alice and bob's match #1 has ended: alice's form, and bob's invitation to give his."""
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    await talk.press("bob", "Accept", on=ask_to(chat, "bob")[0])
    await talk("alice", "/mentor end match:1")
    form = await talk.press("alice", "End match")
    [invite] = [s.reply for s in chat.sent if s.reply.buttons and "has ended" in s.reply.text]
    return form, invite


async def test_what_changed_reaches_moderators_named_only_if_agreed(
    talk: Talk, chat: FakeChat
) -> None:
    form, invite = await ended_match(talk, chat)
    assert "No stories yet" in (await talk("mod", "/mentor stories")).text
    said = {"met": "yes", "changed": "I shipped my first package"}
    refused = await talk.press("alice", "Send feedback", on=form, named="maybe", **said)
    assert refused.error and "May moderators see your name" in refused.text
    assert not (await talk.press("alice", "Send feedback", on=form, **said)).error
    bob_form = await talk.press("bob", "Give feedback", on=invite)
    named = {"met": "yes", "changed": "I learnt to explain", "named": "yes"}
    assert not (await talk.press("bob", "Send feedback", on=bob_form, **named)).error
    stories = (await talk("mod", "/mentor stories")).text
    assert "“I learnt to explain” (Bob, python)" in stories
    assert "“I shipped my first package” (a mentee, python)" in stories
    assert "Alice" not in stories
    refused = await talk("alice", "/mentor stories")
    assert refused.error and "for moderators only" in refused.text


async def test_an_overlong_story_is_refused(talk: Talk, chat: FakeChat) -> None:
    form, _ = await ended_match(talk, chat)
    long = await talk.press("alice", "Send feedback", on=form, met="yes", changed="x" * 501)
    assert long.error and "up to 500 characters" in long.text
    assert "No stories yet" in (await talk("mod", "/mentor stories")).text


async def matched(talk: Talk, chat: FakeChat) -> None:
    """alice and bob are match #1."""
    await community(talk)
    await talk("alice", "/mentor request topic:python")
    await talk.press("bob", "Accept", on=ask_to(chat, "bob")[0])


def checkins(chat: FakeChat, user: str) -> list[Reply]:
    return [r for r in ask_to(chat, user) if r.text.startswith("How is your mentoring")]


async def later(talk: Talk, clock: ManualClock, delta: timedelta) -> None:
    """Time passes: the timer runs mentoring's work and the outbox's due sends."""
    clock.advance(delta)
    await MentorRunner(talk.core.store, clock).run_due()
    assert talk.core.outbox is not None
    await talk.core.outbox.run_due()


async def test_a_match_is_asked_how_it_goes_half_way_and_going_well_keeps_it(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await matched(talk, chat)
    await later(talk, clock, timedelta(weeks=4) - timedelta(minutes=5))
    assert checkins(chat, "alice") == []
    await later(talk, clock, timedelta(minutes=10))
    [alices], [bobs] = checkins(chat, "alice"), checkins(chat, "bob")
    assert alices.text.startswith("How is your mentoring on python with Bob going (match #1)?")
    assert "with Alice" in bobs.text
    assert [b.label for b in alices.buttons] == [
        "Going well",
        "Could use a hand",
        "We're done: end it",
    ]
    well = await talk.press("alice", "Going well", on=alices)
    assert well.text == "Glad to hear it! Match #1 keeps going."
    await later(talk, clock, timedelta(weeks=5))
    assert "#1 python: mentoring Alice" in (await talk("bob", "/mentor matches")).text


async def test_a_match_nobody_touches_ends_by_itself_with_the_feedback_form(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await matched(talk, chat)
    await later(talk, clock, timedelta(weeks=4, minutes=1))
    await later(talk, clock, timedelta(weeks=4))
    assert "no active match" in (await talk("bob", "/mentor matches")).text
    invites = [
        r for who in ("alice", "bob") for r in ask_to(chat, who) if "ended by itself" in r.text
    ]
    assert len(invites) == 2
    form = await talk.press("alice", "Give feedback", on=invites[0])
    assert form.form is not None and "changed" in [f.name for f in form.form.fields]
    await later(talk, clock, timedelta(weeks=1))
    assert len([r for who in ("alice", "bob") for r in checkins(chat, who)]) == 2  # once


async def test_a_match_that_ended_gets_no_checkin_and_a_hand_tells_moderators(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await matched(talk, chat)
    await talk("erin", "/profile set timezone:Europe/Paris languages:english")
    await talk("erin", "/mentor request topic:python")  # dave
    await talk.press("dave", "Accept", on=ask_to(chat, "dave")[0])
    await talk("alice", "/mentor end match:1")
    await talk.press("alice", "End match")
    await later(talk, clock, timedelta(weeks=4, minutes=1))
    assert checkins(chat, "alice") == [] and len(checkins(chat, "erin")) == 1
    helped = await talk.press("erin", "Could use a hand", on=checkins(chat, "erin")[0])
    assert "the moderators know" in helped.text
    told = [r.text for r in chat.posted_to("mods")]
    assert "Mentoring match #2 on python could use a hand: Erin said so at its check-in." in told
    stale = await talk.press("alice", "Going well", on=checkins(chat, "erin")[0])
    assert stale.error and "You have no match #2" in stale.text


async def test_moderators_set_when_the_checkin_comes(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    set_to = await talk("mod", "/mentor setup check-in-weeks:2")
    assert "asked how it is going after 2 week(s)" in set_to.text
    await matched(talk, chat)
    await later(talk, clock, timedelta(weeks=2, minutes=1))
    assert len(checkins(chat, "alice")) == 1
