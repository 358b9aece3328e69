"""A member with every kind of data copbot keeps, for the privacy tests on both engines.

Zed (platform id `zqzed7`, a moderator) has a profile, a mentor offer, a don't-match list,
requests with notes and a goal (one matched, with feedback saying what changed; one still
open), an active match (its check-in due later), a decline and asks waiting for them (one's
reminder due later), library entries (one others voted for, one nobody
did, a chat message of someone else's they saved), a vote, a chat message of theirs that
Bob saved, a pending prompt suggestion, answers under a posted prompt, and audit entries
whose words survive only in the audit log, and an intros programme they joined, with an
intro to Dave. Bob keeps Zed on his don't-match list. Zed thanked Bob, and Bob thanked
Zed, each with a reason.

Every distinctive word is in `WORDS`: an erase must leave none of them anywhere.
"""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.core import Core
from bot.kernel.messages import ChatMessage, MessageRef, Reply
from bot.prompts.runner import PromptRunner
from tests.fakes import FakeChat, ManualClock, Talk

ZED = "zqzed7"
NAME = "Zedkiah Quillfeather"
WORDS = (
    ZED,
    "quillfeather",
    "zqbiomarigold",
    "zqskillfern",
    "zqtopicwren",
    "zqlovedtitle",
    "zqlovednote",
    "zqlovedtag",
    "zqlonelyhost",
    "zqlonelytitle",
    "zqlonelynote",
    "zqmessagewords",
    "zqsavedtext",
    "zqsuggestion",
    "zqrequestnote",
    "zqopennote",
    "zqgoalword",
    "zqchangedword",
    "zqauditwords",
    "zqthanksreason",
    "zqthankedreason",
)


def talk_of(core: Core) -> Talk:
    return Talk(core, moderators=frozenset({"mod", ZED}), names={ZED: NAME})


def asks_to(chat: FakeChat, user: str) -> list[Reply]:
    """What copbot sent into `user`'s private mentoring space, with buttons."""
    spaces = {f"p{n}" for n, (_, who) in enumerate(chat.spaces, 1) if who == (user,)}
    return [s.reply for s in chat.sent if s.to.split("/")[-1] in spaces and s.reply.buttons]


async def build(talk: Talk, chat: FakeChat, clock: ManualClock) -> None:
    await _people(talk)
    await _mentoring(talk, chat)
    await _library(talk)
    await _prompts(talk, chat, clock)
    # A week on, henry's ask is Zed's newest: its reminder waits in the outbox.
    asked = await talk("henry", "/mentor request topic:rust")
    assert f"I asked {NAME}" in asked.text, asked.text
    # What Zed typed as a moderator lives on only in the audit log.
    queued = await talk(ZED, '/prompt add "zqauditwords for the queue"')
    await talk(ZED, f"/prompt remove {queued.text.split('#')[1].split(' ')[0]}")
    removed = await talk.press(ZED, "Remove prompt")
    assert not removed.error, removed.text
    await _intros(talk)


async def _people(talk: Talk) -> None:
    await talk("mod", "/prompt moderators #mods")
    await talk(
        ZED,
        "/profile set timezone:Europe/Paris languages:english interests:python "
        'skills:zqskillfern bio:"zqbiomarigold and lighthouses"',
    )
    for who in ("bob", "dave", "frank"):
        await talk(who, f"/profile set timezone:Europe/Berlin languages:english skills:{who}")
    await talk("carol", "/profile set timezone:Europe/Rome languages:english")
    await talk("bob", "/mentor offer topics:python capacity:2")
    await talk("dave", "/mentor offer topics:python capacity:2")
    await talk("frank", "/mentor offer topics:go capacity:1")
    await talk(ZED, '/mentor offer topics:"zqtopicwren, rust" capacity:2')
    await talk(ZED, '/thanks @bob reason:"zqthanksreason for the help" topic:python')
    await talk("bob", f"/thanks @{ZED} zqthankedreason indeed topic:rust")
    await talk(ZED, "/web")  # a sign-in link to the web pages


