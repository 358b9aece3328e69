"""The web pages under load: 100,000 resources, 10,000 members, a year of activity, 20
browsers at once.

Loads bench.library's synthetic library and 10,000 members (listed in the directory with
one to three skills each) into one community, with a year of their activity
(bench.web_year: upvotes, prompt answers, thanks, mentoring, newcomers, gaps). Signs 20
members in through `/web` links as a browser would, and then has 20 concurrent aiohttp
clients, in a process of their own, each reading a page for about a second (`--think`;
0 hammers the server) before the next, fetch a mix of pages over HTTP on loopback from
copbot's own server (adapters/web on the real core): home, the library best and newest
first and by tag, search and its next page, a resource, tags, the directory and `/who
knows`, the audit log and the health page. Prints p50/p99 per page and exits 1 when a
page's p99 misses 100 ms (the health page: 300 ms), on SQLite or PostgreSQL (one that
can't be reached is a miss), with a calibration (raw SQLite reads per second) measured
before and after. The handbook and the exports (the whole library as one download) are
timed once each and printed, without a target. Run:
`COPBOT_TEST_POSTGRES_URL=... .venv/bin/python -m bench.web [--requests N] [--clients N]
[--think SECONDS] [--engine sqlite|postgresql|both]`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import unused_port
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select, text

from adapters.web import WebPages
from bench.calibration import sqlite_reads_per_second
from bench.community import vacuumed
from bench.library import POSTGRES_URL, TOPICS, WORDS, load, postgres_available, synthetic
from bench.web_year import load_year
from bot.app import build_catalog
from bot.kernel.messages import Actor, CommunityKey, Invocation
from bot.web.links import WebGate
from copbot.bootstrap import open_core
from storage.schema import communities, member_tags, members
from storage.store import SqlStore
from tests.fakes import FakeChat, ManualClock

COMMUNITY = CommunityKey("bench", "web")
BASE = "/c/bench/web"
CLIENTS = 20
MEMBERS = 10_000
RESOURCES = 100_000
TARGET_P99_MS = 100.0
TARGETS_MS = {"health": 300.0}  # the charts' page; every other page: TARGET_P99_MS
LINK = re.compile(r"/c/bench/web/signin/[A-Za-z0-9_-]+")


def page_mix(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(page, path) pairs: each kind of page about as often as the others."""
    kinds: dict[str, Any] = {
        "home": lambda: "/",
        "library top": lambda: "/library",
        "library new": lambda: "/library?sort=new",
        "library by tag": lambda: f"/library?tag={rng.choice(TOPICS)}",
        "search": lambda: f"/search?q={rng.choice(TOPICS)}+{rng.choice(WORDS)[:4]}",
        "search next page": lambda: (
            f"/act/library.search?value=5%7C%7C{rng.choice(TOPICS).replace('-', '+')}"
        ),
        "resource": lambda: f"/resource/{rng.randint(1, RESOURCES)}",
        "tags": lambda: "/tags",
        "who list": lambda: "/who",
        "who knows": lambda: f"/who/{rng.choice(TOPICS)}",
        "audit log": lambda: "/audit",
        "health": lambda: "/health",
    }
    names = list(kinds)
    return [(name, kinds[name]()) for name in (rng.choice(names) for _ in range(count))]


async def load_members(store: SqlStore, rng: random.Random) -> None:
    """`MEMBERS` listed members with skills, in bulk (the core's path isn't measured)."""
    now = datetime(2026, 1, 5, tzinfo=UTC)
    async with store.database.transaction() as db:
        cid = await db.scalar(
            select(communities.c.id).where(
                communities.c.platform == COMMUNITY.platform,
                communities.c.external_id == COMMUNITY.id,
            )
        )
        first = 1_000_000
        rows = [
            {
                "id": first + n,
                "community_id": cid,
                "user_id": f"m{n}",
                "display_name": f"Member {n}",
                "timezone": "Europe/Berlin",
                "bio": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "listed": True,
            }
            for n in range(MEMBERS)
        ]
        for start in range(0, len(rows), 1000):
            await db.execute(insert(members), rows[start : start + 1000])
        skills = [
            {"community_id": cid, "member_id": first + n, "kind": "skill", "tag": t, "position": p}
            for n in range(MEMBERS)
            for p, t in enumerate(dict.fromkeys(rng.choices(TOPICS, k=rng.randint(1, 3))))
        ]
        for start in range(0, len(skills), 1000):
            await db.execute(insert(member_tags), skills[start : start + 1000])
        if db.dialect != "sqlite":  # the planner's statistics, as autovacuum would make them
            await db.execute(text("ANALYZE members"))
            await db.execute(text("ANALYZE member_tags"))
        await db.commit()


def fetch_all(
    port: int, sessions: list[str], work: list[tuple[str, str]], think: float, out: Any
) -> None:
    """The clients' process: a browser per session shares `work`, reading each page for
    `think` seconds on average (0.5 to 1.5 times it) before the next, as people do;
    sends back (page, ms, status) of each."""
    out.send(asyncio.run(_fetch_all(port, sessions, work, think)))


async def _fetch_all(
    port: int, sessions: list[str], work: list[tuple[str, str]], think: float
) -> list[tuple[str, float, int]]:
    rng = random.Random(3)
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    timings: list[tuple[str, float, int]] = []

    async def browser(session: str) -> None:
        cookies = {"copbot_session": session}
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(cookies=cookies, connector=connector) as client:
            while not queue.empty():
                name, path = queue.get_nowait()
                began = time.perf_counter()
                async with client.get(f"http://127.0.0.1:{port}{BASE}{path}") as response:
                    await response.read()
                timings.append((name, (time.perf_counter() - began) * 1000, response.status))
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    await asyncio.gather(*(browser(session) for session in sessions))
    return timings


