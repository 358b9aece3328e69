"""Profile commands through the whole core on SQLite, against raw aiosqlite.

Drives a mix of `/profile show` (reads) and `/profile set` (writes) over a community of
members and prints throughput, p50/p99 latency, the event loop's worst stall while it
ran, and the same reads and writes done directly with aiosqlite as a ceiling.
Run: `.venv/bin/python -m bench.commands [--commands N] [--members N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import aiosqlite
from rich.console import Console
from rich.table import Table

from bot.core import Core
from bot.messages import Actor, CommunityKey, Invocation
from copbot.bootstrap import open_core
from tests.fakes import FakeChat, ManualClock

COMMUNITY = CommunityKey("bench", "profiles")
SKILLS = [
    "python",
    "sql",
    "rust",
    "go",
    "react",
    "design",
    "testing",
    "kubernetes",
    "writing",
    "data",
    "security",
    "leadership",
    "career",
    "devops",
    "ux",
    "typescript",
]
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Asia/Kolkata",
]
Operation = tuple[str, str, dict[str, str]]  # (user, path, options)


def workload(commands: int, members: int, rng: random.Random) -> list[Operation]:
    """70% reads (own profile or someone else's), 30% writes of one to three fields."""
    operations: list[Operation] = []
    for _ in range(commands):
        user = f"m{rng.randrange(members)}"
        if rng.random() < 0.7:
            other = {"member": f"m{rng.randrange(members)}"} if rng.random() < 0.5 else {}
            operations.append((user, "profile show", other))
        else:
            fields = {
                "skills": ", ".join(rng.sample(SKILLS, rng.randint(1, 4))),
                "interests": ", ".join(rng.sample(SKILLS, rng.randint(0, 3))),
                "timezone": rng.choice(ZONES),
                "bio": f"Working on {rng.choice(SKILLS)} since {rng.randint(2000, 2025)}.",
            }
            chosen = rng.sample(sorted(fields), rng.randint(1, 3))
            operations.append((user, "profile set", {k: fields[k] for k in chosen}))
    return operations


async def through_core(core: Core, operations: list[Operation]) -> tuple[list[float], int]:
    latencies, errors = [], 0
    for user, path, options in operations:
        began = time.perf_counter()
        reply = await core.invoke(
            Invocation(Actor(COMMUNITY, user, user), "general", path, options)
        )
        latencies.append((time.perf_counter() - began) * 1000)
        errors += reply.error
    return latencies, errors


async def raw_ceiling(path: Path, operations: list[Operation]) -> list[float]:
    """The same reads and writes straight through aiosqlite: one joined SELECT per read; a
    write is BEGIN IMMEDIATE, UPDATE, DELETE and INSERT of its tags, COMMIT."""
    db = await aiosqlite.connect(path, isolation_level=None)
    await db.execute("PRAGMA journal_mode = WAL")
    await db.execute("PRAGMA synchronous = NORMAL")
    ids = {
        user: member_id
        for member_id, user in await db.execute_fetchall("SELECT id, user_id FROM members")
    }
    read = (
        "SELECT m.*, t.kind, t.tag FROM members m LEFT JOIN member_tags t "
        "ON t.community_id = m.community_id AND t.member_id = m.id "
        "WHERE m.community_id = 1 AND m.user_id = ? ORDER BY t.kind, t.position"
    )
    latencies = []
    for user, path_, options in operations:
        began = time.perf_counter()
        await db.execute_fetchall(read, (options.get("member", user),))
        if path_ == "profile set":
            member_id = ids[user]
            await db.execute("BEGIN IMMEDIATE")
            await db.execute(
                "UPDATE members SET bio = ?, timezone = ?, version = version + 1 WHERE id = ?",
                (options.get("bio", ""), options.get("timezone"), member_id),
            )
            await db.execute(
                "DELETE FROM member_tags WHERE community_id = 1 AND member_id = ?", (member_id,)
            )
            await db.executemany(
                "INSERT INTO member_tags VALUES (1, ?, 'skill', ?, ?)",
                [
                    (member_id, tag.strip(), n)
                    for n, tag in enumerate(options.get("skills", "python").split(","))
                ],
            )
            await db.execute("COMMIT")
        latencies.append((time.perf_counter() - began) * 1000)
    await db.close()
    return latencies


async def worst_stall(done: asyncio.Event) -> float:
    """The longest the event loop was late to wake a 1 ms sleeper."""
    worst = 0.0
    while not done.is_set():
        began = time.perf_counter()
        await asyncio.sleep(0.001)
        worst = max(worst, (time.perf_counter() - began) * 1000 - 1)
    return worst


def row(table: Table, label: str, latencies: list[float], seconds: float) -> float:
    rate = len(latencies) / seconds
    p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]
    table.add_row(label, f"{rate:,.0f}", f"{statistics.median(latencies):.2f}", f"{p99:.2f}")
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=2_000)
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        async with open_core(f"sqlite:///{path}", chat=FakeChat(), clock=ManualClock()) as core:
            setup = [
                (f"m{n}", "profile set", {"skills": "python", "timezone": "UTC"})
                for n in range(args.members)
            ]
            await through_core(core, setup)
            operations = workload(args.commands, args.members, rng)
            done = asyncio.Event()
            stall = asyncio.create_task(worst_stall(done))
            began = time.perf_counter()
            core_ms, errors = await through_core(core, operations)
            core_s = time.perf_counter() - began
            done.set()
            stalled = await stall
        began = time.perf_counter()
        raw_ms = await raw_ceiling(path, operations)
        raw_s = time.perf_counter() - began

    table = Table(title=f"{args.commands:,} profile commands, {args.members:,} members, SQLite")
    for column in ("path", "commands/s", "p50 ms", "p99 ms"):
        table.add_column(column)
    core_rate = row(table, "copbot core", core_ms, core_s)
    raw_rate = row(table, "raw aiosqlite", raw_ms, raw_s)
    console = Console()
    console.print(table)
    p99 = statistics.quantiles(core_ms, n=100, method="inclusive")[98]
    checks = [
        ("p99 under 10 ms", f"{p99:.2f} ms", p99 < 10),
        ("at least 500 commands/s", f"{core_rate:,.0f}/s", core_rate >= 500),
        (
            "at least 1/3 of the raw ceiling",
            f"{core_rate / raw_rate:.2f}",
            core_rate / raw_rate >= 1 / 3,
        ),
        ("event loop's worst stall", f"{stalled:.1f} ms", True),
        ("errors", str(errors), errors == 0),
    ]
    for name, value, ok in checks:
        console.print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")


if __name__ == "__main__":
    asyncio.run(main())
