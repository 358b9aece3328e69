"""Two members (or processes) doing the same at the same moment get the answer one would
alone, and an id is never given to a second row.

The races run on PostgreSQL, where two processes really do run units of work at once: two
cores on one database, their commands started together."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection

from bot.kernel.core import FAILED
from bot.kernel.messages import Action
from copbot.bootstrap import open_core
from storage.database import open_database
from storage.migrate import _config
from tests.fakes import FakeChat, ManualClock, Talk

ROUNDS = 5  # a race lost once in a while is a race: each one runs a few times


@pytest.fixture
async def two(postgres_url: str, chat: FakeChat, clock: ManualClock) -> AsyncIterator[list[Talk]]:
    """Two processes' cores on one PostgreSQL database, as members of one community."""
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as first,
        open_core(postgres_url, chat=chat, clock=clock) as second,
    ):
        yield [Talk(first), Talk(second)]


async def at_once(*calls: object) -> list[str]:
    replies = await asyncio.gather(*calls)  # type: ignore[call-overload]
    texts = [reply.text for reply in replies]
    assert FAILED not in texts
    return texts


@pytest.mark.postgres
async def test_the_same_link_added_twice_at_once_is_one_resource(two: list[Talk]) -> None:
    first, second = two
    for n in range(ROUNDS):
        url = f"https://example.org/race/{n}"
        texts = await at_once(
            first("alice", f"/library add url:{url} title:Race tags:a"),
            second("bob", f"/library add url:{url} title:Race tags:b"),
        )
        assert sum(" saved #" in t for t in texts) == 1, texts
        assert sum("already has that link" in t for t in texts) == 1, texts
    listed = await first("carol", "/library search query:race")
    assert f"{ROUNDS} resources" in listed.text


@pytest.mark.postgres
async def test_a_first_mentor_offer_twice_at_once_is_one_offer(two: list[Talk]) -> None:
    first, second = two
    for n in range(ROUNDS):
        user = f"mentor{n}"
        await first(user, "/profile set timezone:UTC languages:english")
        texts = await at_once(
            first(user, "/mentor offer topics:python capacity:2"),
            second(user, "/mentor offer topics:python capacity:3"),
        )
        assert all("mentor" in t.casefold() for t in texts), texts
    topics = await first("alice", "/mentor topics")
    assert f"python: {ROUNDS} mentors" in topics.text


@pytest.mark.postgres
async def test_prompts_added_at_once_each_get_their_own_position(two: list[Talk]) -> None:
    first, second = two
    texts = await at_once(
        *(
            talk("mod", f'/prompt add "Question number {n}?"')
            for n, talk in enumerate([first, second, first, second, first, second])
        )
    )
    positions = sorted(int(re.findall(r"position (\d+)", t)[0]) for t in texts)
    assert positions == [1, 2, 3, 4, 5, 6], texts
    listed = (await first("mod", "/prompt list")).text
    assert [int(n) for n in re.findall(r"^(\d+)\. ", listed, re.M)] == [1, 2, 3, 4, 5, 6]


@pytest.mark.postgres
async def test_the_same_mentor_request_twice_at_once_is_one_request(two: list[Talk]) -> None:
    first, second = two
    await first("bob", "/profile set timezone:UTC languages:english")
    await first("bob", f"/mentor offer topics:python capacity:{ROUNDS}")
    for n in range(ROUNDS):
        mentee = f"mentee{n}"
        await first(mentee, "/profile set timezone:UTC languages:english")
        texts = await at_once(
            first(mentee, "/mentor request topic:python"),
            second(mentee, "/mentor request topic:python"),
        )
        assert sum("already have a request on python open" in t for t in texts) == 1, texts
        mine = (await first(mentee, "/mentor requests")).text
        assert mine.count("python") == 1, mine


# Ids


