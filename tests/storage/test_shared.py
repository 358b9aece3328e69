"""What processes on one PostgreSQL database share (storage/shared.py): a request id is
first for one caller only, until it expires; a token's turns keep every process's requests
together within the rate. SQLite shares nothing (one process per file)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, select

from storage.shared import PRUNE_EVERY, SqlSharedLimits, seen, shared_metadata
from storage.store import SqlStore, open_store
from tests.fakes import ManualClock

WINDOW = timedelta(minutes=10)


@pytest.fixture
async def stores(postgres_url: str, clock: ManualClock) -> AsyncIterator[list[SqlStore]]:
    """Two processes' stores on one database (each its own pool)."""
    opened = [await open_store(postgres_url, clock=clock) for _ in range(2)]
    yield opened
    for store in opened:
        await store.close()


def shared_of(store: SqlStore) -> SqlSharedLimits:
    assert store.shared is not None
    return store.shared


def _shared_differences(connection: Connection) -> list[object]:
    def shared_only(name: str | None, kind: str, parents: object) -> bool:
        return kind != "table" or (name or "") in shared_metadata.tables

    context = MigrationContext.configure(connection, opts={"include_name": shared_only})
    return compare_metadata(context, shared_metadata)


async def test_migration_0018_builds_the_shared_tables(database_url: str) -> None:
    store = await open_store(database_url, clock=ManualClock())
    try:
        assert await store.database.run_sync(_shared_differences) == []
    finally:
        await store.close()


async def test_sqlite_shares_nothing(sqlite_url: str) -> None:
    store = await open_store(sqlite_url, clock=ManualClock())
    try:
        assert store.shared is None
    finally:
        await store.close()


@pytest.mark.postgres
async def test_a_key_is_first_for_one_caller_among_processes_at_once(
    stores: list[SqlStore],
) -> None:
    one, two = (shared_of(s) for s in stores)
    asked = [s.first_seen("slack", "event Ev1", WINDOW) for s in (one, two) for _ in range(5)]
    assert sorted(await asyncio.gather(*asked)) == [False] * 9 + [True]
    assert await two.first_seen("slack", "event Ev2", WINDOW)
    assert await one.first_seen("other", "event Ev1", WINDOW)  # another scope is another key


@pytest.mark.postgres
async def test_a_key_is_new_again_once_expired_and_expired_keys_are_swept(
    stores: list[SqlStore], clock: ManualClock
) -> None:
    one, two = (shared_of(s) for s in stores)
    assert await one.first_seen("slack", "a", WINDOW)
    clock.advance(WINDOW - timedelta(seconds=1))
    assert not await two.first_seen("slack", "a", WINDOW)
    clock.advance(timedelta(seconds=2))
    assert await two.first_seen("slack", "a", WINDOW)  # taken over in place
    assert not await one.first_seen("slack", "a", WINDOW)
    for n in range(3):
        await one.first_seen("slack", f"old {n}", timedelta(seconds=1))
    clock.advance(PRUNE_EVERY)
    await two.first_seen("slack", "b", WINDOW)  # a minute after its last sweep: another
    async with stores[0].database.reading() as db:
        left = await db.scalar(select(func.count()).select_from(seen))
    assert left == 2  # "a" (renewed) and "b"


@pytest.mark.postgres
async def test_turns_keep_every_process_within_the_rate(stores: list[SqlStore]) -> None:
    """One request a second and 2 at once (slow enough that a busy machine's delays, well
    under a second, can't blur it): 6 turns taken at one moment from two processes, some
    several in one call, wait 0, 0 (the burst), then 1, 2, 3, 4 seconds, whoever asked."""
    one, two = (shared_of(s) for s in stores)
    taken = await asyncio.gather(
        one.turns("discord test", 1.0, 2, 1),
        two.turns("discord test", 1.0, 2, 3),
        one.turns("discord test", 1.0, 2, 2),
    )
    waits = sorted(w for batch in taken for w in batch)
    expected = [0, 0, 1, 2, 3, 4]
    # Off by the time the turns took (less), or a row lock waited for (more: its statement
    # began before the one it waited on).
    assert all(abs(a - b) < 0.5 for a, b in zip(waits, expected, strict=True)), taken
    three = taken[1]  # one call's turns follow each other (past the burst's, which are 0)
    assert three == sorted(three) and three[2] - three[1] == pytest.approx(1.0, abs=0.01)
    [later] = await two.turns("discord test", 1.0, 2, 1)
    assert 4 < later <= 5  # the turns taken before are still ahead
    assert await one.turns("discord another token", 1.0, 2, 2) == [0.0, 0.0]