async def run_engine(name: str, url: str, args: argparse.Namespace, table: Table) -> bool:
    rng = random.Random(42)
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    catalog = build_catalog(web_url=base)
    async with open_core(url, chat=FakeChat(), clock=ManualClock(), catalog=catalog) as core:
        store = core.store
        assert isinstance(store, SqlStore)
        began = time.perf_counter()
        await load(store, synthetic(RESOURCES, rng), COMMUNITY)
        await load_members(store, rng)
        events = await load_year(store, COMMUNITY, core.clock.now(), TOPICS)
        if store.database.dialect == "postgresql":
            await vacuumed(url)  # as autovacuum leaves a database that has been up a while
        loaded = time.perf_counter() - began
        pages = WebPages(base_url=base)
        pages.serve(COMMUNITY.platform, core, WebGate(store=store, clock=core.clock))
        runner = web.AppRunner(pages.application(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            # Moderators all, so that each of them may open the audit log too.
            sessions = [await sign_in(core, base, f"m{n}", n == 0) for n in range(args.clients)]
            downloads = await time_downloads(base, sessions[0])
            warm = page_mix(random.Random(7), 200)
            await asyncio.to_thread(run_clients, port, sessions, warm, 0.0)
            work = page_mix(rng, args.requests)
            timings = await asyncio.to_thread(run_clients, port, sessions, work, args.think)
        finally:
            await runner.cleanup()
    failed = [t for t in timings if t[2] != 200]
    passed = not failed
    for page in sorted({t[0] for t in timings}):
        values = [ms for kind, ms, _ in timings if kind == page]
        refused = sum(1 for kind, _, status in timings if kind == page and status != 200)
        p99, target = percentile(values, 99), TARGETS_MS.get(page, TARGET_P99_MS)
        passed &= p99 < target
        table.add_row(
            name,
            page,
            f"{len(values)}" + (f" ({refused} not 200)" if refused else ""),
            f"{statistics.median(values):.1f}",
            f"{p99:.1f}",
            f"[green]PASS < {target:.0f}" if p99 < target else f"[red]FAIL ≥ {target:.0f}",
        )
    for page, shown in downloads.items():
        table.add_row(name, page, "1", shown, "", "(no target)")
    table.add_row(
        name, f"{events:,} events; loaded in {loaded:.0f} s; {len(failed)} not 200", "", "", "", ""
    )
    return passed


def run_clients(port: int, sessions: list[str], work: list[tuple[str, str]], think: float) -> Any:
    """The clients in a process of their own: their work doesn't slow the server's loop."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=fetch_all, args=(port, sessions, work, think, send))
    process.start()
    timings = receive.recv()
    process.join()
    return timings


async def sign_in(core: Any, base: str, user: str, first: bool) -> str:
    """A moderator's session, through `/web` and its link as a browser would; the `first`
    also puts something in the audit log."""
    actor = Actor(COMMUNITY, user, user, is_moderator=True)
    reply = await core.invoke(Invocation(actor, "general", "web"))
    found = LINK.search(reply.cards[0].link or "")
    assert found is not None, reply
    async with (
        aiohttp.ClientSession() as client,
        client.post(base + found[0], allow_redirects=False) as signed,
    ):
        session = signed.cookies["copbot_session"].value
    if first:
        await core.invoke(Invocation(actor, "general", "prompt add", {"text": "What now?"}))
    return session


async def time_downloads(base: str, session: str) -> dict[str, str]:
    """Each download's time and, when it is not a 200 (an export past the database's
    statement timeout), its status."""
    timed = {}
    async with aiohttp.ClientSession(cookies={"copbot_session": session}) as client:
        for page, path in (("handbook (all)", "/handbook"), ("export csv", "/export/csv")):
            began = time.perf_counter()
            async with client.get(f"{base}{BASE}{path}") as response:
                await response.read()
            ms = (time.perf_counter() - began) * 1000
            timed[page] = f"{ms:.0f}" + ("" if response.status == 200 else f" ({response.status})")
    return timed


def _load() -> str:
    return " ".join(f"{n:.1f}" for n in os.getloadavg())


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=4_000)
    parser.add_argument("--clients", type=int, default=CLIENTS, help="browsers at once")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds each browser reads a page (mean)"
    )
    parser.add_argument("--engine", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    table = Table(
        title=f"Web pages: {RESOURCES:,} resources, {MEMBERS:,} members, {args.clients} clients, "
        f"{args.requests:,} requests, {args.think} s on each page (ms)"
    )
    for column in ("engine", "page", "n", "p50", "p99", "target"):
        table.add_column(column)
    passed, calibrated = True, [sqlite_reads_per_second()]
    if args.engine != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'web.db'}"
            passed &= await run_engine("SQLite", url, args, table)
    if args.engine == "sqlite":
        pass
    elif await postgres_available():
        passed &= await run_engine("PostgreSQL", POSTGRES_URL, args, table)
    else:
        table.add_row("PostgreSQL", f"unreachable: {POSTGRES_URL}", "", "", "", "[red]FAIL")
        passed = False
    calibrated.append(sqlite_reads_per_second())
    Console().print(table)
    Console().print(
        f"Targets: p99 of every page under {TARGET_P99_MS:.0f} ms, the health page under "
        f"{TARGETS_MS['health']:.0f} ms. Calibration (raw SQLite reads per second, before / "
        f"after): {calibrated[0]:,.0f} / {calibrated[1]:,.0f}; load {_load()}."
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
