"""Fixtures: a real SQLite file for every test, and PostgreSQL for the storage contract.

PostgreSQL comes from $COPBOT_TEST_POSTGRES_URL (default: the local server's `test`
database). Its tests fail when CI=true and the server is unreachable; elsewhere they skip
with the reason.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.kernel.core import Core
from copbot.bootstrap import open_core
from tests.fakes import FakeChat, ManualClock, Talk

POSTGRES_URL = os.environ.get(
    "COPBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def _fresh_postgres() -> str:
    """Empty the test database's public schema; fail or skip if there is no server."""
    try:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable: {error!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason + " (set COPBOT_TEST_POSTGRES_URL to run them)")
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    return POSTGRES_URL


@pytest.fixture
async def postgres_url() -> str:
    return await _fresh_postgres()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'copbot.db'}"


@pytest.fixture(params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each engine in turn: the storage contract holds on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'copbot.db'}"
    return await _fresh_postgres()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()


@pytest.fixture
async def core(sqlite_url: str, chat: FakeChat, clock: ManualClock) -> AsyncIterator[Core]:
    async with open_core(sqlite_url, chat=chat, clock=clock) as opened:
        yield opened


@pytest.fixture
def talk(core: Core) -> Talk:
    return Talk(core)
