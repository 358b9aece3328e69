"""The resource library through the core, on a real SQLite file."""

from __future__ import annotations

import csv
import io
import json

import pytest

import storage.library
from bot.kernel.core import Core
from bot.kernel.messages import (
    MAX_BUTTON_STATE,
    Action,
    ChatMessage,
    CommunityKey,
    Invocation,
    MessageRef,
    Reply,
)
from tests.fakes import FakeChat, Talk


async def count(talk: Talk) -> int:
    async with talk.core.store.unit_of_work(talk.community) as uow:
        return len(await uow.library.everything())


async def add(talk: Talk, user: str, url: str, title: str, tags: str = "", note: str = "") -> Reply:
    line = f'/library add url:"{url}" title:"{title}"'
    line += f' tags:"{tags}"' if tags else ""
    line += f' note:"{note}"' if note else ""
    return await talk(user, line)


def ids(reply: Reply) -> list[int]:
    return [int(card.title.split(" ")[0][1:]) for card in reply.cards]


async def test_saving_announces_the_resource_with_an_upvote_button(talk: Talk) -> None:
    reply = await add(talk, "alice", "https://example.org/guide", "A guide", "Py, docs", "Read it")
    assert not reply.ephemeral and reply.text == "Alice saved #1 to the library."
    card = reply.cards[0]
    assert card.title == "#1 A guide" and card.link == "https://example.org/guide"
    assert card.body == "Read it" and card.fields[0].value == "python, docs"
    assert [b.label for b in reply.buttons] == ["Upvote"]


@pytest.mark.parametrize(
    "variant",
    [
        "HTTPS://EXAMPLE.org/guide",
        "https://example.org:443/guide/",
        "https://example.org/guide#section-2",
        "https://example.org/guide?utm_source=x&utm_medium=y&fbclid=z&gclid=w",
    ],
)
async def test_the_same_link_is_kept_once_and_tags_merge(talk: Talk, variant: str) -> None:
    await add(talk, "alice", "https://example.org/guide", "A guide", "python")
    again = await add(talk, "bob", variant, "Same thing", "docs, python")
    assert again.ephemeral and "already has that link as #1" in again.text
    assert "I added your tags: docs" in again.text
    assert await count(talk) == 1
    shown = await talk("carol", "/library show 1")
    assert shown.cards[0].fields[0].value == "python, docs"
    assert shown.cards[0].title == "#1 A guide"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "Only http:// and https://"),
        ("data:text/html,<b>x</b>", "characters links can't hold"),
        ("ftp://example.org/file", "Only http:// and https://"),
        ("https://user:secret@example.org/", "user name or password"),
        ("https://", "no host name"),
        ("https://exa mple.org", "spaces"),
        ("https://example.org/" + "a" * 2000, "at most 2000 fit"),
        ("https://-bad-.org/", "host name isn't valid"),
        ("https://ex_ample.org/", "host name isn't valid"),
        ("https://example.org:0/", "port"),
        ("https://example.123/", "host name isn't valid"),
    ],
)
async def test_bad_links_are_refused_and_change_nothing(talk: Talk, url: str, message: str) -> None:
    reply = await add(talk, "alice", url, "Title")
    assert reply.error and message in reply.text
    assert await count(talk) == 0


async def test_other_bad_input_changes_nothing(talk: Talk) -> None:
    too_many = ",".join(f"t{i}" for i in range(11))
    assert "at most 10 fit" in (await add(talk, "a", "https://x.org", "T", too_many)).text
    assert "at most 200 fit" in (await add(talk, "a", "https://x.org", "T" * 201)).text
    assert "at least one word" in (await talk("a", '/library search "?!"')).text
    assert "no resource #99" in (await talk("a", "/library show 99")).text
    assert "at most 40 fit" in (await talk("a", "/library search " + "w" * 41)).text
    assert await count(talk) == 0


async def test_upvote_is_a_toggle_and_not_for_what_you_saved(talk: Talk) -> None:
    saved = await add(talk, "alice", "https://example.org", "Example")
    first = await talk.press("bob", "Upvote", on=saved)
    assert first.text == "Upvoted #1 “Example” (1 vote)."
    again = await talk.press("bob", "Upvote", on=saved)
    assert again.text == "Took back your vote for #1 “Example” (0 votes)."
    await talk.press("carol", "Upvote", on=saved)
    await talk.press("bob", "Upvote", on=saved)
    own = await talk.press("alice", "Upvote", on=saved)
    assert own.error and "You saved #1 yourself" in own.text
    assert (await talk("x", "/library show 1")).cards[0].fields[1].value == "2"


