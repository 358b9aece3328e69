"""What whoever runs copbot sees: `/metrics` (parsed with prometheus_client's own parser)
moves when members run commands and copbot sends, and `/healthz` says when the database
is gone; JSON log lines carry the standard fields and no secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_catalog
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.sends import Post, Send
from copbot.bootstrap import App, open_app
from copbot.logs import Redacted, json_formatter
from copbot.ops import Operations, sample_loop_lag
from copbot.serve import until_stopped
from tests.fakes import HOME, FakeChat, ManualClock, Talk

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(port: int) -> Samples:
    address = f"http://127.0.0.1:{port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(address) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 for one not there yet (a counter nobody moved)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def health(port: int) -> tuple[int, Any]:
    address = f"http://127.0.0.1:{port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(address) as response:
        return response.status, await response.json()


@asynccontextmanager
async def served(url: str, chat: FakeChat, clock: ManualClock) -> AsyncIterator[tuple[App, int]]:
    opened = open_app(url, chat=chat, clock=clock)
    async with opened as app, app.ops.serving("127.0.0.1", 0) as port:
        assert port is not None
        yield app, port


async def test_metrics_count_commands_by_path_and_outcome_with_their_latency(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    async with served(sqlite_url, chat, clock) as (app, port):
        talk = Talk(app.core)
        before = await scrape(port)
        await talk("alice", "/profile set skills:python")
        await talk("alice", "/profile show")
        await talk("alice", "/profile show")
        await talk("alice", "/prompt add text:What did you ship?")  # moderators only
        await talk("alice", "/no-such-command secret-words")
        after = await scrape(port)
    ok = {"kind": "command", "path": "profile show", "outcome": "ok"}
    assert value(before, "copbot_commands_total", **ok) == 0
    assert value(after, "copbot_commands_total", **ok) == 2
    assert value(after, "copbot_commands_total", **{**ok, "path": "profile set"}) == 1
    refused = {"kind": "command", "outcome": "refused"}
    assert value(after, "copbot_commands_total", path="prompt add", **refused) == 1
    assert value(after, "copbot_commands_total", path="unknown", **refused) == 1  # not as typed
    assert not any("secret-words" in str(labels) for _, labels in after)
    shown = {"kind": "command", "path": "profile show"}
    assert value(before, "copbot_command_seconds_count", **shown) == 0
    assert value(after, "copbot_command_seconds_count", **shown) == 2
    assert value(after, "copbot_command_seconds_sum", **shown) > 0
    assert value(after, "copbot_command_seconds_bucket", le="+Inf", **shown) == 2


async def test_metrics_count_sends_and_show_the_outbox_backlog(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    chat.failing.add("busy-channel")
    async with served(sqlite_url, chat, clock) as (app, port):
        async with app.core.store.unit_of_work(HOME) as uow:
            for n, channel in enumerate(("general", "busy-channel")):
                post = Post(Reply(f"notice {n}"), channel_id=channel)
                await uow.outbox.add(Send("notice", f"ops-{n}", (post,)), clock.now())
            await uow.commit()
        clock.advance(timedelta(minutes=5))  # both fell due five minutes ago, none went yet
        waiting = await scrape(port)
        await app.outbox.drain()  # one goes out, the other fails and waits for its retry
        after = await scrape(port)
    platform = HOME.platform
    assert value(waiting, "copbot_outbox_unfinished", platform=platform) == 2
    assert value(waiting, "copbot_outbox_oldest_due_seconds", platform=platform) == 300
    assert value(after, "copbot_sends_total", platform=platform, outcome="sent") == 1
    assert value(after, "copbot_sends_total", platform=platform, outcome="failed") == 1
    assert value(after, "copbot_outbox_unfinished", platform=platform) == 1
    assert value(after, "copbot_outbox_oldest_due_seconds", platform=platform) == 0  # retry later
    assert [sent.reply.text for sent in chat.sent] == ["notice 0"]
    assert value(after, "copbot_database_connections") == 2  # SQLite's writer and snapshot


async def test_the_loop_lag_sampler_sees_a_stalled_loop() -> None:
    lags: list[float] = []
    sampled = asyncio.Event()

    class Recorder:
        def observe(self, amount: float) -> None:
            lags.append(amount)
            sampled.set()

    sampler = asyncio.create_task(sample_loop_lag(Recorder(), every=0.001))
    await asyncio.sleep(0)  # the sampler starts its sleep
    time.sleep(0.05)  # and the loop is stuck meanwhile  # noqa: ASYNC251
    async with asyncio.timeout(5):
        await sampled.wait()
    sampler.cancel()
    assert lags[0] >= 0.04  # it woke 50 ms late, less its own 1 ms


async def test_healthz_says_ok_then_503_when_a_platform_or_the_database_is_gone(
    postgres_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    parts = urlsplit(postgres_url)
    name = f"{parts.path.lstrip('/')}_healthz"
    admin = await asyncpg.connect(postgres_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        own = urlunsplit(parts._replace(path=f"/{name}"))
        async with served(own, chat, clock) as (app, port):
            up = True

            async def connected() -> bool:
                return up

            app.ops.check("discord", connected)
            assert await health(port) == (
                200,
                {"status": "ok", "database": "ok", "platforms": {"discord": "connected"}},
            )
            up = False
            status, body = await health(port)
            assert (status, body["platforms"]) == (503, {"discord": "disconnected"})
            up = True
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            status, body = await health(port)
            assert (status, body["status"], body["database"]) == (503, "down", "unreachable")
            assert (await scrape(port))[("copbot_database_connections", frozenset())] == 15
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_taken_port_leaves_copbot_running_without_them(
    sqlite_url: str, chat: FakeChat, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        served(sqlite_url, chat, clock) as (_, port),
        Operations().serving("127.0.0.1", port) as again,
    ):
        assert again is None
    assert "can't serve /healthz and /metrics" in caplog.text


def test_json_log_lines_carry_the_standard_fields_and_no_secret() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(json_formatter())
    handler.addFilter(Redacted(["xoxb-the-bot-token", "hunter2"]))
    logger = logging.getLogger("copbot.test_json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("connected with %s to %s", "xoxb-the-bot-token", "db:hunter2@host")
        try:
            raise RuntimeError("refused xoxb-the-bot-token")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "connected with *** to db:***@host"
    assert (first["level"], first["logger"]) == ("INFO", "copbot.test_json")
    assert first["time"].endswith("+00:00")
    assert second["level"] == "ERROR" and "RuntimeError: refused ***" in second["exc_info"]
    assert "xoxb" not in out.getvalue() and "hunter2" not in out.getvalue()


async def test_a_stop_takes_no_new_work_and_waits_for_the_calls_under_way(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    catalog = build_catalog()
    begun, release, intake_closed = asyncio.Event(), asyncio.Event(), asyncio.Event()

    @catalog.command("ops slow", "A command that takes its time")
    async def slow(context: Context) -> Reply:
        begun.set()
        await release.wait()
        await context.uow.outbox.add(
            Send("ops-test", "after", (Post(Reply("late"), channel_id="general"),)), context.now
        )
        return Reply("done")

    async def stop_taking_work() -> None:
        intake_closed.set()

    async with open_app(sqlite_url, chat=chat, clock=clock, catalog=catalog) as app:
        talk = Talk(app.core)
        call = asyncio.create_task(talk("alice", "/ops slow"))
        await begun.wait()
        stopping = asyncio.Event()
        stopper = asyncio.create_task(
            until_stopped(asyncio.Event().wait(), stopping, stop_taking_work, app.core)
        )
        stopping.set()
        await intake_closed.wait()
        assert not stopper.done() and app.core.calls.running == 1  # it waits for the call
        release.set()
        await stopper
        assert (await call).text == "done"  # finished, and committed
        assert app.core.calls.running == 0
        await app.outbox.drain()  # the outbox stopped: what the call recorded waits
        assert chat.sent == []
        backlog = await app.ops.stores[0].outbox_backlog(clock.now())
    assert [(b.platform, b.unfinished) for b in backlog] == [(HOME.platform, 1)]
