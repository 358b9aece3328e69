"""Signed `/cop` slash commands through copbot's Slack adapter in HTTP mode, against the
loopback Slack of tests/slack, with a matching round running at the same time.

Why: Slack drops an interaction that isn't acknowledged within 3 s, and a member waits for
the answer after the ack. copbot runs in its own process (as it would, far from Slack),
bolt on aiohttp, the core on SQLite (or --database); this process plays Slack: it sends
2,000 signed slash commands from 200 members at a steady rate, serves the Web API calls
copbot makes back (users.info, ...) and receives the answers at each command's
response_url. Printed: p50, p99 and worst time from request to ack (the HTTP response) and
to the reply (the response_url POST arriving). Targets: every ack under 300 ms (a tenth of
Slack's 3 s), p99 reply under 500 ms. Not part of the test suite.

The matching round: copbot's real one, a moderator's `/mentor round preview` through the
core, back to back for the whole run, in the same workspace and database, seeded with
10,000 open requests and 2,000 mentors (--no-round turns it off): each reads every request,
plans (scoring in a thread, the solver in its process) and stores its proposal.

Run from the repository root: `.venv/bin/python -m bench.slack_e2e [--commands 2000]
[--members 200] [--rate 50] [--database URL] [--no-round] [--switch-interval S]`. Exits 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any, cast

import aiohttp
from rich.console import Console
from rich.table import Table

from adapters.slack import SlackOptions, slack_running
from adapters.slack.chat import PLATFORM
from bench.matching import community
from bench.rounds import rounds_back_to_back, seed_store
from bot.kernel.messages import Actor, CommunityKey
from copbot.bootstrap import SystemClock, serving_core, serving_process
from storage.store import SqlStore
from tests.slack.fake_slack import TEAM, FakeSlack
from tests.slack.workspace import SECRET, Http, Workspace

TARGET_ACK_MS = 300.0
TARGET_REPLY_P99_MS = 500.0
TOPICS = ("python", "sql", "rust", "go", "react", "testing", "security", "design", "career")
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Africa/Lagos")
CHANNEL = "C0GENERAL"
REQUESTS, MENTORS = 10_000, 2_000  # the matching round's size
ADMIN = "U0000000"  # the first member, a workspace admin: the round's moderator


# ---- copbot's process ----


def serve_copbot(
    api_url: str,
    database_url: str,
    ports: Any,
    stop: ProcessEvent,
    with_round: bool,
    switch_interval: float | None,
) -> None:
    logging.basicConfig(level=logging.WARNING)
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
    with serving_process():  # as `copbot run` does
        asyncio.run(_serve(api_url, database_url, ports, stop, with_round))


async def _serve(
    api_url: str, database_url: str, ports: Any, stop: ProcessEvent, with_round: bool
) -> None:
    options = SlackOptions(
        bot_token="xoxb-bench",
        mode="http",
        signing_secret=SECRET,
        host="127.0.0.1",
        port=0,
        api_url=api_url,
    )
    clock = SystemClock()
    opened = slack_running(options, lambda chat: serving_core(database_url, chat=chat, clock=clock))
    async with opened as running:
        workspace = CommunityKey(PLATFORM, TEAM)
        took: list[float] = []
        rounds = None
        if with_round:
            seekers, offers = community(REQUESTS, MENTORS)
            store = cast(SqlStore, running.core.store)
            await seed_store(store, workspace, seekers, offers, clock.now())
            del seekers, offers  # the bench's copy: the round reads the database
            moderator = Actor(workspace, ADMIN, "Bench moderator", is_moderator=True)
            rounds = asyncio.create_task(rounds_back_to_back(running.core, moderator, took))
        ports.put(running.port)
        await asyncio.to_thread(stop.wait)
        if rounds is not None:
            rounds.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rounds  # a round that failed raises here
        ports.put(took)


# ---- Slack's side ----


@dataclass
class Sent:
    key: str
    at: float
    acked: float
    status: int


def workload(rng: random.Random, commands: int, members: list[str]) -> list[tuple[str, str]]:
    lines = []
    for _ in range(commands):
        user, other, pick = rng.choice(members), rng.choice(members), rng.random()
        if pick < 0.3:
            line = "profile show"
        elif pick < 0.45:
            line = f"profile show <@{other}|someone>"
        elif pick < 0.65:
            line = (
                f"profile set skills:{','.join(rng.sample(TOPICS, 2))} timezone:{rng.choice(ZONES)}"
            )
        elif pick < 0.8:
            line = f"library search {rng.choice(TOPICS)}"
        elif pick < 0.9:
            line = "library list sort:new"
        else:
            line = "help"
        lines.append((user, line))
    return lines


async def drive(
    workspace: Workspace, http: Http, plan: list[tuple[str, str]], rate: float
) -> list[Sent]:
    """Open loop: command n leaves at start + n/rate whatever the answers before it did."""

    async def one(user: str, line: str) -> Sent:
        payload = workspace.command_payload(user, line, CHANNEL)
        began = time.perf_counter()
        status, _ = await http.send("command", payload)
        key = payload["response_url"].rsplit("/", 1)[1]
        return Sent(key, began, time.perf_counter(), status)

    start, tasks = time.perf_counter(), []
    for n, (user, line) in enumerate(plan):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(user, line)))
    return list(await asyncio.gather(*tasks))


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="commands a second")
    parser.add_argument("--database", help="default: a new SQLite file")
    parser.add_argument("--no-round", action="store_true", help="no matching round alongside")
    parser.add_argument(
        "--switch-interval",
        type=float,
        help="copbot's sys.setswitchinterval (default 0.005 s): how long the event loop may "
        "wait for the GIL while the round's thread holds it",
    )
    args = parser.parse_args()
    console = Console()
    rng = random.Random(1)

    fake = FakeSlack()
    members = [f"U{n:07d}" for n in range(args.members)]
    for n, user in enumerate(members):
        fake.add_user(user, f"Member {n}", tz=rng.choice(ZONES), admin=n == 0)
    await fake.start()
    sent: list[Sent] = []
    with tempfile.TemporaryDirectory() as folder:
        database = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        spawn = multiprocessing.get_context("spawn")
        ports, stop = spawn.Queue(), spawn.Event()
        copbot = spawn.Process(
            target=serve_copbot,
            args=(
                fake.api_url,
                database,
                ports,
                stop,
                not args.no_round,
                args.switch_interval,
            ),
        )
        copbot.start()
        try:
            port = await asyncio.to_thread(ports.get, True, 60)
            async with aiohttp.ClientSession() as session:
                http = Http(f"http://127.0.0.1:{port}/slack/events", session=session)
                workspace = Workspace(fake, http)
                seed = [(members[n], f"library add https://example.org/{t} {t}-guide tags:{t}")
                        for n, t in enumerate(TOPICS)]  # fmt: skip
                await drive(workspace, http, seed, rate=20)  # a library to search; not timed
                sent = await drive(
                    workspace, http, workload(rng, args.commands, members), args.rate
                )
                try:
                    await fake.wait_for(lambda: all(s.key in fake.answered_at for s in sent))
                except TimeoutError:
                    console.print("[red]some commands were never answered[/]")
        finally:
            stop.set()
            rounds = await asyncio.to_thread(ports.get, True, 60)
            await asyncio.to_thread(copbot.join, 30)
            await fake.stop()
    return 0 if report(console, args, sent, fake, rounds) else 1


def report(
    console: Console,
    args: argparse.Namespace,
    sent: list[Sent],
    fake: FakeSlack,
    rounds: list[float],
) -> bool:
    acks = [(s.acked - s.at) * 1000 for s in sent]
    replies = [(fake.answered_at[s.key] - s.at) * 1000 for s in sent if s.key in fake.answered_at]
    failed = sum(s.status != 200 for s in sent)
    round_note = (
        f"{len(rounds)} matching rounds of {REQUESTS:,} requests x {MENTORS:,} mentors "
        f"alongside (mean {statistics.mean(rounds or [0.0]):.2f} s)"
        if not args.no_round
        else "no round"
    )
    if args.switch_interval is not None:
        round_note += f", switch interval {args.switch_interval:g} s"
    table = Table(
        title=f"{len(sent)} signed /cop commands, {args.members} members, "
        f"{args.rate:g}/s, {round_note}"
    )
    for column in ("", "p50 ms", "p99 ms", "max ms", "count"):
        table.add_column(column, justify="right")
    for name, values in (("request → ack", acks), ("request → reply", replies)):
        table.add_row(
            name,
            f"{percentile(values, 50):.1f}",
            f"{percentile(values, 99):.1f}",
            f"{max(values):.1f}",
            str(len(values)),
        )
    console.print(table)
    checks = {
        f"every ack under {TARGET_ACK_MS:g} ms": max(acks) < TARGET_ACK_MS,
        f"p99 reply under {TARGET_REPLY_P99_MS:g} ms": (
            percentile(replies, 99) < TARGET_REPLY_P99_MS
        ),
        "every command acked 200 and answered": failed == 0 and len(replies) == len(sent),
        "Slack would accept every call": not fake.violations,
        "the matching rounds ran": args.no_round or bool(rounds),
    }
    for name, ok in checks.items():
        console.print(f"{'[green]met[/]' if ok else '[red]MISSED[/]'}  {name}")
    return all(checks.values())


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
