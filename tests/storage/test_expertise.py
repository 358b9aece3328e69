"""Who knows what, precomputed: after every kind of change (profiles, mentor offers,
matches and their ratings, resources saved, retagged, upvoted and removed, thanks, a
member erasing their data), the `expertise` table holds exactly what an independent
count over the raw rows gives, on SQLite and PostgreSQL. The count here is plain Python
over whole tables, sharing nothing with storage/expertise.py's SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select

from bot.community.expertise import score
from bot.community.model import Signals
from bot.kernel.core import Core
from copbot.bootstrap import open_core
from storage.migrate import _config
from storage.schema import (
    expertise,
    expertise_stale,
    match_feedback,
    matches,
    member_tags,
    members,
    mentor_topics,
    resource_tags,
    resources,
    thanks,
)
from tests.fakes import FakeChat, ManualClock, Talk
from tests.test_community import ELSEWHERE, listed, mentored

Rows = dict[tuple[int, str, int], tuple[int | bool, ...]]


@pytest.fixture
async def engine_core(database_url: str) -> AsyncIterator[tuple[Core, FakeChat]]:
    chat = FakeChat()
    async with open_core(database_url, chat=chat, clock=ManualClock()) as core:
        yield core, chat


async def _table(core: Core, table: Any) -> list[Any]:
    async with core.store.database.transaction() as db:  # type: ignore[attr-defined]
        return list((await db.execute(select(table))).all())


async def counted_afresh(core: Core) -> Rows:
    """Each sign of knowing a topic, counted from the raw rows the way the README says."""
    listed = {
        (m.community_id, m.id): bool(m.listed)
        for m in await _table(core, members)
        if m.erased_at is None
    }
    found: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0] * 8)
    for t in await _table(core, member_tags):
        if t.kind == "skill":
            found[t.community_id, t.tag, t.member_id][0] = 1
    for t in await _table(core, mentor_topics):
        found[t.community_id, t.topic, t.member_id][1] = 1
    ratings = {(f.match_id, f.member_id): f.rating for f in await _table(core, match_feedback)}
    for m in await _table(core, matches):
        row = found[m.community_id, m.topic, m.mentor_id]
        row[2] += 1
        rating = ratings.get((m.id, m.mentee_id))
        if rating is not None:
            row[3] += 1
            row[4] += rating
    saved = {(r.community_id, r.id): r for r in await _table(core, resources)}
    for t in await _table(core, resource_tags):
        resource = saved[t.community_id, t.resource_id]
        if resource.saved_by is not None:
            row = found[t.community_id, t.tag, resource.saved_by]
            row[5] += 1
            row[6] += resource.votes
    for t in await _table(core, thanks):
        if t.topic is not None and t.to_id is not None:
            found[t.community_id, t.topic, t.to_id][7] += 1
    return {
        key: (*row, listed[key[0], key[2]])
        for key, row in found.items()
        if (key[0], key[2]) in listed
    }


async def precomputed(core: Core) -> Rows:
    """The rows' signals and listed flag; their stored score checked against the rule's."""
    rows = await _table(core, expertise)
    for r in rows:
        signals = Signals(
            bool(r.teaches),
            bool(r.mentors),
            r.matched,
            r.rated,
            r.rating,
            r.saved,
            r.votes,
            r.thanked,
        )
        assert r.score == pytest.approx(score(signals)), r
    return {(r.community_id, r.topic, r.member_id): (*r[3:11], bool(r.listed)) for r in rows}


async def test_the_precomputed_expertise_equals_a_count_afresh_after_every_change(
    engine_core: tuple[Core, FakeChat],
) -> None:
    core, chat = engine_core
    talk, elsewhere = Talk(core), Talk(core, community=ELSEWHERE)
    checks = 0

    async def agree() -> None:
        nonlocal checks
        checks += 1
        assert await precomputed(core) == await counted_afresh(core), f"after step {checks}"
        assert await _table(core, expertise_stale) == []

    await listed(talk, "bob", "skills:python, sql")
    await talk("alice", "/profile set skills:go interests:python listed:yes")
    await elsewhere("bob", "/profile set skills:python listed:yes")
    await agree()
    await talk("bob", "/profile set listed:no")
    await agree()
    await talk("bob", "/profile set listed:yes")
    await talk("bob", "/mentor offer topics:python, rust capacity:3")
    await talk("erin", "/profile set interests:python")
    await mentored(talk, chat, "bob", "alice", 5)
    await mentored(talk, chat, "bob", "erin", 2)
    await agree()
    first = await talk("bob", '/library add url:https://example.org/a title:"A" tags:python')
    await talk("bob", '/library add url:https://example.org/b title:"B" tags:"python, sql"')
    await talk.press("alice", "Upvote", on=first)
    await talk.press("erin", "Upvote", on=first)
    await agree()
    # Another member saves a link Bob saved: its new tag counts for Bob, in place on SQLite.
    await talk("erin", '/library add url:https://example.org/b title:"B" tags:"rust, sql"')
    await agree()
    await talk.press("erin", "Upvote", on=first)  # taken back
    await talk("bob", "/library edit id:2 tags:sql, go")
    await talk("bob", "/library remove id:1")
    await talk.press("bob", "Remove")
    await agree()
    await talk("alice", "/thanks @bob topic:python")
    await talk("erin", "/thanks @alice topic:go")
    await talk("bob", "/profile set skills:sql")  # python no longer declared
    await talk("bob", "/mentor offer topics:rust capacity:3")
    await agree()
    assert (await talk("alice", "/privacy erase")).buttons
    await talk.press("alice", "Erase my data")
    await agree()
    # Bob on python: two matches, the one Alice rated 5 no longer rated; her thanks stay.
    assert (0, 0, 2, 1, 2, 0, 0, 1, True) in (await precomputed(core)).values()


async def test_migrating_fills_expertise_from_what_is_there(database_url: str) -> None:
    """A database from before 0020, with members who did things, gets the same rows."""
    chat, clock = FakeChat(), ManualClock()
    async with open_core(database_url, chat=chat, clock=clock) as core:
        talk = Talk(core)
        await listed(talk, "bob", "skills:python")
        await talk("bob", "/mentor offer topics:python capacity:2")
        await talk("alice", "/profile set interests:python")
        await mentored(talk, chat, "bob", "alice", 4)
        await talk("bob", '/library add url:https://example.org/a title:"A" tags:python, sql')
        await talk("alice", "/thanks @bob topic:sql")
        expected = await counted_afresh(core)
        database = core.store.database  # type: ignore[attr-defined]
        await database.run_sync(lambda c: command.downgrade(_config(c), "0017"))
        await database.run_sync(lambda c: command.upgrade(_config(c), "head"))
        assert await precomputed(core) == expected
        assert len(expected) == 2
        clock.advance(timedelta(days=1))
        await talk("alice", "/thanks @bob topic:python")  # the triggers are back
        assert await precomputed(core) == await counted_afresh(core) != expected
