"""copbot at scale: 4 copbot processes on one PostgreSQL database (2 Discord shard sets, 2
Slack HTTP workers behind a round-robin loopback proxy) serving many communities, under a
steady stream of commands while thousands of prompt postings fall due.

Why: limits that belong to a token and claims that make a send happen once only hold if
the processes share them; this runs them side by side, each a real process, as `copbot
run` would (the round's worker processes aside: no round runs here). The loopback Discord
runs in a process of its own, with one guild per community but one (the Slack workspace,
served by one bot token), one member and 10 prompt channels each; it sends half the
commands as INTERACTION_CREATE to the shard that owns the guild and times each to copbot's
answer, and counts the bot token's requests over every second. This process plays Slack
(the loopback Slack of tests/slack) and the load balancer, and sends the other half as
signed `/cop` commands, timed from the request to the reply at its response_url. Every
prompt schedule is due at the start (this minute, posted late within the grace window).

Printed: p99 per platform against the targets of bench.discord_e2e (answer under 250 ms)
and bench.slack_e2e (reply under 500 ms), the peak requests in one second for the bot
token (under Discord's 50), prompt postings doubled and lost (each channel must hold
exactly one), and each copbot process's RSS (now and at its peak). Exits 1 when one is
missed. Also printed, to judge the figures by: the loopback Discord's own event-loop lag
(the bench must not measure the fake), the load average, and a calibration measured in the
same run (raw SQLite statements and PostgreSQL round trips a second).

At Discord's limit a posting's two requests (the post, its thread) take 1/20 s:
10,000 postings need over 8 minutes whatever copbot does, and the run waits for them.

Run from the repository root, on a PostgreSQL database it may empty (its public schema is
dropped first): `.venv/bin/python -m bench.scale --database postgresql://... [--seconds 60]
[--communities 1000] [--rate 200]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import math
import multiprocessing
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import discord
import yarl
from aiohttp import web
from rich.console import Console
from rich.table import Table

from adapters.discord import CopbotClient, DiscordOptions
from adapters.discord.chat import PLATFORM as DISCORD
from adapters.slack import SlackOptions, slack_running
from adapters.slack.chat import PLATFORM as SLACK
from bench.calibration import sqlite_reads_per_second
from bot.common.cadence import Cadence
from bot.kernel.messages import CommunityKey
from copbot.bootstrap import SystemClock, open_app, serving_core
from storage.store import open_store
from tests.discord.fake_discord import GLOBAL_LIMIT, TOKEN, FakeDiscord
from tests.slack.fake_slack import FakeSlack
from tests.slack.workspace import SECRET, Http, Workspace

SPAWN = multiprocessing.get_context("spawn")
TARGET_DISCORD_P99_MS, TARGET_SLACK_P99_MS = 250.0, 500.0
CHANNELS = 10  # prompt channels, and so postings, per Discord community
SHARDS = 2
# The mix, on both platforms: two reads, a search, a write.
COMMANDS: list[tuple[str, dict[str, str]]] = [
    ("help", {}),
    ("profile show", {}),
    ("library search", {"query": "python"}),
    ("profile set", {"skills": "python"}),
]
SLACK_CHANNEL = "C0GENERAL"
REQUESTS_PER_POSTING = 2  # the post and its thread


# ---- copbot's processes ----


def copbot_process(role: str, conn: Connection, database: str, where: str) -> None:
    """One copbot: `discord-N` (shard N of 2) against the loopback Discord at port `where`,
    or `slack` in HTTP mode against the loopback Slack's API at `where`."""
    logging.basicConfig(level=logging.ERROR)
    if role.startswith("discord"):
        discord.http.Route.BASE = f"http://127.0.0.1:{where}/api/v10"
        gateway = yarl.URL(f"ws://127.0.0.1:{where}/gateway")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        asyncio.run(_discord(conn, database, int(role.split("-")[1])))
    else:
        asyncio.run(_slack(conn, database, where))


