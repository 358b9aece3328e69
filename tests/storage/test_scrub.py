"""`Database.scrub` on each engine, and migration 0010's move of mentoring's private spaces
out of the settings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy import Connection, insert, select

from bot.kernel.messages import MessageRef
from bot.library.model import NewResource
from storage.database import open_database
from storage.migrate import _config
from storage.personal import PERSONAL_TABLES
from storage.schema import community_settings, member_inboxes
from storage.store import SqlStore, open_store
from tests.fakes import HOME, START, ManualClock

SECRET = "zqscrubsecret"


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(sqlite_url, clock=ManualClock())
    yield opened
    await opened.close()


async def test_sqlite_scrub_empties_the_wal_and_the_search_index(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    async with sqlite_store.unit_of_work(HOME) as uow:
        member = await uow.members.add("alice", "Alice", None, START)
        saved = await uow.library.add(
            NewResource("https://example.org", f"{SECRET} title", SECRET, (), member.id), START
        )
        await uow.commit()
    async with sqlite_store.unit_of_work(HOME) as uow:
        await uow.library.remove(saved.id)
        await uow.commit()
    files = [tmp_path / "copbot.db", tmp_path / "copbot.db-wal"]
    assert SECRET.encode() in b"".join(f.read_bytes() for f in files)  # the -wal, the index
    await sqlite_store.scrub()
    assert (tmp_path / "copbot.db-wal").stat().st_size == 0
    assert SECRET.encode() not in (tmp_path / "copbot.db").read_bytes()


@pytest.mark.postgres
async def test_postgres_scrub_vacuums_every_table_that_holds_member_data(
    postgres_url: str,
) -> None:
    store = await open_store(postgres_url, clock=ManualClock())
    try:
        await store.scrub()
    finally:
        await store.close()
    connection = await asyncpg.connect(postgres_url)
    try:
        vacuumed = await connection.fetch(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
        )
    finally:
        await connection.close()
    assert sorted(r[0] for r in vacuumed) == sorted(set(PERSONAL_TABLES) - {"resource_search"})


async def test_migration_0010_moves_private_spaces_into_their_table(database_url: str) -> None:
    database = open_database(database_url)
    try:
        await database.run_sync(lambda c: command.upgrade(_config(c), "0007"))
        await database.run_sync(_an_inbox_in_the_settings)
        await database.run_sync(lambda c: command.upgrade(_config(c), "0010"))
        moved, left = await database.run_sync(_inboxes_and_settings)
    finally:
        await database.dispose()
    assert moved == [(1, 1, "mentoring", "t9")]
    assert left == ["mentoring.channel"]


def _an_inbox_in_the_settings(connection: Connection) -> None:
    connection.exec_driver_sql(
        "INSERT INTO communities (id, platform, external_id, created_at) "
        "VALUES (1, 'test', 'home', '2026-01-05T09:00:00+00:00')"
    )
    connection.exec_driver_sql(
        "INSERT INTO members (id, community_id, user_id, display_name, bio, version, "
        "created_at, updated_at) VALUES (1, 1, 'alice', 'Alice', '', 1, "
        "'2026-01-05T09:00:00+00:00', '2026-01-05T09:00:00+00:00')"
    )
    space = MessageRef("test", "mentoring", "", "t9")
    connection.execute(
        insert(community_settings),
        [
            {
                "community_id": 1,
                "key": "mentoring.inbox.1",
                "value": json.dumps({"channel": space.channel_id, "thread": space.thread_id}),
            },
            {"community_id": 1, "key": "mentoring.inbox.7", "value": "null"},  # erased
            {"community_id": 1, "key": "mentoring.channel", "value": '"mentoring"'},
        ],
    )


def _inboxes_and_settings(connection: Connection) -> tuple[list[tuple[object, ...]], list[str]]:
    moved = [tuple(row) for row in connection.execute(select(member_inboxes))]
    left = list(connection.execute(select(community_settings.c.key)).scalars())
    return moved, left