async def test_a_link_without_a_title_is_titled_by_its_readable_form(talk: Talk) -> None:
    saved = await talk("alice", "/library add https://www.Example.org/guides/python-tips/")
    assert not saved.error and saved.cards[0].title == "#1 example.org/guides/python-tips"


async def test_only_the_saver_or_a_moderator_edits_or_removes(talk: Talk) -> None:
    await add(talk, "alice", "https://example.org", "Example", "python")
    refused = await talk("bob", "/library edit 1 title:Mine")
    assert refused.error and "Only whoever saved #1" in refused.text
    assert (await talk("alice", "/library edit 1 title:Better tags:go")).text == "Saved."
    assert (await talk("mod", "/library edit 1 note:Checked")).text == "Saved."
    shown = (await talk("bob", "/library show 1")).cards[0]
    assert (shown.title, shown.body, shown.fields[0].value) == ("#1 Better", "Checked", "go")

    forged = await talk.core.act(Action(talk.actor("bob"), "general", "library.remove", "1"))
    assert forged.error and await count(talk) == 1
    for stale in ("²", "99999999999", "-1", ""):
        pressed = await talk.core.act(
            Action(talk.actor("alice"), "general", "library.upvote", stale)
        )
        assert pressed.error and "expired" in pressed.text
    asked = await talk("alice", "/library remove 1")
    assert "can't be undone" in asked.text
    assert (await talk.press("alice", "Remove", on=asked)).text == "Removed #1 “Better”."
    assert await count(talk) == 0


async def test_search_is_ranked_title_then_tags_then_note_then_votes(talk: Talk) -> None:
    await add(talk, "a", "https://n.org", "Cooking", note="great for postgres beginners")
    await add(talk, "a", "https://t.org", "Indexes", "postgresql")
    await add(talk, "a", "https://b.org", "Postgres basics")
    popular = await add(talk, "a", "https://p.org", "Postgres in production")
    await talk.press("b", "Upvote", on=popular)
    found = await talk("z", "/library search postgres")
    assert ids(found) == [4, 3, 2, 1]
    assert ids(await talk("z", "/library search 'post basic'")) == [3]
    assert ids(await talk("z", "/library search postgres tag:postgresql")) == [2]


@pytest.mark.parametrize(
    "query", ['"', "*", "NEAR(a b)", "a OR b", "(((", "title:x", "-x", "^x", "x AND", "'; DROP"]
)
async def test_search_input_is_data_never_syntax(talk: Talk, query: str) -> None:
    await add(talk, "a", "https://x.org", "x a b title near or and drop")
    searched = await talk.core.invoke(
        Invocation(talk.actor("z"), "general", "library search", {"query": query})
    )
    assert searched.text.startswith(("Results for", "Nothing in the library", "Search for"))


async def test_results_page_with_next_and_previous(talk: Talk) -> None:
    for n in range(12):
        await add(talk, "a", f"https://example.org/{n}", f"Python note {n}", "python")
    first = await talk("z", "/library search python")
    assert ids(first) == [12, 11, 10, 9, 8] and [b.label for b in first.buttons] == ["Next"]
    assert first.text == "Results for “python” (page 1 of 3; 12 resources):"
    second = await talk.press("z", "Next", on=first)
    assert ids(second) == [7, 6, 5, 4, 3] and second.text.endswith("(page 2 of 3; 12 resources):")
    assert [b.label for b in second.buttons] == ["Previous", "Next"]
    third = await talk.press("z", "Next", on=second)
    assert ids(third) == [2, 1] and [b.label for b in third.buttons] == ["Previous"]
    assert ids(await talk.press("z", "Previous", on=third)) == [7, 6, 5, 4, 3]
    listed = await talk("z", "/library list tag:python sort:new")
    assert listed.text == "The library tagged python, newest first (page 1 of 3; 12 resources):"
    await add(talk, "a", "https://example.org/other", "Other")
    assert (await talk("z", "/library list")).text.endswith("(page 1 of 3; 13 resources):")
    one = await talk("z", "/library search other")
    assert one.text == "Results for “other” (page 1 of 1; 1 resource):"
    assert ids(await talk.press("z", "Next", on=listed)) == [7, 6, 5, 4, 3]
    long_query = await talk("z", '/library search "python note ' + "x" * 26 + '"')
    for button in long_query.buttons:
        assert len(button.action_id) + 1 + len(button.value) <= MAX_BUTTON_STATE