async def _discord(conn: Connection, database: str, shard: int) -> None:
    client = CopbotClient(DiscordOptions(shard_count=SHARDS, shard_ids=(shard,)))
    opened = open_app(database, chat=client.chat, clock=SystemClock(), platform=DISCORD)
    async with opened as app:
        serving = asyncio.create_task(client.serve(app.core, TOKEN, after_login=app.timer.start))
        ready = asyncio.create_task(client.wait_until_ready())  # once serving has begun
        await asyncio.wait({serving, ready}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done():
            serving.result()  # raises what stopped it
        conn.send("ready")
        await asyncio.to_thread(conn.recv)  # until the run is over
        rss = memory()
        await client.close()
        await serving
    conn.send(rss)


async def _slack(conn: Connection, database: str, api_url: str) -> None:
    options = SlackOptions(
        bot_token="xoxb-bench",
        mode="http",
        signing_secret=SECRET,
        host="127.0.0.1",
        port=0,
        api_url=api_url,
    )
    clock = SystemClock()
    core = lambda chat: serving_core(database, chat=chat, clock=clock, platform=SLACK)  # noqa: E731
    async with slack_running(options, core) as running:
        conn.send(running.port)
        await asyncio.to_thread(conn.recv)
        conn.send(memory())


def memory() -> tuple[int, int]:
    """This process's resident memory now and at its peak, in MB (Linux)."""
    lines = Path("/proc/self/status").read_text().splitlines()
    status = dict(line.split(":", 1) for line in lines if ":" in line)
    return int(status["VmRSS"].split()[0]) // 1024, int(status["VmHWM"].split()[0]) // 1024


# ---- the loopback Discord, in its own process ----


def discord_process(conn: Connection, guilds: int) -> None:
    asyncio.run(_fake_discord(conn, guilds))


async def _fake_discord(conn: Connection, guilds: int) -> None:
    fake = FakeDiscord(validate=False)
    await fake.start()
    made = [
        fake.add_guild(f"G{n}", "general", *(f"p{c}" for c in range(CHANNELS)))
        for n in range(guilds)
    ]
    users = [fake.add_user(guild, f"M{n}") for n, guild in enumerate(made)]
    prompts = {
        guild.id: [i for i, c in guild.channels.items() if c["name"] != "general"] for guild in made
    }
    conn.send((fake.port, prompts))
    rate, seconds, drain = await asyncio.to_thread(conn.recv)
    sent: list[int] = []
    lags: list[float] = []
    watching = asyncio.create_task(loop_lag(lags))
    start = time.perf_counter()
    for n, guild in enumerate(itertools.islice(itertools.cycle(made), int(rate * seconds))):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        path, options = COMMANDS[n % len(COMMANDS)]
        channel = next(iter(guild.channels))
        sent.append(await fake.slash(guild, users[n % len(users)], channel, path, **options))
    with contextlib.suppress(TimeoutError):
        await fake.wait_for(lambda: all(s in fake.finished_at for s in sent))
    channels = [str(c) for ids in prompts.values() for c in ids]
    deadline = time.perf_counter() + drain
    # A look a second: waking at each of the fake's changes would count again at each request.
    while time.perf_counter() < deadline:
        posts = _bot_posts(fake)
        if all(posts[c] for c in channels):
            break
        await asyncio.sleep(1.0)
    posts = _bot_posts(fake)
    watching.cancel()
    conn.send(
        {
            "fake_lag": (percentile(lags, 99), max(lags)),
            "answers": [fake.finished_at.get(s, math.inf) - fake.sent_at[s] for s in sent],
            "peak": fake.peak_rate.get(TOKEN, 0),
            "posts": [posts[c] for c in channels],
            "violations": fake.violations[:5],
        }
    )
    await asyncio.to_thread(conn.recv)
    await fake.stop()


async def loop_lag(lags: list[float]) -> None:
    """How late this event loop wakes a 10 ms sleep, in seconds: the loopback Discord's own
    share of the times it measures (a late fake adds to every answer)."""
    while True:
        began = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - began - 0.01)


