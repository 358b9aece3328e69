"""Everyone knows where a request stands: asks take a mentor's places, and a mentor hears
when an ask leaves them (and their stale buttons say why)."""

from __future__ import annotations

from datetime import timedelta

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
    assert last.text == "Declined. Nobody else fitting has room, so it waits on the waitlist."


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
