"""`/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.messages import Action
from tests.fakes import FakeChat, Talk


async def test_export_answers_with_everything_as_json(talk: Talk, chat: FakeChat) -> None:
    await talk("alice", '/profile set skills:python timezone:Europe/Berlin bio:"hi there"')
    reply = await talk("alice", "/privacy export")
    assert reply.ephemeral and reply.text == "Here is everything copbot keeps about you."

    data = talk.json("alice")
    assert data["community"] == {"platform": "test", "id": "home"}
    assert data["exported_at"] == "2026-01-05T09:00:00+00:00"
    assert data["profile"]["skills"] == ["python"]
    assert data["profile"]["timezone"] == "Europe/Berlin"
    assert data["profile"]["bio"] == "hi there"
    attachment = reply.attachments[0]
    assert attachment.media_type == "application/json"


async def test_erase_needs_confirmation(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python")
    asked = await talk("alice", "/privacy erase")
    assert asked.ephemeral and "can't be undone" in asked.text
    assert [b.label for b in asked.buttons] == ["Erase my data", "Cancel"]

    cancelled = await talk.press("alice", "Cancel")
    assert cancelled.text == "Nothing was erased."
    assert (await talk("bob", "/profile show member:alice")).cards[0].title == "Alice"


async def test_erase_removes_the_profile_and_lets_the_member_start_again(
    talk: Talk, chat: FakeChat
) -> None:
    await talk("alice", "/profile set skills:python bio:secret")
    await talk("alice", "/privacy erase")
    done = await talk.press("alice", "Erase my data")
    assert done.text == "Done: your data is erased."

    assert "hasn't set up a profile" in (await talk("bob", "/profile show member:alice")).text
    assert await talk.core.autocomplete(talk.actor("bob"), "profile set", "skills", "py") == []
    await talk("alice", "/privacy export")
    fresh = talk.json("alice")["profile"]
    assert fresh["skills"] == [] and fresh["bio"] == ""


async def test_erased_member_row_stays_anonymised_for_others_references(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python")
    await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase my data")
    async with talk.core.store.unit_of_work(talk.community) as uow:
        assert await uow.members.by_user("alice") is None
        former = await uow.members.by_user("erased:1")
    assert former is not None
    assert former.display_name == "Former member" and not former.has_profile


async def test_someone_elses_erase_button_does_nothing(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python")
    await talk("bob", "/profile set skills:go")
    asked = await talk("alice", "/privacy erase")
    forged = await talk.core.act(
        Action(talk.actor("bob"), "general", "privacy.erase", asked.buttons[0].value)
    )
    assert forged.ephemeral and "isn't for you" in forged.text
    assert (await talk("carol", "/profile show member:alice")).cards[0].title == "Alice"
    assert (await talk("carol", "/profile show member:bob")).cards[0].title == "Bob"


async def test_pressing_erase_twice_is_harmless(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python")
    asked = await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase my data", on=asked)
    again = await talk.press("alice", "Erase my data", on=asked)
    assert again.ephemeral and "already erased" in again.text