async def test_tags_in_use(talk: Talk) -> None:
    assert "no tags yet" in (await talk("z", "/library tags")).text
    await add(talk, "a", "https://1.org", "One", "python, sql")
    await add(talk, "a", "https://2.org", "Two", "python")
    assert (await talk("z", "/library tags")).text == "Tags in use: python (2), sql (1)"
    choices = await talk.core.autocomplete(talk.actor("z"), "library list", "tag", "s")
    assert [c.value for c in choices] == ["sql"]


async def test_exports(talk: Talk, chat: FakeChat) -> None:
    assert "nothing to export" in (await talk("z", "/library export")).text
    await add(talk, "a", "https://1.org", "=HYPERLINK(evil)", "python, sql", "note one")
    await add(talk, "b", "https://2.org", "Plain", "python")
    await add(talk, "b", "https://3.org", "Untagged")
    await add(talk, "c", "https://4.org", "Tagged formulas", "+a1, -1+2")

    exported = await talk("z", "/library export format:json")
    assert exported.ephemeral and exported.text == "The library as json, 4 resources."
    titles = [r["title"] for r in talk.json("z")]
    assert titles == ["=HYPERLINK(evil)", "Plain", "Untagged", "Tagged formulas"]

    await talk("z", "/library export format:csv")
    rows = list(csv.reader(io.StringIO(talk.last["z"].attachments[0].content.decode())))
    assert rows[0][:4] == ["id", "title", "url", "tags"] and rows[1][1] == "'=HYPERLINK(evil)"
    assert rows[4][3] == "'+a1, -1+2"  # a spreadsheet would run it as a formula

    await talk("z", "/library export")
    markdown = talk.last["z"].attachments[0].content.decode()
    sections = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert sections == ["## python", "## +a1", "## -1+2", "## sql", "## untagged"]
    assert "- [Plain](https://2.org/)" in markdown and "  note one" in markdown


async def vote(talk: Talk, resource_id: int, *voters: str) -> None:
    for voter in voters:
        pressed = Action(talk.actor(voter), "general", "library.upvote", str(resource_id))
        assert (await talk.core.act(pressed)).text.startswith("Upvoted")


def pinned_ids(chat: FakeChat, channel: str) -> list[int]:
    cards = {str(n): s.reply.cards[0] for n, s in enumerate(chat.sent, 1) if s.reply.cards}
    return sorted(int(cards[m].title.split()[0][1:]) for m in chat.pins[channel] if m in cards)


async def test_pin_top_keeps_exactly_the_best_voted_pinned(talk: Talk, chat: FakeChat) -> None:
    for n in range(4):
        await add(talk, "a", f"https://example.org/{n}", f"Resource {n}")
    assert "moderators only" in (await talk("bob", "/library pin-top #res 2")).text
    unvoted = await talk("mod", "/library pin-top #res 2")
    assert unvoted.error and "No resource has a vote yet" in unvoted.text
    await vote(talk, 1, "v1", "v2")
    await vote(talk, 2, "v1")
    assert (await talk("mod", "/library pin-top #res 2")).text == "Pinning #1, #2 in <#res>."
    assert pinned_ids(chat, "res") == [1, 2]
    assert all(f.name != "Votes" for r in chat.posted_to("res") for f in r.cards[0].fields)
    await vote(talk, 3, "v1", "v2", "v3")
    again = await talk("mod", "/library pin-top #res 2")
    assert again.text == "Pinning #3 in <#res>; unpinning #2, no longer among the best voted."
    assert pinned_ids(chat, "res") == [1, 3]
    more = await talk("mod", "/library pin-top #res 4")  # only three have a vote
    assert more.text == "Pinning #2 in <#res>." and pinned_ids(chat, "res") == [1, 2, 3]


