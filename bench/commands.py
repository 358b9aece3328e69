"""Profile commands through the whole core on SQLite, against a raw aiosqlite ceiling.

Why: every command reads its member and many write a profile, so this is the
path that decides whether one SQLite file keeps up with a busy community. It drives a
seeded mix of `/profile show` (70%) and `/profile set` (30%) through `Core.invoke` on a
SQLite file and prints throughput, p50/p99 latency and the event loop's worst stall, then
does the same reads and writes straight through aiosqlite on a second file with the same
schema and data (the target's ceiling: an async bot's usual way to SQLite), and through
plain sqlite3 on the loop's thread (SQLite's own cost, reported beside it), and a
calibration: raw SQLite statements per second in the same run. Not part of the test suite.

Run from the repository root: `.venv/bin/python -m bench.commands [--commands 20000]
[--members 2000] [--concurrency 1]`. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
from rich.console import Console
from rich.table import Table

from bot.kernel.core import Core
from bot.kernel.messages import Actor, CommunityKey, Invocation
from copbot.bootstrap import open_core
from tests.fakes import FakeChat, ManualClock

log = logging.getLogger(__name__)

COMMUNITY = CommunityKey("bench", "profiles")
READ_SHARE = 0.7
TICK_S = 0.001  # the stall watcher's sleep
TARGET_P99_MS = 10.0
TARGET_RATE = 500.0
TARGET_RATIO = 1 / 3
TOPICS = (
    "python", "sql", "rust", "go", "react", "typescript", "kubernetes", "postgresql",
    "machine-learning", "testing", "security", "design", "writing", "data-engineering",
    "dev-ops", "career", "leadership", "public-speaking", "accessibility", "databases",
)  # fmt: skip
LANGUAGES = ("english", "german", "french", "spanish", "portuguese", "japanese", "hindi", "polish")
ZONES = (
    "Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney",
    "America/Sao_Paulo", "Africa/Lagos", "Asia/Kolkata", "Europe/London", "America/Denver",
)  # fmt: skip
BIO_LINES = (
    "Happy to pair on it.",
    "Ask me about code review.",
    "Learning in public.",
    "Weekday evenings work best.",
)
TAG_KINDS = {"skills": "skill", "interests": "interest", "languages": "language"}
FIELDS = ("skills", "interests", "timezone", "languages", "bio")


@dataclass(frozen=True)
class Command:
    user: str
    path: str  # "profile show" or "profile set"
    options: dict[str, str]


@dataclass
class Run:
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    worst_stall_ms: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


def profile(rng: random.Random) -> dict[str, str]:
    """A whole profile as a member would type it into `/profile set`."""
    since = f"Working with {rng.choice(TOPICS)} since {rng.randint(2005, 2025)}."
    extra = rng.sample(BIO_LINES, rng.randint(0, len(BIO_LINES)))
    return {
        "skills": ", ".join(rng.sample(TOPICS, rng.randint(1, 5))),
        "interests": ", ".join(rng.sample(TOPICS, rng.randint(1, 4))),
        "timezone": rng.choice(ZONES),
        "languages": ", ".join(rng.sample(LANGUAGES, rng.randint(1, 3))),
        "bio": " ".join([since, *extra]),
    }


def workload(rng: random.Random, commands: int, members: int) -> list[Command]:
    """Reads of one's own profile or someone else's; writes of one to all five fields."""
    mix = []
    for _ in range(commands):
        user = f"u{rng.randrange(members)}"
        if rng.random() < READ_SHARE:
            other = {"member": f"u{rng.randrange(members)}"} if rng.random() < 0.5 else {}
            mix.append(Command(user, "profile show", other))
        else:
            full = profile(rng)
            chosen = rng.sample(FIELDS, rng.randint(1, len(FIELDS)))
            mix.append(Command(user, "profile set", {name: full[name] for name in chosen}))
    return mix


async def drive(
    commands: list[Command], run: Callable[[Command], Awaitable[bool]], concurrency: int
) -> Run:
    """`concurrency` workers take commands in turn from one queue; each command is timed."""
    result, queue = Run(), iter(commands)

    async def worker() -> None:
        for command in queue:
            began = time.perf_counter()
            ok = await run(command)
            result.latencies_ms.append((time.perf_counter() - began) * 1000)
            result.errors += not ok

    async def watch() -> None:
        while True:
            began = time.perf_counter()
            await asyncio.sleep(TICK_S)
            late = (time.perf_counter() - began - TICK_S) * 1000
            result.worst_stall_ms = max(result.worst_stall_ms, late)

    watcher = asyncio.create_task(watch())
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - began
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    return result


def through(core: Core) -> Callable[[Command], Awaitable[bool]]:
    async def run(command: Command) -> bool:
        actor = Actor(COMMUNITY, command.user, command.user.upper())
        reply = await core.invoke(Invocation(actor, "general", command.path, command.options))
        failed = reply.ephemeral and reply.text.startswith("Something went wrong")
        return not (reply.error or failed)

    return run


@asynccontextmanager
async def warmed_core(path: Path, profiles: dict[str, dict[str, str]]) -> AsyncIterator[Core]:
    """A core on a fresh SQLite file where every member has set a profile (untimed)."""
    async with open_core(f"sqlite:///{path}", chat=FakeChat(), clock=ManualClock()) as core:
        setup = [Command(user, "profile set", options) for user, options in profiles.items()]
        warm = await drive(setup, through(core), concurrency=1)
        if warm.errors:
            raise RuntimeError(f"{warm.errors} of the warm-up commands failed")
        yield core


class RawProfiles:
    """The same reads and writes with aiosqlite alone: no SQLAlchemy, no core. A write
    rewrites all of the member's tags, as `SqlMemberRepository.save` does."""

    READ = (
        "SELECT m.*, t.kind, t.tag FROM members m LEFT JOIN member_tags t"
        " ON t.community_id = m.community_id AND t.member_id = m.id"
        " WHERE m.community_id = ? AND m.user_id = ? ORDER BY t.kind, t.position"
    )
    UPDATE = (
        "UPDATE members SET timezone = ?, bio = ?, version = version + 1, updated_at = ?"
        " WHERE community_id = ? AND id = ?"
    )
    DELETE = "DELETE FROM member_tags WHERE community_id = ? AND member_id = ?"
    INSERT = (
        "INSERT INTO member_tags (community_id, member_id, kind, tag, position)"
        " VALUES (?, ?, ?, ?, ?)"
    )

    def __init__(
        self,
        db: aiosqlite.Connection,
        community_id: int,
        ids: dict[str, int],
        profiles: dict[str, dict[str, str]],
    ) -> None:
        self.db = db
        self.community_id = community_id
        self.ids = ids
        self.profiles = dict(profiles)  # what each member's profile holds now
        self.lock = asyncio.Lock()  # one write transaction at a time on the one connection
        self.now = ManualClock().now().strftime("%Y-%m-%d %H:%M:%S.%f")

    def write(self, command: Command) -> tuple[tuple[Any, ...], tuple[Any, ...], list[Any]]:
        """The UPDATE's, the DELETE's and the INSERTs' parameters for a `profile set`."""
        merged = self.profiles[command.user] | command.options
        self.profiles[command.user] = merged
        cid, mid = self.community_id, self.ids[command.user]
        tags: list[tuple[Any, ...]] = [
            (cid, mid, kind, tag.strip(), position)
            for option, kind in TAG_KINDS.items()
            for position, tag in enumerate(merged[option].split(","))
        ]
        return (merged["timezone"], merged["bio"], self.now, cid, mid), (cid, mid), tags

    async def run(self, command: Command) -> bool:
        if command.path == "profile show":
            user = command.options.get("member", command.user)
            return bool(await self.db.execute_fetchall(self.READ, (self.community_id, user)))
        updated, deleted, tags = self.write(command)
        async with self.lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                await self.db.execute(self.UPDATE, updated)
                await self.db.execute(self.DELETE, deleted)
                await self.db.executemany(self.INSERT, tags)
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
        return True