async def test_an_id_is_never_given_again(
    database_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    """An old card's Upvote button, pressed after its resource went, doesn't vote for the
    next resource saved (on SQLite it took the freed id)."""
    async with open_core(database_url, chat=chat, clock=clock) as core:
        talk = Talk(core)
        await talk("alice", "/library add url:https://a.org title:First")
        old_card = await talk("alice", "/library add url:https://b.org title:Second")
        await talk("alice", "/library remove 2")
        await talk.press("alice", "Remove")
        new = await talk("bob", "/library add url:https://c.org title:Third")
        assert new.text == "Bob saved #3 to the library."
        button = next(b for b in old_card.buttons if b.label == "Upvote")
        pressed = await core.act(Action(talk.actor("carol"), "general", button.action_id, "2"))
        assert pressed.error
        shown = (await talk("carol", "/library show 3")).cards[0]
        assert ("Votes", "0") in [(f.name, f.value) for f in shown.fields]


def _at_0010_with_rows(connection: Connection) -> None:
    command.upgrade(_config(connection), "0010")
    at = "'2026-01-05T09:00:00+00:00'"
    for sql in (
        f"INSERT INTO communities (id, platform, external_id, created_at) "
        f"VALUES (1, 'test', 'home', {at})",
        f"INSERT INTO members (id, community_id, user_id, display_name, bio, version, "
        f"created_at, updated_at) VALUES (1, 1, 'alice', 'Alice', '', 1, {at}, {at}), "
        f"(2, 1, 'bob', 'Bob', '', 1, {at}, {at})",
        f"INSERT INTO resources (id, community_id, url, title, note, saved_by, votes, "
        f"search_title, search_tags, search_note, created_at, updated_at) VALUES "
        f"(1, 1, 'https://a.org/', 'A', '', 1, 0, '', '', '', {at}, {at}), "
        f"(2, 1, 'https://b.org/', 'B', '', 1, 1, '', '', '', {at}, {at})",
        "INSERT INTO resource_tags (community_id, resource_id, tag, position) "
        "VALUES (1, 2, 'python', 0)",
        f"INSERT INTO resource_votes (community_id, resource_id, member_id, created_at) "
        f"VALUES (1, 2, 2, {at})",
        f"INSERT INTO mentor_requests (id, community_id, mentee_id, topic, note, channel_id, "
        f"status, notified, left_out, created_at, updated_at) VALUES "
        f"(1, 1, 1, 'python', '', 'general', 'waiting', 0, 0, {at}, {at}), "
        f"(2, 1, 1, 'python', '', 'general', 'waiting', 0, 0, {at}, {at}), "
        f"(3, 1, 1, 'go', '', 'general', 'asking', 0, 0, {at}, {at})",
    ):
        connection.exec_driver_sql(sql)


async def test_the_migration_keeps_every_row_and_what_points_at_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'copbot.db'}"
    database = open_database(url)
    try:
        await database.run_sync(_at_0010_with_rows)
        await database.run_sync(lambda c: command.upgrade(_config(c), "head"))
    finally:
        await database.dispose()
    connection = sqlite3.connect(tmp_path / "copbot.db")
    try:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute(
            "SELECT r.title, t.tag, v.member_id FROM resources r JOIN resource_tags t "
            "ON t.resource_id = r.id JOIN resource_votes v ON v.resource_id = r.id"
        ).fetchall() == [("B", "python", 2)]
        statuses = connection.execute("SELECT id, status FROM mentor_requests ORDER BY id")
        assert statuses.fetchall() == [(1, "waiting"), (2, "cancelled"), (3, "asking")]
        sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'resources'")
        assert "AUTOINCREMENT" in sql.fetchone()[0]
        connection.execute("DELETE FROM resource_votes")
        connection.execute("DELETE FROM resource_tags")
        connection.execute("DELETE FROM resources WHERE id = 2")
        connection.execute(
            "INSERT INTO resources (community_id, url, title, note, saved_by, votes, "
            "search_title, search_tags, search_note, created_at, updated_at) VALUES "
            "(1, 'https://c.org/', 'C', '', 1, 0, '', '', '', '2026-01-05', '2026-01-05')"
        )
        assert connection.execute("SELECT max(id) FROM resources").fetchone() == (3,)
    finally:
        connection.close()
