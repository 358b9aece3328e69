"""The storage contract: the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Executable, Row, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase

import storage.members
from bot.common.cadence import Cadence
from bot.common.errors import StaleWrite
from bot.common.offload import MANY
from bot.kernel.members import Locale, Member
from bot.kernel.messages import CommunityKey
from bot.kernel.ports import WritesNeeded
from bot.mentoring.model import RequestStatus, RoundEdits
from bot.prompts.model import Occurrence, Outcome
from storage.database import Db, Fetched, Parameters, open_database
from storage.members import SqlMemberRepository
from storage.migrate import migrate
from storage.schema import communities, declared_here, members, metadata
from storage.store import SqlStore, open_store
from tests.fakes import HOME, START, ManualClock

ELSEWHERE = CommunityKey("test", "elsewhere")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(database_url, clock=ManualClock())
    yield opened
    await opened.close()


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"include_name": declared_here})
    return compare_metadata(context, metadata)


async def test_migrations_build_the_declared_schema_from_empty(database_url: str) -> None:
    database = open_database(database_url)
    try:
        before, after = await migrate(database)
        assert (before, after) == (None, "0023")
        assert await migrate(database) == ("0023", "0023")
        assert await database.run_sync(_differences) == []
    finally:
        await database.dispose()


async def test_a_member_round_trips_with_ordered_tags_and_utc_times(store: SqlStore) -> None:
    async with store.unit_of_work(HOME) as uow:
        added = await uow.members.add("alice", "Alice", "Europe/Berlin", START)
        await uow.members.save(
            replace(
                added,
                skills=("sql", "python"),
                interests=("rust",),
                languages=("german",),
                bio="hi",
            ),
            START + timedelta(hours=1),
        )
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        found = await uow.members.by_user("alice")
    assert found is not None
    assert (found.skills, found.interests, found.languages) == (
        ("sql", "python"),
        ("rust",),
        ("german",),
    )
    assert found.version == 2 and found.bio == "hi" and found.timezone == "Europe/Berlin"
    assert found.created_at == START and found.created_at.tzinfo == UTC
    assert found.updated_at == START + timedelta(hours=1)


async def test_leaving_without_commit_keeps_nothing(store: SqlStore) -> None:
    async with store.unit_of_work(HOME) as uow:
        await uow.members.add("alice", "Alice", None, START)
    async with store.unit_of_work(HOME) as uow:
        assert await uow.members.by_user("alice") is None


async def test_a_stale_version_is_refused_and_changes_nothing(store: SqlStore) -> None:
    async with store.unit_of_work(HOME) as uow:
        added = await uow.members.add("alice", "Alice", None, START)
        await uow.members.save(replace(added, bio="first"), START)
        with pytest.raises(StaleWrite):
            await uow.members.save(replace(added, bio="second", skills=("go",)), START)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        found = await uow.members.by_user("alice")
    assert found is not None and found.bio == "first" and found.skills == ()


async def test_adding_someone_twice_returns_the_first(store: SqlStore) -> None:
    async with store.unit_of_work(HOME) as uow:
        first = await uow.members.add("alice", "Alice", None, START)
        again = await uow.members.add("alice", "Alice again", None, START)
        await uow.commit()
    assert again.id == first.id and again.display_name == "Alice"


async def test_erase_anonymises_and_frees_the_platform_id(store: SqlStore) -> None:
    async with store.unit_of_work(HOME) as uow:
        added = await uow.members.add("alice", "Alice", "Asia/Tokyo", START)
        saved = await uow.members.save(replace(added, skills=("python",), bio="me"), START)
        await uow.members.erase(saved, START)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        assert await uow.members.by_user("alice") is None
        former = await uow.members.by_user(f"erased:{added.id}")
        assert former is not None
        assert (former.display_name, former.timezone, former.bio, former.skills) == (
            "Former member",
            None,
            "",
            (),
        )
        assert (await uow.members.add("alice", "Alice", None, START)).id != added.id


async def test_tags_in_use_counts_members_by_prefix_within_one_community(store: SqlStore) -> None:
    for community, user, skills, interests in [
        (HOME, "a", ("python", "postgresql"), ("python",)),
        (HOME, "b", ("python",), ()),
        (HOME, "c", ("p%x",), ()),
        (ELSEWHERE, "d", ("python", "perl"), ()),
    ]:
        async with store.unit_of_work(community) as uow:
            added = await uow.members.add(user, user, None, START)
            await uow.members.save(replace(added, skills=skills, interests=interests), START)
            await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        assert await uow.members.tags_in_use("p", 10) == [
            ("python", 2),
            ("p%x", 1),
            ("postgresql", 1),
        ]
        assert await uow.members.tags_in_use("p%", 10) == [("p%x", 1)]
        assert await uow.members.tags_in_use("", 1) == [("python", 2)]
    async with store.unit_of_work(ELSEWHERE) as uow:
        assert await uow.members.tags_in_use("p", 10) == [("perl", 1), ("python", 1)]
        assert await uow.members.by_user("a") is None


async def test_a_community_survives_the_rollback_of_its_first_command(store: SqlStore) -> None:
    new = CommunityKey("test", "brand-new")
    async with store.unit_of_work(new) as uow:
        await uow.members.add("alice", "Alice", None, START)
    async with store.unit_of_work(new) as uow:
        added = await uow.members.add("alice", "Alice", None, START)
        await uow.commit()
    async with store.database.transaction() as db:
        community = await db.scalar(select(members.c.community_id).where(members.c.id == added.id))
    assert community is not None


async def test_a_unit_of_work_holds_up_nobody_before_its_first_statement(store: SqlStore) -> None:
    """A round plans between opening its unit of work and its first write; meanwhile
    other units of work must go ahead (on SQLite they take turns on one lock)."""
    async with store.unit_of_work(HOME) as planning:

        async def someone_else_writes() -> None:
            async with store.unit_of_work(HOME) as uow:
                await uow.members.add("bob", "Bob", None, START)
                await uow.commit()

        await asyncio.wait_for(someone_else_writes(), timeout=5)
        assert await planning.members.by_user("bob") is not None


async def test_a_snapshot_reads_one_moment_and_writers_go_ahead_meanwhile(
    store: SqlStore,
) -> None:
    async with store.unit_of_work(HOME) as uow:
        await uow.members.add("alice", "Alice", None, START)
        await uow.commit()
    async with store.snapshot(HOME) as snapshot:
        assert await snapshot.members.by_user("alice") is not None
        async with store.unit_of_work(HOME) as uow:  # not held up by the snapshot
            await asyncio.wait_for(uow.members.add("bob", "Bob", None, START), timeout=5)
            await uow.commit()
        assert await snapshot.members.by_user("bob") is None  # committed after it began
    async with store.snapshot(HOME) as later:
        assert await later.members.by_user("bob") is not None


async def test_reading_goes_ahead_beside_a_writer_and_stops_at_a_write(store: SqlStore) -> None:
    async with store.unit_of_work(HOME) as uow:
        await uow.members.add("alice", "Alice", None, START)
        await uow.commit()
    async with store.unit_of_work(HOME) as writing:
        found = await writing.members.by_user("alice")
        assert found is not None
        await writing.members.save(replace(found, bio="unfinished"), START)
        async with store.reading(HOME) as reading:  # not held up by the open write
            seen = await asyncio.wait_for(reading.members.by_user("alice"), timeout=5)
            assert seen is not None and seen.bio == ""  # only what is committed
            with pytest.raises(WritesNeeded):
                await reading.members.add("bob", "Bob", None, START)
        await writing.commit()
    async with store.unit_of_work(HOME) as uow:
        assert await uow.members.by_user("bob") is None


async def test_a_snapshot_refuses_to_write(store: SqlStore) -> None:
    async with store.snapshot(HOME) as snapshot:
        with pytest.raises(DBAPIError):
            await snapshot.members.add("alice", "Alice", None, START)
    async with store.unit_of_work(HOME) as uow:
        assert await uow.members.by_user("alice") is None


async def test_the_audit_log_is_per_community_newest_first_and_knows_what_changed(
    store: SqlStore,
) -> None:
    async with store.unit_of_work(HOME) as uow:
        assert await uow.members.by_user("mod") is None and not uow.changed
        mod = await uow.members.add("mod", "Mod", None, START)
        assert uow.changed
        for n in range(3):
            await uow.audit.add(mod.id, "/prompt add", f"text={n}", START + timedelta(minutes=n))
        await uow.commit()
    async with store.unit_of_work(ELSEWHERE) as uow:
        other = await uow.members.add("mod", "Mod", None, START)
        await uow.audit.add(other.id, "/prompt add", "elsewhere", START)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        newest = await uow.audit.recent(2)
        rest = await uow.audit.recent(2, offset=2, member_id=mod.id)
    assert [e.detail for e in newest] == ["text=2", "text=1"]
    assert [e.detail for e in rest] == ["text=0"]
    assert newest[0].created_at == START + timedelta(minutes=2)


async def test_exclusions_of_every_open_request_come_in_one_read(store: SqlStore) -> None:
    """Either side's don't-match list, passes on the same mentee and topic, partners since
    the cut-off: per request, and nothing from another community."""
    cut_off = START - timedelta(days=30)
    async with store.unit_of_work(HOME) as uow:
        ids = {}
        for name in ("ann", "ben", "m1", "m2", "m3", "m4"):
            ids[name] = (await uow.members.add(name, name, None, START)).id
        mentoring = uow.mentoring
        await mentoring.avoid(ids["ann"], ids["m1"], keep=True)  # ann's own list
        await mentoring.avoid(ids["m2"], ids["ben"], keep=True)  # m2's list names ben
        await mentoring.add_pass(ids["ann"], ids["m3"], "python", "declined", START)
        await mentoring.add_pass(ids["ann"], ids["m4"], "rust", "declined", START)  # other topic
        ann = await mentoring.add_request(ids["ann"], "python", "", "general", START)
        ben = await mentoring.add_request(ids["ben"], "python", "", "general", START)
        for topic, mentor, started in (
            ("rust", "m2", cut_off - timedelta(days=9)),
            ("go", "m4", START),
        ):
            done = await mentoring.add_request(ids["ann"], topic, "", "general", started)
            await mentoring.ask([(done.id, ids[mentor])], started, started + timedelta(days=2))
            assert await mentoring.answer(done.id, ids[mentor], RequestStatus.MATCHED, started)
            await mentoring.add_match(done, ids[mentor], started)
        ended = await mentoring.matches(ids["ann"], active=True)
        await mentoring.end_match(ended[-1].id, cut_off - timedelta(days=1))  # m2's, long ago
        await uow.commit()
    async with store.unit_of_work(ELSEWHERE) as uow:
        carol = await uow.members.add("carol", "Carol", None, START)
        dave = await uow.members.add("dave", "Dave", None, START)
        await uow.mentoring.avoid(carol.id, dave.id, keep=True)
        await uow.mentoring.add_request(carol.id, "python", "", "general", START)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        every = await uow.mentoring.exclusions(cut_off)
        one = await uow.mentoring.exclusions(cut_off, ben.id)
    assert every == {ann.id: {ids["m1"], ids["m3"], ids["m4"]}, ben.id: {ids["m2"]}}
    assert one == {ben.id: {ids["m2"]}}


async def test_a_rounds_compact_reads_equal_the_whole_records(store: SqlStore) -> None:
    """What a round reads of thousands (open requests, members' timezone and languages)
    is what the whole records say: only open requests, oldest first, over more than one
    page; languages in their order; nothing of another community."""
    async with store.unit_of_work(HOME) as uow:
        ann = await uow.members.add("ann", "Ann", "Europe/Berlin", START)
        ann = await uow.members.save(replace(ann, languages=("German", "English")), START)
        ben = await uow.members.add("ben", "Ben", None, START)
        for n in range(2100):  # past one page of storage.mentoring._ROUND_PAGE
            await uow.mentoring.add_request(ben.id if n % 2 else ann.id, f"t{n}", "", "g", START)
        closed = await uow.mentoring.add_request(ann.id, "closed", "", "g", START)
        await uow.mentoring.cancel(closed.id, START)
        await uow.commit()
    async with store.unit_of_work(ELSEWHERE) as uow:
        carol = await uow.members.add("carol", "Carol", "UTC", START)
        await uow.mentoring.add_request(carol.id, "python", "", "g", START)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        compact = await uow.mentoring.open_requests()
        whole = await uow.mentoring.requests([RequestStatus.ASKING, RequestStatus.WAITING])
        locales = await uow.members.locales([ann.id, ben.id, carol.id])
        nothing_proposed = await uow.mentoring.preview_edits()
        await uow.mentoring.add_round([], [7], START, RoundEdits(dropped=(7,)))
        edits = await uow.mentoring.preview_edits()
    assert [(r.id, r.mentee_id, r.topic, r.left_out) for r in whole] == compact
    assert len(compact) == 2100 and closed.id not in {r.id for r in compact}
    assert locales == {
        ann.id: Locale("Europe/Berlin", ("German", "English")),
        ben.id: Locale(None, ()),
    }
    assert (nothing_proposed, edits) == (None, RoundEdits(dropped=(7,)))


async def test_topics_on_offer_count_mentors_and_room_within_one_community(
    store: SqlStore,
) -> None:
    """Room: not paused (or paused until a time that passed) and a place no match takes."""
    async with store.unit_of_work(HOME) as uow:
        ids = {}
        for name in ("ann", "m1", "m2", "m3", "m4"):
            ids[name] = (await uow.members.add(name, name, None, START)).id
        mentoring = uow.mentoring
        for mentor, topics, paused, until in (
            ("m1", ["python", "sql"], False, None),
            ("m2", ["python"], True, None),  # paused until they resume
            ("m3", ["python"], True, START - timedelta(hours=1)),  # the pause is over
            ("m4", ["go", "python"], True, START + timedelta(days=1)),
        ):
            await mentoring.save_mentor(ids[mentor], 1, topics, paused, until, START)
        taken = await mentoring.add_request(ids["ann"], "sql", "", "general", START)
        await mentoring.ask([(taken.id, ids["m1"])], START, START + timedelta(days=2))
        assert await mentoring.answer(taken.id, ids["m1"], RequestStatus.MATCHED, START)
        await mentoring.add_match(taken, ids["m1"], START)  # m1's one place
        await uow.commit()
    async with store.unit_of_work(ELSEWHERE) as uow:
        other = await uow.members.add("carol", "Carol", None, START)
        await uow.mentoring.save_mentor(other.id, 3, ["rust", "python"], False, None, START)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        offered = await uow.mentoring.topics_on_offer(START, 10)
        first = await uow.mentoring.topics_on_offer(START, 1)
    assert offered == [("python", 4, 1), ("go", 1, 0), ("sql", 1, 0)]
    assert first == [("python", 4, 1)]


@pytest.mark.postgres
async def test_two_processes_saving_one_profile_keep_exactly_one_write(postgres_url: str) -> None:
    """Two stores (as two processes would have) on one PostgreSQL: the second writer
    waits for the first, then finds the version moved on and writes nothing."""
    first = await open_store(postgres_url, clock=ManualClock())
    second = await open_store(postgres_url, clock=ManualClock())
    try:
        async with first.unit_of_work(HOME) as uow:
            await uow.members.add("alice", "Alice", None, START)
            await uow.commit()
        async with first.unit_of_work(HOME) as a, second.unit_of_work(HOME) as b:
            seen_by_a, seen_by_b = (
                await a.members.by_user("alice"),
                await b.members.by_user("alice"),
            )
            assert seen_by_a is not None and seen_by_b is not None
            await a.members.save(replace(seen_by_a, bio="from a"), START)
            racing = asyncio.create_task(b.members.save(replace(seen_by_b, bio="from b"), START))
            await asyncio.sleep(0.2)
            assert not racing.done(), "b must wait for a's row lock"
            await a.commit()
            with pytest.raises(StaleWrite):
                await racing
        async with second.unit_of_work(HOME) as uow:
            found = await uow.members.by_user("alice")
        assert found is not None and found.bio == "from a" and found.version == 2
        async with first.database.transaction() as db:
            assert await db.scalar(select(func.count()).select_from(members)) == 1
    finally:
        await first.close()
        await second.close()


async def test_when_each_starter_prompt_was_last_used(store: SqlStore) -> None:
    async with store.unit_of_work(HOME) as uow:
        schedule = await uow.prompts.add_schedule("weekly", Cadence(0, 9, 0, "UTC"), None, START)
        for days, index, outcome in (
            (0, 3, Outcome.POSTED),
            (7, 3, Outcome.POSTED),
            (14, 5, Outcome.FAILED),
        ):
            due = START + timedelta(days=days)
            claimed = Occurrence(
                0, schedule.id, due, outcome, "text", None, index, "me", due, None, False
            )
            assert await uow.prompts.claim(claimed) is not None
        assert await uow.prompts.claim(claimed) is None  # that occurrence is taken
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        assert await uow.prompts.bank_last_used() == {3: START + timedelta(days=7)}
    async with store.unit_of_work(ELSEWHERE) as uow:
        assert await uow.prompts.bank_last_used() == {}


class _Recorded:
    """A transaction's connection that notes which tables each statement touches."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self.dialect = db.dialect
        self.tables: list[str] = []

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Fetched:
        if isinstance(statement, UpdateBase):
            self.tables.append(statement.table.name)  # type: ignore[attr-defined]
        return await self._db.execute(statement, parameters)

    def later(self, statement: Executable, parameters: Parameters = None) -> None:
        self.tables.append(statement.table.name)  # type: ignore[attr-defined]
        self._db.later(statement, parameters)


async def test_a_save_rewrites_tags_only_when_they_changed(store: SqlStore) -> None:
    async with store.unit_of_work(HOME) as uow:
        added = await uow.members.add("alice", "Alice", None, START)
        await uow.members.save(replace(added, skills=("sql", "go")), START)
        await uow.commit()
    async with store.database.transaction() as db:
        recorded = _Recorded(db)
        community_id = await db.scalar(select(communities.c.id))
        repository = SqlMemberRepository(recorded, community_id, HOME.platform)  # type: ignore[arg-type]
        found = await repository.by_user("alice")
        assert found is not None
        saved = await repository.save(replace(found, bio="same tags"), START)
        assert recorded.tables == ["members"]
        await repository.save(replace(saved, skills=("go", "sql")), START)
        assert recorded.tables == ["members", "members", "member_tags", "member_tags"]
        await db.commit()
    async with store.unit_of_work(HOME) as uow:
        found = await uow.members.by_user("alice")
    assert found is not None and (found.bio, found.skills) == ("same tags", ("go", "sql"))


async def test_many_members_are_read_off_the_loop_and_saved_as_read(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round's thousands of members are made from their rows in a thread, so the event
    loop answers meanwhile; each is still known for a later save (tags written only when
    they changed)."""
    async with store.unit_of_work(HOME) as uow:
        for i in range(MANY + 1):
            added = await uow.members.add(f"u{i}", f"U{i}", None, START)
            await uow.members.save(replace(added, skills=("go",)), START)
        await uow.commit()
    made_in: set[int] = set()
    make = storage.members._member

    def watched(rows: Sequence[Row[Any]]) -> Member:
        made_in.add(threading.get_ident())
        return make(rows)

    monkeypatch.setattr(storage.members, "_member", watched)
    async with store.unit_of_work(HOME) as uow:
        found = await uow.members.by_ids(range(1, MANY + 2))
        assert len(found) == MANY + 1 and all(m.skills == ("go",) for m in found.values())
        first = found[min(found)]
        await uow.members.save(replace(first, bio="read with the rest"), START)
        await uow.commit()
    assert made_in and threading.get_ident() not in made_in
    async with store.unit_of_work(HOME) as uow:
        again = await uow.members.by_user(first.user_id)
    assert again is not None and (again.bio, again.skills) == ("read with the rest", ("go",))