class PlainProfiles:
    """The same statements through plain sqlite3 on the event loop's own thread: no hop
    at all, what SQLite itself costs here (it blocks the loop, so it is a ceiling only)."""

    def __init__(self, db: sqlite3.Connection, raw: RawProfiles) -> None:
        self.db = db
        self.raw = raw

    async def run(self, command: Command) -> bool:
        if command.path == "profile show":
            user = command.options.get("member", command.user)
            found = self.db.execute(self.raw.READ, (self.raw.community_id, user)).fetchall()
            return bool(found)
        updated, deleted, tags = self.raw.write(command)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(self.raw.UPDATE, updated)
            self.db.execute(self.raw.DELETE, deleted)
            self.db.executemany(self.raw.INSERT, tags)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return True


PRAGMAS = ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON")
IDS = (
    "SELECT m.user_id, m.id, c.id FROM members m JOIN communities c"
    " ON c.id = m.community_id WHERE c.platform = ? AND c.external_id = ?"
)


async def raw_ceiling(
    path: Path, profiles: dict[str, dict[str, str]], commands: list[Command], concurrency: int
) -> Run:
    async with warmed_core(path, profiles):  # the project's schema and the same members
        pass
    async with aiosqlite.connect(path, isolation_level=None) as db:
        for pragma in PRAGMAS:
            await db.execute(f"PRAGMA {pragma}")
        rows = await db.execute_fetchall(IDS, (COMMUNITY.platform, COMMUNITY.id))
        ids = {user: member_id for user, member_id, _ in rows}
        raw = RawProfiles(db, next(iter(rows))[2], ids, profiles)
        return await drive(commands, raw.run, concurrency)


