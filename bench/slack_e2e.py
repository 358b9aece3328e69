"""Signed `/cop` slash commands and button presses through copbot's Slack adapter in HTTP
mode, against the loopback Slack of tests/slack, over a library of 100,000 resources, with a
matching round running at the same time.

Why: Slack drops an interaction that isn't acknowledged within 3 s, and a member waits for
the answer after the ack; copbot acks before any work, so the ack alone hides the work.
copbot runs in its own process (as it would, far from Slack), bolt on aiohttp, the core on
SQLite (or --database); this process plays Slack: it sends 2,000 moves of bench.traffic's
mix (searches with and without a tag and their later pages, saves, votes, profiles, mentor
requests, a little help) from 200 members at a steady rate, serves the Web API calls copbot
makes back (users.info, ...) and receives the answers at each move's response_url. The
library is bulk-loaded, and each member has talked to copbot once (a `/help`), before
the timed part. Printed: p50, p99 and worst time from request
to ack (the HTTP response) and to the reply (the response_url POST with the command's
result arriving), and a calibration (raw SQLite statements/s) measured in the same run.
Targets: every ack under 300 ms (a tenth of Slack's 3 s), p99 reply under 500 ms. Not part
of the test suite.

The matching round: copbot's real one, a moderator's `/mentor round preview` through the
core, back to back for the whole run, in the same workspace and database, seeded with
10,000 open requests and 2,000 mentors (--no-round turns it off): each reads every request,
plans (in the round's worker process) and stores its proposal.
`--busy-core` keeps one more core busy for the run's length (bench.busy).

Run from the repository root: `.venv/bin/python -m bench.slack_e2e [--commands 2000]
[--members 200] [--rate 50] [--database URL] [--no-round] [--busy-core]
[--switch-interval S]`. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
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

from adapters.slack import SlackOptions, render, slack_running
from adapters.slack.chat import PLATFORM
from bench.busy import busy_core
from bench.calibration import sqlite_reads_per_second
from bench.matching import community
from bench.rounds import rounds_back_to_back, seed_store
from bench.traffic import (
    RESOURCES,
    ZONES,
    Step,
    by_move,
    introductions,
    load_library,
    settle,
    traffic,
)
from bot.kernel.messages import Actor, Button, CommunityKey, Reply
from copbot.bootstrap import SystemClock, serving_core, serving_process
from storage.store import SqlStore
from tests.slack.fake_slack import TEAM, FakeSlack
from tests.slack.workspace import SECRET, Http, Workspace

TARGET_ACK_MS = 300.0
TARGET_REPLY_P99_MS = 500.0
CHANNEL = "C0GENERAL"
REQUESTS, MENTORS = 10_000, 2_000  # the matching round's size
READY_TIMEOUT_S = 600  # copbot's start, with the library loaded and the round seeded
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
        loaded = await load_library(cast(SqlStore, running.core.store), workspace)
        took: list[float] = []
        rounds = None
        store = cast(SqlStore, running.core.store)
        if with_round:
            seekers, offers = community(REQUESTS, MENTORS)
            await seed_store(store, workspace, seekers, offers, clock.now())
            del seekers, offers  # the bench's copy: the round reads the database
        await settle(store)
        if with_round:
            moderator = Actor(workspace, ADMIN, "Bench moderator", is_moderator=True)
            rounds = asyncio.create_task(rounds_back_to_back(running.core, moderator, took))
        ports.put(running.port)
        await asyncio.to_thread(stop.wait)
        if rounds is not None:
            rounds.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rounds  # a round that failed raises here
        ports.put((took, loaded))


# ---- Slack's side ----


@dataclass
class Sent:
    key: str
    at: float
    acked: float
    status: int
    path: str  # the move's `Step.path`


def command_line(step: Step, members: list[str]) -> str:
    """The `/cop` text a member types for `step`: every option by name (free text runs up to
    the next name), a member as Slack escapes a mention."""
    given = [f"{name}:{value}" for name, value in step.options.items()]
    named = [] if step.other is None else [f"<@{members[step.other]}|someone>"]
    return " ".join([step.path, *given, *named])


async def drive(
    workspace: Workspace, steps: list[Step], members: list[str], rate: float
) -> list[Sent]:
    """Open loop: move n leaves at start + n/rate whatever the answers before it did."""

    async def one(step: Step) -> Sent:
        user = members[step.user]
        began = time.perf_counter()
        if step.press is None:
            done = await workspace.command(user, command_line(step, members), CHANNEL)
        else:  # a button of copbot's, on an ephemeral answer it sent a while ago
            button = Button("Press", step.path, step.press)
            blocks = render.blocks(Reply(buttons=(button,)))
            done = await workspace.press(user, "Press", blocks, channel=CHANNEL)
        assert done.response_key is not None
        return Sent(done.response_key, began, time.perf_counter(), done.status, step.path)

    start, tasks = time.perf_counter(), []
    for n, step in enumerate(steps):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(step)))
    return list(await asyncio.gather(*tasks))


def percentile(values: list[float], p: int) -> float:
    """Nearest rank: a reply that never came (infinite) counts as the slowest, not as none."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="commands a second")
    parser.add_argument("--database", help="default: a new SQLite file")
    parser.add_argument("--no-round", action="store_true", help="no matching round alongside")
    parser.add_argument("--busy-core", action="store_true", help="keep one more core busy")
    parser.add_argument(
        "--switch-interval",
        type=float,
        help="copbot's sys.setswitchinterval (default 0.005 s): how long the event loop may "
        "wait for the GIL while the round's thread holds it",
    )
    args = parser.parse_args()
    with busy_core(args.busy_core):
        calibration = sqlite_reads_per_second()  # under the same load as the run
        sent, fake, (rounds, loaded) = await run(args)
    return 0 if report(Console(), args, sent, fake, rounds, loaded, calibration) else 1


