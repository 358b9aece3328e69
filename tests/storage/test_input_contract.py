"""Input that would reach the database: refused or cleaned alike on SQLite and PostgreSQL,
through the core, so both engines answer each case the same way."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.kernel.core import FAILED
from bot.kernel.messages import Action, Actor, ChatMessage, CommunityKey, Invocation, MessageRef
from copbot.bootstrap import open_core
from storage.schema import members
from storage.store import SqlStore
from tests.fakes import HOME, FakeChat, ManualClock, Talk


@pytest.fixture
async def talk(database_url: str) -> AsyncIterator[Talk]:
    async with open_core(database_url, chat=FakeChat(), clock=ManualClock()) as core:
        yield Talk(core)


async def test_a_tag_of_punctuation_is_refused_in_saving_and_in_search(talk: Talk) -> None:
    await talk("alice", "/library add https://example.org/plus 'C plus plus' tags:c++")
    for line in (
        "/library search plus tag:+",
        "/library list tag:&",
        "/library add https://example.org/b B tags:python,/",
    ):
        reply = await talk("alice", line)
        assert reply.error and "letter or digit" in reply.text, reply.text
    found = await talk("alice", "/library search plus tag:c++")
    assert [c.title for c in found.cards] == ["#1 C plus plus"]


def saved(text: str, author: str = "dave", author_name: str = "Dave") -> ChatMessage:
    return ChatMessage(
        MessageRef("test", "general", "m1"), "https://chat.example/m1", author, author_name, text
    )


async def test_broken_text_from_the_platform_is_cleaned(
    talk: Talk, caplog: pytest.LogCaptureFixture
) -> None:
    """A saved message, a display name, a button's value and an autocomplete partial come
    from the platform, not from an option: NUL goes and a lone surrogate becomes U+FFFD."""
    core = talk.core
    erin = replace(talk.actor("erin"), display_name="Erin\x00 \ud800")
    reply = await core.message_action(erin, "general", "Save to library", saved("Tip\x00 \udfff!"))
    assert not reply.error and reply.text == "Erin \ufffd saved #1 to the library.", reply.text
    shown = (await talk("erin", "/library show 1")).cards[0]
    assert shown.title == "#1 Tip \ufffd!" and shown.body == "Tip \ufffd!"
    await talk("erin", "/library add https://example.org/p Python tags:python")
    for partial, found in (("py\x00", ["python"]), ("py\ud800", [])):
        choices = await core.autocomplete(talk.actor("erin"), "library list", "tag", partial)
        assert [c.value for c in choices] == found, partial
    for value in ("5|python\x00|top", "5|\ud800|top"):
        pressed = await core.act(Action(talk.actor("erin"), "general", "library.list", value))
        assert pressed.text != FAILED, value
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_text_option_with_a_lone_surrogate_is_refused(talk: Talk) -> None:
    reply = await talk.core.invoke(
        Invocation(talk.actor("alice"), "general", "profile set", {"bio": "hi \ud800"})
    )
    assert reply.error and "control characters" in reply.text
    assert "Your profile is empty" in (await talk("alice", "/profile show")).text


async def test_a_display_name_is_kept_to_100_characters(talk: Talk) -> None:
    long = replace(talk.actor("alice"), display_name="A" * 300)
    await talk.core.invoke(Invocation(long, "general", "profile set", {"bio": "hello"}))
    shown = await talk.core.invoke(Invocation(long, "general", "profile show", {}))
    assert shown.cards[0].title == "A" * 100


@pytest.mark.parametrize(
    ("who", "channel", "expected"),
    [
        (Actor(HOME, "u" * 97, "Long id"), "general", "user id"),
        (Actor(HOME, "bad\x00id", "Nul"), "general", "user id"),
        (Actor(HOME, "", "Nobody"), "general", "user id"),
        (Actor(CommunityKey("test", "c" * 65), "alice", "Alice"), "general", "community id"),
        (Actor(CommunityKey("t" * 17, "home"), "alice", "Alice"), "general", "platform"),
        (Actor(HOME, "alice", "Alice"), "c" * 65, "channel id"),
    ],
)
async def test_identifiers_storage_cannot_keep_are_refused_and_change_nothing(
    talk: Talk, who: Actor, channel: str, expected: str
) -> None:
    core = talk.core
    reply = await core.invoke(Invocation(who, channel, "profile set", {"bio": "hello"}))
    assert reply.error and expected in reply.text and reply.text != FAILED, reply.text
    pressed = await core.act(Action(who, channel, "library.list", "0||top"))
    assert pressed.error and expected in pressed.text
    assert await core.autocomplete(who, "library list", "tag", "p") == []
    await core.member_posted(who, MessageRef("test", channel, "m1", "t1"))
    store = core.store
    assert isinstance(store, SqlStore)
    async with store.database.transaction() as db:
        assert await db.scalar(select(func.count()).select_from(members)) == 0


async def test_message_and_thread_ids_storage_cannot_keep_are_refused(talk: Talk) -> None:
    core = talk.core
    message = replace(saved("Tip"), ref=MessageRef("test", "general", "m" * 65))
    reply = await core.message_action(talk.actor("erin"), "general", "Save to library", message)
    assert reply.error and "message id" in reply.text
    author = replace(saved("Tip"), author_id="d" * 97)
    reply = await core.message_action(talk.actor("erin"), "general", "Save to library", author)
    assert reply.error and "user id" in reply.text
    assert "no resource #1" in (await talk("erin", "/library show 1")).text