async def test_pins_never_exceed_the_limit_and_only_copbots_own_are_unpinned(
    talk: Talk, chat: FakeChat
) -> None:
    chat.pin_limit = 3
    chat.pins["res"] = ["someone-elses"]
    for n in range(4):
        await add(talk, "a", f"https://example.org/{n}", f"Resource {n}")
    for resource_id in range(1, 5):
        await vote(talk, resource_id, *[f"v{n}" for n in range(resource_id)])
    assert (await talk("mod", "/library pin-top #res 2")).text == "Pinning #4, #3 in <#res>."
    more = await talk("mod", "/library pin-top #res 3")
    assert more.text == "Pinning #2 in <#res>."
    told = chat.posted_to("dm-mod")[-1].text  # no moderators' channel: the moderator directly
    assert told.startswith("I couldn't pin #2 in <#res>: the channel holds as many pins")
    assert len(chat.pins["res"]) == 3 and "someone-elses" in chat.pins["res"]
    await vote(talk, 1, *[f"w{n}" for n in range(9)])
    shifted = await talk("mod", "/library pin-top #res 2")
    assert shifted.text == "Pinning #1 in <#res>; unpinning #3, no longer among the best voted."
    assert chat.pins["res"][0] == "someone-elses" and pinned_ids(chat, "res") == [1, 4]

    chat.pins["full"] = ["x", "y", "z"]
    await talk("mod", "/library pin-top #full 1")
    assert chat.pins["full"] == ["x", "y", "z"]
    told = chat.posted_to("dm-mod")[-1].text
    assert told.startswith("I couldn't pin #1 in <#full>: the channel holds as many pins")
    chat.unpinnable.add("locked")
    await talk("mod", "/library pin-top #locked 1")
    assert chat.posted_to("dm-mod")[-1].text.startswith("I couldn't pin #1 in <#locked>")


async def test_removing_a_resource_unpins_its_mirror(talk: Talk, chat: FakeChat) -> None:
    await add(talk, "a", "https://example.org", "Example")
    await vote(talk, 1, "v1")
    await talk("mod", "/library pin-top #res 1")
    assert len(chat.pins["res"]) == 1
    await talk("mod", "/library remove 1")
    await talk.press("mod", "Remove")
    assert chat.pins["res"] == []


def message(text: str, author: str = "dave") -> ChatMessage:
    ref = MessageRef("test", "general", "m1")
    return ChatMessage(ref, "https://chat.example/m1", author, author.title(), text)


async def test_saving_a_chat_message_and_the_pin_emoji(core: Core, talk: Talk) -> None:
    erin = talk.actor("erin")
    saved = await core.message_action(erin, "general", "Save to library", message("Look: tips"))
    assert saved.cards[0].title == "#1 Look: tips"
    assert ("Written by", "Dave") in [(f.name, f.value) for f in saved.cards[0].fields]

    assert await core.react(erin, "general", "📌", message("Other", "fay")) is None
    await talk("mod", "/library pin-emoji yes emoji:🔖")
    assert await core.react(erin, "general", "📌", message("Other", "fay")) is None
    reacted = await core.react(erin, "general", "🔖", message("Other", "fay"))
    assert reacted is not None and "already has that link as #1" in reacted.text
    assert "moderators only" in (await talk("erin", "/library pin-emoji no")).text
    await talk("mod", "/library pin-emoji no")
    assert await core.react(erin, "general", "🔖", message("Other", "fay")) is None

    await talk("dave", "/privacy erase")
    await talk.press("dave", "Erase my data")
    kept = (await talk("erin", "/library show 1")).cards[0]
    assert kept.title == "#1 https://chat.example/m1"  # Dave's words went with him
    assert [(f.name, f.value) for f in kept.fields if f.name in ("Saved by", "Written by")] == [
        ("Saved by", "Erin")
    ]