async def _mentoring(talk: Talk, chat: FakeChat) -> None:
    await talk(ZED, "/mentor avoid member:@carol")
    await talk("bob", f"/mentor avoid member:@{ZED}")
    asked = await talk(
        ZED, '/mentor request topic:python note:"zqrequestnote please" goal:"zqgoalword soon"'
    )
    assert "Dave" in asked.text, asked.text  # Bob keeps Zed off his list
    await talk.press("dave", "Accept", on=_last(asks_to(chat, "dave")))
    await talk(ZED, "/mentor end match:1")
    form = await talk.press(ZED, "End match")
    sent = await talk.press(
        ZED, "Send feedback", on=form, met="yes", rating="5", changed="zqchangedword indeed"
    )
    assert not sent.error, sent.text
    await talk(ZED, "/mentor request topic:go")
    await talk.press("frank", "Accept", on=_last(asks_to(chat, "frank")))
    waiting = await talk(ZED, '/mentor request topic:python note:"zqopennote someday"')
    assert "waitlist" in waiting.text, waiting.text  # Bob avoids Zed; Dave was their mentor
    await talk("gina", "/mentor request topic:rust")
    await talk.press(ZED, "Decline", on=_last(asks_to(chat, ZED)))
    await talk("erin", "/mentor request topic:rust")  # still waiting for Zed's answer
    await talk("mod", "/mentor round preview")


async def _library(talk: Talk) -> None:
    loved = await talk(
        ZED,
        '/library add url:"https://example.org/guide" title:"zqlovedtitle guide" '
        'tags:zqlovedtag note:"zqlovednote kind words"',
    )
    await talk.press("bob", "Upvote", on=loved)
    await talk(
        ZED,
        '/library add url:"https://zqlonelyhost.example/page" title:"zqlonelytitle" '
        'note:"zqlonelynote"',
    )
    bobs = await talk("bob", '/library add url:"https://example.org/bob" title:"Bob\'s tips"')
    await talk.press(ZED, "Upvote", on=bobs)
    core = talk.core
    zeds = ChatMessage(
        MessageRef("test", "general", "m1"),
        "https://chat.example/m1",
        ZED,
        NAME,
        "zqmessagewords from the thread",
    )
    saved = await core.message_action(talk.actor("bob"), "general", "Save to library", zeds)
    assert not saved.error, saved.text
    carols = ChatMessage(
        MessageRef("test", "general", "m2"),
        "https://chat.example/m2",
        "carol",
        "Carol",
        "zqsavedtext",
    )  # Zed saves it, nobody votes: it goes
    await core.message_action(talk.actor(ZED), "general", "Save to library", carols)


async def _prompts(talk: Talk, chat: FakeChat, clock: ManualClock) -> None:
    await talk(ZED, '/prompt suggest "zqsuggestion for next week"')
    await talk("mod", '/prompt add "What did you learn this week?"')
    await talk("mod", "/prompt schedule weekly monday 09:00 Europe/Berlin")
    runner = PromptRunner(store=talk.core.store, clock=clock, claim="world")
    clock.advance(timedelta(days=7))  # to the next Monday's posting
    assert await runner.run_due() == 1
    await talk.settle()
    [posting] = chat.threads  # the prompt's message, under which its thread opened
    answer = MessageRef("test", "weekly", "answer-1", f"t{posting}")
    await talk.core.member_posted(talk.actor(ZED), answer)


async def _intros(talk: Talk) -> None:
    """Zed takes part in intros and was introduced to Dave (Bob avoids Zed)."""
    await talk("mod", "/intro setup #intros weekly monday 10:00 UTC open:yes")
    for who in (ZED, "dave"):
        await talk(who, "/intro join")
    ran = await talk("mod", "/intro run-now")
    assert "1 intro(s) for 2 member(s)" in ran.text, ran.text


def _last(replies: list[Reply]) -> Reply:
    assert replies
    return replies[-1]