async def plain_ceiling(
    path: Path, profiles: dict[str, dict[str, str]], commands: list[Command]
) -> tuple[Run, float]:
    """The plain sqlite3 run, and the calibration: primary-key reads per second."""
    async with warmed_core(path, profiles):
        pass
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in PRAGMAS:
            db.execute(f"PRAGMA {pragma}")
        rows = db.execute(IDS, (COMMUNITY.platform, COMMUNITY.id)).fetchall()
        ids = {user: member_id for user, member_id, _ in rows}
        raw = RawProfiles(None, rows[0][2], ids, profiles)  # type: ignore[arg-type]
        run = await drive(commands, PlainProfiles(db, raw).run, 1)
        return run, calibration(db, list(ids.values()))
    finally:
        db.close()


def calibration(db: sqlite3.Connection, member_ids: list[int], seconds: float = 1.0) -> float:
    """Raw SQLite statements per second on this machine, now: one-row primary-key reads,
    so figures from different machines compare as ratios."""
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for member_id in member_ids[:500]:
            db.execute("SELECT bio FROM members WHERE id = ?", (member_id,)).fetchone()
        done += min(len(member_ids), 500)
    return done / (time.perf_counter() - began)


def report(
    console: Console, args: argparse.Namespace, core: Run, raw: Run, plain: Run, calibrated: float
) -> bool:
    table = Table(
        title=f"{args.commands:,} profile commands ({READ_SHARE:.0%} reads) over "
        f"{args.members:,} members, concurrency {args.concurrency}",
        caption=f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL; calibration: "
        f"{calibrated:,.0f} raw SQLite statements/s (one-row reads, plain sqlite3)",
    )
    for column in ("", "commands/s", "p50 ms", "p99 ms", "worst stall ms", "errors"):
        table.add_column(column, justify="left" if not column else "right")
    runs = (("copbot core", core), ("raw aiosqlite", raw), ("plain sqlite3 (concurrency 1)", plain))
    for label, run in runs:
        table.add_row(
            label,
            f"{run.rate:,.0f}",
            f"{run.percentile(50):.2f}",
            f"{run.percentile(99):.2f}",
            f"{run.worst_stall_ms:.2f}",
            str(run.errors),
        )
    console.print(table)
    console.print(
        f"core/raw aiosqlite {core.rate / raw.rate:.2f}, core/plain sqlite3 "
        f"{core.rate / plain.rate:.2f}, core per calibration statement "
        f"{calibrated / core.rate:.1f} statements' time per command"
    )

    ratio, p99 = core.rate / raw.rate, core.percentile(99)
    checks = Table(title="Targets (copbot core)")
    for column in ("target", "measured", "result"):
        checks.add_column(column)
    passed = True
    for target, measured, ok in (
        (f"p99 < {TARGET_P99_MS:.0f} ms", f"{p99:.2f} ms", p99 < TARGET_P99_MS),
        (f">= {TARGET_RATE:.0f} commands/s", f"{core.rate:,.0f}/s", core.rate >= TARGET_RATE),
        ("core/raw >= 1/3", f"{ratio:.2f}", ratio >= TARGET_RATIO),
        ("no errors", str(core.errors), core.errors == 0),
    ):
        checks.add_row(target, measured, "[green]PASS" if ok else "[red]FAIL")
        passed &= ok
    console.print(checks)
    return passed


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=1, help="workers awaiting at once")
    args = parser.parse_args()
    rng = random.Random(42)
    profiles = {f"u{n}": profile(rng) for n in range(args.members)}
    commands = workload(rng, args.commands, args.members)
    with tempfile.TemporaryDirectory(prefix="copbot-bench-") as tmp:
        log.info(
            "warming up %s members, then %s commands through the core", args.members, len(commands)
        )
        async with warmed_core(Path(tmp) / "core.db", profiles) as core:
            through_core = await drive(commands, through(core), args.concurrency)
        log.info("the same commands through raw aiosqlite")
        raw = await raw_ceiling(Path(tmp) / "raw.db", profiles, commands, args.concurrency)
        log.info("the same commands through plain sqlite3")
        plain, calibrated = await plain_ceiling(Path(tmp) / "plain.db", profiles, commands)
    return 0 if report(Console(), args, through_core, raw, plain, calibrated) else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    raise SystemExit(asyncio.run(main()))
