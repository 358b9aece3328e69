"""A PostgreSQL server that stops answering (frozen, or a network that drops packets)
costs a command a quick "try again", never a hang, and copbot is back once it answers.

The server is reached through a loopback proxy that can freeze: it keeps the connections
open and forwards nothing, as a stopped server or a silent network does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.kernel.core import BUSY
from bot.kernel.ports import DatabaseBusy
from copbot.bootstrap import open_core
from storage.database import STATEMENT_TIMEOUT, open_database
from tests.fakes import FakeChat, ManualClock, Talk

PLATFORM_DEADLINE = 3.0  # seconds: Discord and Slack want an answer within this


class FreezingProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.running = asyncio.Event()
        self.running.set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def freeze(self) -> None:
        self.running.clear()

    def thaw(self) -> None:
        self.running.set()

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        self.thaw()

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        server, to_server = await asyncio.open_connection(*self.target)
        pipes = [
            asyncio.create_task(self._pipe(client, to_server)),
            asyncio.create_task(self._pipe(server, to_client)),
        ]
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)  # one side hung up
        for pipe in pipes:
            pipe.cancel()
        for writer in (to_server, to_client):
            writer.close()

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            await self.running.wait()  # frozen: hold what came, forward nothing
            sink.write(data)
            await sink.drain()


@pytest.fixture
async def frozen_url(postgres_url: str) -> AsyncIterator[tuple[str, FreezingProxy]]:
    url = make_url(postgres_url)
    proxy = FreezingProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False), proxy
    await proxy.close()


async def timed(talk: Talk, user: str, line: str) -> tuple[str, float]:
    """The reply's text and how long it took (no waiting for sends afterwards)."""
    started = time.monotonic()
    reply = await talk.core.invoke_text(talk.actor(user), talk.channel, line)
    return reply.text, time.monotonic() - started


@pytest.mark.postgres
async def test_a_frozen_server_answers_busy_in_time_and_copbot_recovers(
    frozen_url: tuple[str, FreezingProxy], chat: FakeChat, clock: ManualClock
) -> None:
    url, proxy = frozen_url
    async with open_core(url, chat=chat, clock=clock) as core:
        talk = Talk(core)
        await talk("alice", "/profile set bio:hello")
        await talk("bob", "/profile set bio:hi")
        proxy.freeze()
        for line in ("/profile show member:bob", "/profile set bio:changed"):
            text, took = await timed(talk, "alice", line)
            assert text == BUSY and took < PLATFORM_DEADLINE, (text, took)
        proxy.thaw()
        started = time.monotonic()
        shown = await talk("alice", "/profile show")
        assert time.monotonic() - started < PLATFORM_DEADLINE
        assert shown.cards[0].body == "hello"  # the change that timed out wasn't committed
        changed = await talk("alice", "/profile set bio:changed")
        assert not changed.error
        assert (await talk("alice", "/profile show")).cards[0].body == "changed"


@pytest.mark.postgres
async def test_a_statement_past_the_timeout_is_busy_and_the_next_one_runs(
    postgres_url: str,
) -> None:
    """The server answers, but too slowly: the statement is given up as busy (not a
    driver's error about the connection's state) and the next unit of work gets a fresh
    connection."""
    database = open_database(postgres_url)
    try:
        for _ in range(2):  # the second one reuses the pool the first left
            with pytest.raises(DatabaseBusy):
                async with database.transaction() as db:
                    await db.execute(text(f"SELECT pg_sleep({STATEMENT_TIMEOUT + 1})"))
        async with database.transaction() as db:
            assert await db.scalar(text("SELECT 41 + 1")) == 42
    finally:
        await database.dispose()