async def postgres_round_trips(database: str, seconds: float = 1.0) -> float:
    """Calibration: `SELECT 1` round trips a second to the run's PostgreSQL, one at a time."""
    connection = await asyncpg.connect(database)
    try:
        done, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            await connection.fetchval("SELECT 1")
            done += 1
        return done / (time.perf_counter() - began)
    finally:
        await connection.close()


def _bot_posts(fake: FakeDiscord) -> Counter[str]:
    """copbot's messages by channel (interactions' answers are the general channel's)."""
    return Counter(m["channel_id"] for m in fake.messages.values() if m["author"]["bot"])


# ---- this process: the database, Slack and its load balancer ----


async def fresh(database: str, prompts: dict[int, list[int]]) -> None:
    """An empty database with every community's prompt schedules, due this minute."""
    connection = await asyncpg.connect(database)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    now = datetime.now(UTC)
    due = Cadence(now.weekday(), now.hour, now.minute, "UTC")
    store = await open_store(database, clock=SystemClock())
    try:
        for guild, channels in prompts.items():
            async with store.unit_of_work(CommunityKey(DISCORD, str(guild))) as uow:
                for channel in channels:
                    await uow.prompts.add_schedule(str(channel), due, None, now - timedelta(days=1))
                await uow.commit()
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def round_robin(ports: list[int]) -> Any:
    """A loopback load balancer: each request to the next worker in turn, as it came."""
    turn = itertools.cycle(ports)
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        url = f"http://127.0.0.1:{next(turn)}{request.path}"
        async with session.post(url, data=await request.read(), headers=headers) as answer:
            return web.Response(status=answer.status, body=await answer.read())

    app = web.Application()
    app.router.add_post("/slack/events", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()
        await session.close()


async def drive_slack(fake: FakeSlack, url: str, rate: float, seconds: float) -> list[float]:
    """Open loop: command n leaves at start + n/rate; each timed to its reply."""
    async with aiohttp.ClientSession() as session:
        workspace = Workspace(fake, Http(url, session=session))

        async def one(n: int) -> float:
            began = time.perf_counter()
            path, options = COMMANDS[n % len(COMMANDS)]
            line = " ".join([path, *(f"{k}:{v}" for k, v in options.items())])
            done = await workspace.command(f"U{n % 200:07d}", line, SLACK_CHANNEL)
            assert done.response_key is not None
            with contextlib.suppress(TimeoutError):
                await fake.wait_for(lambda: done.response_key in fake.answered_at)
            return fake.answered_at.get(done.response_key or "", math.inf) - began

        start, tasks = time.perf_counter(), []
        for n in range(int(rate * seconds)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        return list(await asyncio.gather(*tasks))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    parent, child = SPAWN.Pipe()
    fake_discord = SPAWN.Process(target=discord_process, args=(child, args.communities - 1))
    fake_discord.start()
    port, prompts = await asyncio.to_thread(parent.recv)
    await fresh(args.database, prompts)
    slack = FakeSlack()
    for n in range(200):
        slack.add_user(f"U{n:07d}", f"Member{n}")
    await slack.start()
    roles = [*(f"discord-{s}" for s in range(SHARDS)), "slack", "slack"]
    pipes, workers, slack_ports = [], [], []
    for role in roles:  # one at a time: each is ready (or tells its port) before the next
        ours, theirs = SPAWN.Pipe()
        where = str(port) if role.startswith("discord") else slack.api_url
        worker = SPAWN.Process(target=copbot_process, args=(role, theirs, args.database, where))
        worker.start()
        first = await asyncio.to_thread(heard, ours, worker)
        if role == "slack":
            slack_ports.append(first)
        pipes.append(ours)
        workers.append(worker)
    postings = sum(len(c) for c in prompts.values())
    drain = postings * REQUESTS_PER_POSTING / GLOBAL_LIMIT * 2 + 60
    async with round_robin(slack_ports) as url:
        parent.send((args.rate / 2, args.seconds, drain))
        slack_answers = await drive_slack(slack, url, args.rate / 2, args.seconds)
        results: dict[str, Any] = await asyncio.to_thread(parent.recv)
    for ours in pipes:
        ours.send("stop")
    results["rss"] = [
        (role, await asyncio.to_thread(p.recv)) for role, p in zip(roles, pipes, strict=True)
    ]
    for worker in workers:
        worker.join(timeout=30)
    parent.send("done")
    fake_discord.join(timeout=10)
    await slack.stop()
    calibration = {  # with the run's processes gone, on the same machine at the same time
        "sqlite": sqlite_reads_per_second(),
        "postgres": await postgres_round_trips(args.database),
    }
    return results | {"slack": slack_answers, "postings": postings, "calibration": calibration}


def heard(conn: Connection, process: Any) -> Any:
    """What `process` sends first; SystemExit if it dies first (its traceback is above)."""
    while not conn.poll(1.0):
        if not process.is_alive():
            raise SystemExit(f"{process.name} ended with {process.exitcode} before it was ready")
    return conn.recv()


def percentile(values: list[float], p: int) -> float:
    """Nearest rank: an answer that never came (infinite) counts as the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]


def report(args: argparse.Namespace, results: dict[str, Any]) -> bool:
    discord_p99 = percentile(results["answers"], 99) * 1000
    slack_p99 = percentile(results["slack"], 99) * 1000
    posts = results["posts"]
    doubled, lost = sum(1 for n in posts if n > 1), sum(1 for n in posts if n == 0)
    table = Table(title=f"copbot at scale: 4 processes, {args.communities:,} communities")
    for column in ("figure", "value", "target"):
        table.add_column(column)
    table.add_row("commands / s, for s", f"{args.rate:g} for {args.seconds:g}", "")
    table.add_row(
        "Discord: answer p99 (ms)", f"{discord_p99:.0f}", f"< {TARGET_DISCORD_P99_MS:.0f}"
    )
    table.add_row("Slack: reply p99 (ms)", f"{slack_p99:.0f}", f"< {TARGET_SLACK_P99_MS:.0f}")
    unanswered = sum(1 for a in results["answers"] + results["slack"] if math.isinf(a))
    table.add_row("unanswered commands", str(unanswered), "0")
    table.add_row(
        "Discord: peak requests in one second, bot token",
        str(results["peak"]),
        f"<= {GLOBAL_LIMIT}",
    )
    table.add_row("prompt postings due", f"{results['postings']:,}", "")
    table.add_row("postings doubled", str(doubled), "0")
    table.add_row("postings lost (not posted by the end)", str(lost), "0")
    for role, (now, peak) in results["rss"]:
        table.add_row(f"RSS of {role} (MB, now / peak)", f"{now} / {peak}", "")
    lag_p99, lag_worst = results["fake_lag"]
    table.add_row(
        "the loopback Discord's loop lag p99 / worst (ms)",
        f"{lag_p99 * 1000:.0f} / {lag_worst * 1000:.0f}",
        "",
    )
    calibration = results["calibration"]
    table.add_row("calibration: raw SQLite statements/s", f"{calibration['sqlite']:,.0f}", "")
    table.add_row("calibration: PostgreSQL round trips/s", f"{calibration['postgres']:,.0f}", "")
    table.add_row("load average (1 min) at the start / end", results["load"], "")
    if results["violations"]:
        table.add_row("the loopback Discord's complaints", "; ".join(results["violations"]), "none")
    Console().print(table)
    return (
        discord_p99 < TARGET_DISCORD_P99_MS
        and slack_p99 < TARGET_SLACK_P99_MS
        and unanswered == 0
        and results["peak"] <= GLOBAL_LIMIT
        and doubled == lost == 0
        and not results["violations"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="PostgreSQL URL (emptied first)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long commands come")
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="commands a second, in all")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    load = os.getloadavg()[0]
    results = asyncio.run(run(args))
    return 0 if report(args, results | {"load": f"{load:.1f} / {os.getloadavg()[0]:.1f}"}) else 1


if __name__ == "__main__":
    sys.exit(main())
