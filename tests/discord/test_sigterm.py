"""SIGTERM stops `copbot run` gracefully: it exits 0 within 10 s while it is sending, the
sends it claimed go back to waiting, and the next start sends them: every one reaches
Discord once, none twice, none lost. The process also logs JSON lines (`log_format`) and
serves `/healthz` meanwhile."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from bot.kernel.messages import CommunityKey, Reply
from bot.kernel.sends import Post, Send
from copbot.bootstrap import SystemClock
from storage.store import open_store
from tests.discord.conftest import World
from tests.discord.fake_discord import TOKEN, FakeDiscord

ROOT = Path(__file__).parents[2]
SENDS = 40
STARTUP = 90.0  # seconds: a cold start on a loaded machine imports, migrates and logs in


async def record_sends(url: str, guild: int, channel: int) -> None:
    store = await open_store(url, clock=SystemClock())
    try:
        async with store.unit_of_work(CommunityKey("discord", str(guild))) as uow:
            for n in range(SENDS):
                post = Post(Reply(f"notice {n}"), channel_id=str(channel))
                await uow.outbox.add(Send("ops-test", f"notice-{n}", (post,)), SystemClock().now())
            await uow.commit()
    finally:
        await store.close()


class Copbot:
    """`copbot run` in a child process; its stderr read line by line as JSON."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[dict[str, Any]] = []
        self._read = asyncio.create_task(self._reading())

    async def _reading(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(json.loads(raw))  # every line is one JSON object

    async def stopped(self) -> tuple[int, float]:
        """SIGTERM; its exit code, and how long it took."""
        asked = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 30)
        took = time.monotonic() - asked
        await self._read
        return code, took


@asynccontextmanager
async def copbot_run(config: Path, fake: FakeDiscord) -> AsyncIterator[Copbot]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COPBOT_"))}
    environ |= {
        "DISCORD_TOKEN": TOKEN,
        "FAKE_DISCORD_API": fake.base,
        "FAKE_DISCORD_GATEWAY": fake.gateway_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.discord.serve_copbot",
        "--config",
        str(config),
        "run",
        cwd=ROOT,
        env=environ,
        stderr=asyncio.subprocess.PIPE,
    )
    copbot = Copbot(process)
    try:
        yield copbot
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def until(fake: FakeDiscord, condition: Callable[[], Any], seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            try:
                await fake.wait_for(condition)
            except TimeoutError:  # the fake waits 10 s at most each time
                continue


def statuses(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return dict(rows.fetchall())


async def test_sigterm_mid_sending_exits_0_in_time_and_the_next_start_sends_the_rest_once(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    database = tmp_path / "copbot.db"
    url = f"sqlite:///{database}"
    general = world.channel("general")
    await record_sends(url, world.home.id, general)
    config = tmp_path / "config.toml"
    config.write_text(
        f'log_format = "json"\n[database]\nurl = "{url}"\n[ops]\nport = 0\n', encoding="utf-8"
    )

    def posted() -> list[str]:
        return [m["content"] for m in fake.posted_in(general) if m["author"]["bot"]]

    fake.post_delay = 0.1  # 40 sends take 4 s at least: SIGTERM comes in the middle
    async with copbot_run(config, fake) as first:
        await until(fake, lambda: len(posted()) >= 3, STARTUP)
        code, took = await first.stopped()
    assert code == 0 and took < 10, (code, took, first.lines[-5:])
    sent_before = posted()
    assert 3 <= len(sent_before) < SENDS
    assert statuses(database) == {"sent": len(sent_before), "waiting": SENDS - len(sent_before)}
    assert {line["level"] for line in first.lines} <= {"DEBUG", "INFO", "WARNING"}
    assert all({"time", "level", "logger", "message"} <= set(line) for line in first.lines)
    assert any(line["message"].startswith("stopping") for line in first.lines)
    assert TOKEN not in json.dumps(first.lines)

    fake.post_delay = 0.0
    async with copbot_run(config, fake) as second:
        await until(fake, lambda: len(posted()) >= SENDS, STARTUP)
        code, _ = await second.stopped()
    assert code == 0
    assert sorted(posted()) == sorted(f"notice {n}" for n in range(SENDS))  # once each
    assert statuses(database) == {"sent": SENDS}


async def test_healthz_of_a_running_copbot_says_discord_is_connected(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'copbot.db'}"
    config = tmp_path / "config.toml"
    config.write_text(
        f'log_format = "json"\nlog_level = "DEBUG"\n[database]\nurl = "{url}"\n[ops]\nport = 0\n',
        encoding="utf-8",
    )
    async with copbot_run(config, fake) as copbot:
        await until(fake, lambda: fake.identified and fake.commands, STARTUP)
        serving = "serving /healthz and /metrics on 127.0.0.1:"

        def port() -> int | None:
            found = [line for line in copbot.lines if line["message"].startswith(serving)]
            return int(found[0]["message"].removeprefix(serving)) if found else None

        for _ in range(int(STARTUP / 0.05)):  # another process: asked until it says so
            if port() is not None and await _healthy(port()):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"never healthy: {copbot.lines[-5:]}")
        code, _ = await copbot.stopped()
    assert code == 0


async def _healthy(port: int | None) -> bool:
    address = f"http://127.0.0.1:{port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(address) as response:
        body = await response.json()
        return response.status == 200 and body["platforms"] == {"discord": "connected"}