@pytest.mark.parametrize(
    ("emoji", "accepted"),
    [
        ("🔖", True),
        ("👩\u200d💻", True),
        ("👍🏽", True),
        (":bookmark:", True),  # Slack names reactions
        ("<:saved:123456789012345678>", True),  # a Discord server's own emoji
        ("notanemoji", False),
        ("📌📌", False),
        ("a", False),
        (":no spaces:", False),
    ],
)
async def test_the_pin_emoji_must_be_one_emoji(talk: Talk, emoji: str, accepted: bool) -> None:
    reply = await talk("mod", f"/library pin-emoji yes emoji:'{emoji}'")
    assert reply.error != accepted, reply.text
    if not accepted:
        assert "one emoji" in reply.text
        assert (await talk("mod", "/library pin-emoji yes")).text.startswith("Reacting with 📌")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Great read on WAL: https://Example.org/wal?utm_source=chat&id=3", "Great read on WAL"),
        ("https://example.org/wal?id=3&fbclid=x.", "example.org/wal?id=3"),
        ("Slack says <https://example.org/wal?id=3&utm_medium=x|the WAL guide>!", None),
        ("see <https://example.org/wal?id=3> (Discord, no preview)", "see (Discord, no preview)"),
        ("first ftp://nope.org then https://example.org/wal?id=3", "first ftp://nope.org then"),
    ],
)
async def test_a_saved_message_keeps_the_link_it_holds_once(
    core: Core, talk: Talk, text: str, title: str | None
) -> None:
    """The link inside the message, canonical, is what is saved (not the chat's link to the
    message), so the same link added by hand later merges with it."""
    erin = talk.actor("erin")
    saved = await core.message_action(erin, "general", "Save to library", message(text))
    card = saved.cards[0]
    assert card.link == "https://example.org/wal?id=3"
    assert card.title == f"#1 {title or 'Slack says the WAL guide!'}"
    again = await add(talk, "bob", "https://example.org/wal?id=3&utm_source=x", "Same", "sql")
    assert "already has that link as #1" in again.text and await count(talk) == 1


async def test_privacy_export_and_erase_cover_the_library(talk: Talk, chat: FakeChat) -> None:
    loved = await add(talk, "alice", "https://loved.org", "Loved")
    await add(talk, "alice", "https://lonely.org", "Lonely")
    bobs = await add(talk, "bob", "https://bob.org", "Bob's")
    await talk.press("bob", "Upvote", on=loved)
    await talk.press("alice", "Upvote", on=bobs)

    await talk("alice", "/privacy export")
    library = talk.json("alice")["library"]
    assert [r["title"] for r in library["saved"]] == ["Loved", "Lonely"]
    assert [v["resource_id"] for v in library["upvoted"]] == [3]

    await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase my data")
    kept = (await talk("bob", "/library show 1")).cards[0]
    assert kept.title == "#1 https://loved.org/" and not kept.body  # its link, none of her words
    assert ("Saved by", "a former member") in [(f.name, f.value) for f in kept.fields]
    assert "no resource #2" in (await talk("bob", "/library show 2")).text
    assert (await talk("bob", "/library show 3")).cards[0].fields[1].value == "0"


async def test_libraries_of_two_communities_never_mix(core: Core) -> None:
    here, there = Talk(core), Talk(core, community=CommunityKey("test", "elsewhere"))
    await add(here, "alice", "https://example.org", "Here")
    assert "Nothing in the library" in (await there("bob", "/library search here")).text
    assert "no resource #1" in (await there("bob", "/library show 1")).text
    saved = await add(there, "bob", "https://example.org", "There")
    assert saved.text == "Bob saved #2 to the library."
    assert json.dumps([c.title for c in (await here("x", "/library list")).cards]) == (
        '["#1 Here"]'
    )


async def test_the_groups_earlier_names_keep_working(talk: Talk) -> None:
    """Typed `/resource ...` lines and `lib.*` buttons posted before the library had one
    name still reach it; `/help` shows only the new name."""
    saved = await talk("alice", '/resource add url:"https://example.org/a" title:"A guide"')
    assert saved.text == "Alice saved #1 to the library."
    old_button = Action(talk.actor("bob"), talk.channel, "lib.upvote", "1")
    assert (await talk.core.act(old_button)).text.startswith("Upvoted #1")
    listing = (await talk("bob", "/help library")).text
    assert "`/library add`" in listing and "/resource" not in listing


async def test_an_export_loads_the_library_in_slices_in_order(
    talk: Talk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL takes at most 32,767 parameters a statement: `everything` loads in
    slices (here of 2), and the slices join up in order."""
    monkeypatch.setattr(storage.library, "EXPORT_SLICE", 2)
    for n in range(5):
        await talk("alice", f"/library add https://example.org/{n} title:Guide{n}")
    await talk("alice", "/library export format:json")
    assert [r["title"] for r in talk.json("alice")] == [f"Guide{n}" for n in range(5)]
