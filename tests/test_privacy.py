"""`/privacy export` and `/privacy erase`: everything out, nothing left behind.

The member with every kind of data is `tests.privacy_world`'s Zed. After the erase none of
their words is in the SQLite file, its -wal or the FTS5 shadow tables (read as raw bytes),
nor in any row of any table on PostgreSQL, and their id is left only in tables of a kind
declared kept or anonymised; others' don't-match lists still keep them apart
when they come back; and their export is checked against a list of every table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.app import build_catalog
from bot.kernel.catalog import Access, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Action, Reply
from bot.kernel.personal import Erased, Kept
from copbot.bootstrap import open_core
from storage.personal import NOT_PERSONAL, RECORDS
from storage.schema import metadata
from tests.fakes import FakeChat, ManualClock, Talk
from tests.privacy_world import NAME, WORDS, ZED, build, talk_of
from tests.storage.test_personal import member_columns


async def test_export_answers_with_everything_as_json(talk: Talk, chat: FakeChat) -> None:
    await talk("alice", '/profile set skills:python timezone:Europe/Berlin bio:"hi there"')
    reply = await talk("alice", "/privacy export")
    assert reply.ephemeral and reply.text == "Here is everything copbot keeps about you."

    data = talk.json("alice")
    assert data["community"] == {"platform": "test", "id": "home"}
    assert data["exported_at"] == "2026-01-05T09:00:00+00:00"
    profile = data["profiles"]["profile"]
    assert (profile["skills"], profile["timezone"], profile["bio"]) == (
        ["python"],
        "Europe/Berlin",
        "hi there",
    )
    others_lists = data["not_exported"]["mentoring.on_others_lists"]
    assert others_lists["why"].startswith("the lists are theirs")
    attachment = reply.attachments[0]
    assert attachment.media_type == "application/json"


async def test_erase_needs_confirmation(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python")
    asked = await talk("alice", "/privacy erase")
    assert asked.ephemeral and "can't be undone" in asked.text
    assert [b.label for b in asked.buttons] == [
        "Erase my data",
        "Erase, leave what I shared",
        "Cancel",
    ]

    cancelled = await talk.press("alice", "Cancel")
    assert cancelled.text == "Nothing was erased."
    assert (await talk("bob", "/profile show member:alice")).cards[0].title == "Alice"


async def test_erase_removes_the_profile_and_looking_again_keeps_nothing(
    talk: Talk, chat: FakeChat
) -> None:
    await talk("alice", "/profile set skills:python bio:secret")
    await talk("alice", "/privacy erase")
    done = await talk.press("alice", "Erase my data")
    assert done.text == "Done: your data is erased."

    assert "hasn't set up a profile" in (await talk("bob", "/profile show member:alice")).text
    assert await talk.core.autocomplete(talk.actor("bob"), "profile set", "skills", "py") == []
    looked = await talk("alice", "/privacy export")
    assert looked.text == "copbot keeps nothing about you here." and not looked.attachments
    assert "nothing to erase" in (await talk("alice", "/privacy erase")).text
    async with talk.core.store.unit_of_work(talk.community) as uow:
        assert await uow.members.by_user("alice") is None  # looking created no new record


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
    for button in asked.buttons[:2]:
        forged = await talk.core.act(
            Action(talk.actor("bob"), "general", "privacy.erase", button.value)
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


# Everything, on disk and in every row


async def test_an_erase_leaves_none_of_their_words_in_the_sqlite_files(
    sqlite_url: str, tmp_path: Path, chat: FakeChat, clock: ManualClock
) -> None:
    async with open_core(sqlite_url, chat=chat, clock=clock) as core:
        talk = talk_of(core)
        await build(talk, chat, clock)
        assert _missing(_sqlite_rows(tmp_path)) == []  # the world holds every word
        await _erase(talk)
        left = _sqlite_bytes(tmp_path) + _sqlite_rows(tmp_path)
        assert [word for word in WORDS if word.encode() in left] == []
        await _comes_back(talk)


@pytest.mark.postgres
async def test_an_erase_leaves_none_of_their_words_in_any_postgres_row(
    postgres_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    async with open_core(postgres_url, chat=chat, clock=clock) as core:
        talk = talk_of(core)
        await build(talk, chat, clock)
        assert _missing(await _postgres_rows(postgres_url)) == []
        await _erase(talk)
        left = await _postgres_rows(postgres_url)
        assert [word for word in WORDS if word.encode() in left] == []
        await _comes_back(talk)


# Tables that name a member only while a unit of work runs: none is left to find.
TRANSIENT = {"expertise_stale": "emptied as each unit of work commits"}


async def test_an_erase_leaves_their_id_only_where_a_kind_says_it_is_kept(
    sqlite_url: str, tmp_path: Path, chat: FakeChat, clock: ManualClock
) -> None:
    """By id, not by words: every table that can name a member does name Zed in the world
    (so a new one must be part of it), and after the erase only tables of a kind declared
    kept or anonymised still do (so a new table that erase leaves alone fails)."""
    erased = {
        table: kind.erased
        for part in build_catalog().personal_data
        for kind in part.kinds
        for table in RECORDS[f"{part.capability}.{kind.name}"].tables
        if kind.erased is not Erased.DELETED
    }
    async with open_core(sqlite_url, chat=chat, clock=clock) as core:
        talk = talk_of(core)
        await build(talk, chat, clock)
        async with core.store.reading(talk.community) as uow:
            zed = await uow.members.by_user(ZED)
        assert zed is not None
        can_name = {n for n, table in metadata.tables.items() if member_columns(table)}
        assert can_name - set(TRANSIENT) - _naming(tmp_path, zed.id) == set()
        await _erase(talk)
        assert _naming(tmp_path, zed.id) - set(erased) == set()


def _naming(folder: Path, member_id: int) -> set[str]:
    """The tables with a row whose member column holds `member_id`."""
    with sqlite3.connect(f"file:{folder / 'copbot.db'}?mode=ro", uri=True) as db:
        return {
            name
            for name, table in metadata.tables.items()
            for column in member_columns(table)
            if db.execute(f'SELECT 1 FROM "{name}" WHERE "{column}" = ?', (member_id,)).fetchone()
        }


def _missing(haystack: bytes) -> list[str]:
    return [word for word in WORDS if word.encode() not in haystack]


async def _erase(talk: Talk) -> None:
    await talk(ZED, "/privacy erase")
    done = await talk.press(ZED, "Erase my data")
    assert done.text == "Done: your data is erased."


async def _comes_back(talk: Talk) -> None:
    """Bob's confidential list still keeps Zed away from him (Dave, their mentor before the
    erase, is no longer a past partner: that history went with Zed's record)."""
    back = await talk(ZED, "/mentor request topic:python")
    assert "I asked Dave" in back.text, back.text
    assert f"You won't be matched with: {NAME}" in (await talk("bob", "/mentor avoid")).text