async def run(args: argparse.Namespace) -> tuple[list[Sent], FakeSlack, tuple[list[float], float]]:
    """copbot's process against this one's Slack: what was sent, the Slack that received
    the answers, and the rounds' seconds with the library's loading time."""
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
            port = await asyncio.to_thread(ports.get, True, READY_TIMEOUT_S)
            async with aiohttp.ClientSession() as session:
                http = Http(f"http://127.0.0.1:{port}/slack/events", session=session)
                workspace = Workspace(fake, http)
                steps = traffic(args.commands, args.members, rng)
                # Each member's first contact before the timed part (bench.discord_e2e's
                # `_introduce` says why).
                known = await drive(workspace, introductions(args.members), members, args.rate)
                await fake.wait_for(lambda: all(s.key in fake.answered_at for s in known))
                sent = await drive(workspace, steps, members, args.rate)
                with contextlib.suppress(TimeoutError):  # what is unanswered is reported
                    await fake.wait_for(lambda: all(s.key in fake.answered_at for s in sent))
        finally:
            stop.set()
            rounds = await asyncio.to_thread(ports.get, True, 60)
            await asyncio.to_thread(copbot.join, 30)
            await fake.stop()
    return sent, fake, rounds


def report(
    console: Console,
    args: argparse.Namespace,
    sent: list[Sent],
    fake: FakeSlack,
    rounds: list[float],
    loaded: float,
    calibration: float,
) -> bool:
    acks = [(s.acked - s.at) * 1000 for s in sent]
    replies = [(fake.answered_at.get(s.key, math.inf) - s.at) * 1000 for s in sent]
    failed = sum(s.status != 200 for s in sent)
    round_note = (
        f"{len(rounds)} matching rounds of {REQUESTS:,} requests x {MENTORS:,} mentors "
        f"alongside (mean {statistics.mean(rounds or [0.0]):.2f} s)"
        if not args.no_round
        else "no round"
    )
    if args.switch_interval is not None:
        round_note += f", switch interval {args.switch_interval:g} s"
    if args.busy_core:
        round_note += ", another core kept busy"
    table = Table(
        title=f"{len(sent)} signed /cop moves of bench.traffic's mix, {args.members} members, "
        f"{args.rate:g}/s, {RESOURCES:,} resources (loaded in {loaded:.1f} s), {round_note}",
        caption=f"calibration: {calibration:,.0f} raw SQLite statements/s (same run)",
    )
    for column in ("", "p50 ms", "p99 ms", "max ms", "count"):
        table.add_column(column, justify="right")
    for name, values in (("request → ack", acks), ("request → reply", replies)):
        table.add_row(
            name,
            f"{percentile(values, 50):.1f}",
            f"{percentile(values, 99):.1f}",
            f"{max(values):.1f}",
            str(sum(v < math.inf for v in values)),
        )
    console.print(table)
    console.print(by_move([s.path for s in sent], replies))
    checks = {
        f"every ack under {TARGET_ACK_MS:g} ms": max(acks) < TARGET_ACK_MS,
        f"p99 reply under {TARGET_REPLY_P99_MS:g} ms": (
            percentile(replies, 99) < TARGET_REPLY_P99_MS
        ),
        "every command acked 200 and answered": failed == 0 and math.inf not in replies,
        "Slack would accept every call": not fake.violations,
        "the matching rounds ran": args.no_round or bool(rounds),
    }
    for name, ok in checks.items():
        console.print(f"{'[green]met[/]' if ok else '[red]MISSED[/]'}  {name}")
    return all(checks.values())


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