def _sqlite_bytes(folder: Path) -> bytes:
    """The database file and its -wal as they are on disk, lowercased."""
    files = [folder / "copbot.db", folder / "copbot.db-wal"]
    return b"".join(f.read_bytes() for f in files if f.exists()).lower()


def _sqlite_rows(folder: Path) -> bytes:
    """Every value of every table, the FTS5 index's shadow tables too, lowercased."""
    connection = sqlite3.connect(f"file:{folder / 'copbot.db'}?mode=ro", uri=True)
    try:
        tables = [
            n for (n,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        values = [
            value if isinstance(value, bytes) else str(value).encode()
            for table in tables
            for row in connection.execute(f'SELECT * FROM "{table}"')
            for value in row
        ]
    finally:
        connection.close()
    return b"\n".join(values).lower()


async def _postgres_rows(url: str) -> bytes:
    """Every row of every table in the database (not only those the schema declares, and
    with the search column), as PostgreSQL prints them, lowercased."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        rows = [
            row[0]
            for table in tables
            for row in await connection.fetch(f'SELECT t::text FROM "{table[0]}" t')
        ]
    finally:
        await connection.close()
    return "\n".join(rows).encode().lower()


# The export, against every table

Check = Callable[[dict[str, Any]], bool]


def _mentoring(e: dict[str, Any]) -> dict[str, Any]:
    mentoring: dict[str, Any] = e["mentoring"]
    return mentoring


# Where each table's rows about Zed show in his export, or why none do.
IN_EXPORT: dict[str, Check | str] = {
    "members": lambda e: (
        e["profiles"]["profile"]["user_id"] == ZED
        and e["profiles"]["profile"]["display_name"] == NAME
    ),
    "member_tags": lambda e: e["profiles"]["profile"]["skills"] == ["zqskillfern"],
    "resources": lambda e: (
        [r["title"] for r in e["library"]["saved"]]
        == ["zqlovedtitle guide", "zqlonelytitle", "zqsavedtext"]
        and e["library"]["messages_saved_by_others"][0]["note"].startswith("zqmessagewords")
    ),
    "resource_tags": lambda e: e["library"]["saved"][0]["tags"] == ["zqlovedtag"],
    "resource_votes": lambda e: [v["resource_id"] for v in e["library"]["upvoted"]] == [3],
    "prompts": lambda e: (
        [p["text"] for p in e["prompts"]["suggested"]] == ["zqsuggestion for next week"]
    ),
    "prompt_answers": lambda e: [a["answers"] for a in e["prompts"]["answers"]] == [1],
    "prompt_answer_messages": lambda e: e["prompts"]["answers"][0]["messages"] == ["answer-1"],
    "mentors": lambda e: _mentoring(e)["mentor_offer"]["capacity"] == 2,
    "mentor_topics": lambda e: _mentoring(e)["mentor_offer"]["topics"] == ["zqtopicwren", "rust"],
    "mentor_avoid": lambda e: _mentoring(e)["dont_match_with"] == ["Carol"],
    "mentor_requests": lambda e: (
        [r["note"] for r in _mentoring(e)["requests"]]
        == ["zqrequestnote please", "", "zqopennote someday"]
        and _mentoring(e)["requests"][0]["goal"] == "zqgoalword soon"
        and [a["topic"] for a in _mentoring(e)["asked_to_mentor"]] == ["rust", "rust"]
        and [(m["topic"], m["why"]) for m in _mentoring(e)["asks_moved_on"]]
        == [("rust", "declined")]
    ),
    "mentor_passes": lambda e: (
        [(d["role"], d["topic"]) for d in _mentoring(e)["declines"]] == [("mentor", "rust")]
    ),
    "matches": lambda e: (
        [(m["topic"], m["role"], m["ended_at"] is None) for m in _mentoring(e)["matches"]]
        == [("python", "mentee", False), ("go", "mentee", True)]
    ),
    "match_feedback": lambda e: (
        [(f["met"], f["rating"], f["changed"]) for f in _mentoring(e)["feedback"]]
        == [(True, 5, "zqchangedword indeed")]
    ),
    "member_inboxes": lambda e: _mentoring(e)["private_space"]["thread_id"] is not None,
    "audit_log": lambda e: (
        [c["what"] for c in e["audit"]["moderator_changes"]] == ["/prompt add", "prompt.remove"]
        and "zqauditwords" in e["audit"]["moderator_changes"][0]["detail"]
    ),
    "outbox": lambda e: (
        sorted({n["kind"] for n in _mentoring(e)["news_to_come"]})
        == ["mentor.checkin", "mentor.reminder"]
    ),
    "thanks": lambda e: (
        [(t["to"], t["reason"]) for t in e["directory"]["thanks_given"]]
        == [("Bob", "zqthanksreason for the help")]
        and [(t["from"], t["topic"], t["reason"]) for t in e["directory"]["thanks_received"]]
        == [("Bob", "rust", "zqthankedreason indeed")]
    ),
    "expertise": lambda e: (
        {
            x["topic"]: (x["teaches"], x["mentors"], x["saved"], x["thanked"])
            for x in e["directory"]["expertise"]
        }
        == {
            "rust": (0, 1, 0, 1),
            "zqlovedtag": (0, 0, 1, 0),
            "zqskillfern": (1, 0, 0, 0),
            "zqtopicwren": (0, 1, 0, 0),
        }
    ),
    "expertise_stale": "emptied as each unit of work commits: whose expertise to derive",
    "intro_participants": lambda e: (
        [p["programme"] for p in e["intros"]["programmes"]] == ["intros"]
    ),
    "intro_group_members": lambda e: [i["with"] for i in e["intros"]["intros"]] == [["Dave"]],
    "newcomers": lambda e: e["newcomers"]["welcome"]["how"] == "talked",  # at their first command
    "web_passes": lambda e: (
        [(p["kind"], p["moderator"]) for p in e["web"]["sign_ins"]] == [("link", True)]
    ),
    "matching_rounds": "mentoring.round_plans",  # kept for the moderators, named as not shown
    **{table: "holds nothing about members" for table in NOT_PERSONAL},
}


async def test_the_export_holds_their_rows_of_every_table(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    talk = talk_of(talk.core)
    await build(talk, chat, clock)
    await talk(ZED, "/privacy export")
    exported = talk.json(ZED)
    assert set(IN_EXPORT) == set(metadata.tables)
    failing = [
        table for table, check in IN_EXPORT.items() if callable(check) and not check(exported)
    ]
    assert failing == []
    assert "mentoring.round_plans" in exported["not_exported"]
    assert "mentoring.on_others_lists" in exported["not_exported"]  # Bob's list


# What stays for others


async def test_others_lists_still_keep_a_returning_member_apart(talk: Talk) -> None:
    for who in ("bob", "carol", "zed"):
        await talk(who, f"/profile set timezone:Europe/Berlin languages:english skills:{who}")
    await talk("bob", "/mentor offer topics:python capacity:2")
    await talk("carol", "/mentor offer topics:python capacity:2")
    await talk("bob", "/mentor avoid member:@zed")
    await talk("zed", "/mentor avoid member:@carol")
    await talk("zed", "/privacy erase")
    await talk.press("zed", "Erase my data")
    assert "You won't be matched with: Former member" in (await talk("bob", "/mentor avoid")).text

    await talk("zed", "/profile set timezone:Europe/Berlin languages:english")
    assert "empty" in (await talk("zed", "/mentor avoid")).text  # their own list went
    back = await talk("zed", "/mentor request topic:python")
    assert "I asked Carol" in back.text, back.text  # never Bob
    assert "You won't be matched with: Zed" in (await talk("bob", "/mentor avoid")).text
    await talk("zed", "/mentor offer topics:go capacity:1")
    await talk("bob", "/mentor offer topics:python,go capacity:2")
    refused = await talk("bob", "/mentor request topic:go")
    assert "waitlist" in refused.text  # either way round


async def test_leaving_what_one_shared_keeps_it_without_the_name(
    talk: Talk, chat: FakeChat
) -> None:
    await talk("mod", "/prompt moderators #mods")
    loved = await talk("alice", '/library add url:"https://a.org" title:"Her guide" note:"why"')
    await talk.press("bob", "Upvote", on=loved)
    await talk("alice", '/library add url:"https://b.org" title:"Unloved"')
    await talk("alice", '/prompt suggest "What surprised you?"')
    await talk.press("mod", "Approve", on=chat.posted_to("mods")[-1])
    await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase, leave what I shared")
    kept = (await talk("bob", "/library show 1")).cards[0]
    assert (kept.title, kept.body) == ("#1 Her guide", "why")
    assert ("Saved by", "a former member") in [(f.name, f.value) for f in kept.fields]
    assert (await talk("bob", "/library show 2")).cards[0].title == "#2 Unloved"
    assert "What surprised you?" in (await talk("mod", "/prompt list")).text


async def test_other_moderators_entries_name_a_former_member(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    catalog = build_catalog()

    @catalog.command(
        "mentor nudge",
        "Remind a member of their mentoring",
        Option("member", "Who", OptionType.MEMBER, required=True),
        access=Access.MODERATOR,
    )
    async def nudge(context: Context) -> Reply:
        await context.uow.settings.put("nudges", 1)
        return Reply("Nudged.", ephemeral=True)

    async with open_core(sqlite_url, chat=chat, clock=clock, catalog=catalog) as core:
        talk = Talk(core)
        await talk("alice123", "/profile set bio:hello")
        await talk("mod", "/mentor nudge member:@alice123")
        await talk("alice123", "/privacy erase")
        await talk.press("alice123", "Erase my data")
        audit = (await talk("mod", "/audit")).text
    assert "(member=a former member)" in audit and "alice123" not in audit


def test_a_declaration_names_its_kinds_once_and_says_why_it_keeps_anything() -> None:
    with pytest.raises(ValueError, match="say why"):
        Kept("notes", "your notes", Erased.ANONYMISED)
    with pytest.raises(ValueError, match="snake_case"):
        Kept("Saved Notes", "your notes", Erased.DELETED)
    catalog = build_catalog()
    with pytest.raises(ValueError, match="declared twice"):
        catalog.keeps_personal_data("library", Kept("notes", "your notes", Erased.DELETED))
    twice = (Kept("notes", "your notes", Erased.DELETED),) * 2
    with pytest.raises(ValueError, match="declared twice"):
        catalog.keeps_personal_data("notes", *twice)
    assert not Kept("lists", "theirs", Erased.KEPT, "theirs").exported
