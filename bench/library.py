"""Search latency of the resource library at 100,000 resources, against the engine itself.

Loads a synthetic library (realistic titles, Zipf-distributed tags), runs searches of
mixed shapes through the core (`/library search`, and its "more" button for a later
page: unit of work, ranking, loading, rendering) and, as a baseline, the same pages with
SQL of the baseline's own (the engine's own ranking, through the bare driver), each side
warmed on other searches than those it times. Prints p50/p99 of both, a calibration
measured in the same run, and exits 1 when copbot's p99 misses its target (SQLite 20 ms,
PostgreSQL 100 ms; a PostgreSQL that can't be reached is a miss). Run:
`COPBOT_TEST_POSTGRES_URL=... .venv/bin/python -m bench.library [--resources N] [--searches N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select, text

from bench.calibration import sqlite_reads_per_second
from bot.kernel.messages import Action, Actor, CommunityKey, Invocation
from bot.library.search import query_words, words
from bot.library.views import PAGE
from copbot.bootstrap import open_core
from storage.library_search import search_columns
from storage.schema import communities, members, resource_tags, resources
from storage.store import SqlStore
from tests.fakes import FakeChat, ManualClock

COMMUNITY = CommunityKey("bench", "library")
CURATOR = "curator"  # the member who saved the loaded library
# Rows per insert: each statement must end within the store's timeout (2 s) on a busy
# machine, with PostgreSQL's four GIN indexes to update.
CHUNK = 1000
TARGET_P99_MS = {"SQLite": 20.0, "PostgreSQL": 100.0}
POSTGRES_URL = os.environ.get(
    "COPBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TOPICS = [
    "python",
    "postgresql",
    "kubernetes",
    "react",
    "rust",
    "testing",
    "design",
    "career",
    "leadership",
    "security",
    "javascript",
    "typescript",
    "go",
    "docker",
    "aws",
    "linux",
    "sql",
    "machine-learning",
    "data",
    "architecture",
    "performance",
    "accessibility",
    "mentoring",
    "writing",
    "observability",
    "terraform",
    "graphql",
    "css",
    "git",
    "agile",
    "product",
    "ux",
    "devops",
    "networking",
    "databases",
    "testing-in-production",
    "java",
    "kotlin",
    "swift",
    "android",
    "ios",
    "elixir",
    "haskell",
    "scala",
    "c++",
    "embedded",
]
PATTERNS = [
    "A practical guide to {a} {b}",
    "{A} {b} explained",
    "Why {a} teams struggle with {b}",
    "{A} in production: lessons learned",
    "Getting started with {a}",
    "{A} for {b} people",
    "Advanced {a}: {b} patterns",
    "The missing manual for {a} {b}",
    "{A} cheat sheet",
    "How we scaled {a} with {b}",
    "Debugging {a} like a pro",
    "{A} anti-patterns to avoid",
]
WORDS = [
    "async",
    "caching",
    "pooling",
    "indexes",
    "migrations",
    "hiring",
    "onboarding",
    "reviews",
    "monitoring",
    "tracing",
    "streams",
    "queues",
    "retries",
    "budgets",
    "interviews",
    "refactoring",
    "typing",
    "profiling",
    "deployment",
    "rollbacks",
]


def synthetic(count: int, rng: random.Random) -> list[tuple[str, str, tuple[str, ...], str]]:
    weights = [1 / (rank + 1) for rank in range(len(TOPICS))]  # Zipf: a few tags dominate
    library = []
    for n in range(count):
        tags = tuple(dict.fromkeys(rng.choices(TOPICS, weights, k=rng.randint(1, 4))))
        a, b = tags[0].replace("-", " "), rng.choice(WORDS)
        title = rng.choice(PATTERNS).format(a=a, b=b, A=a.capitalize())
        note = f"Notes on {rng.choice(WORDS)} and {rng.choice(WORDS)} from {rng.choice(TOPICS)}."
        library.append((f"https://example.org/{n}", title, tags, note))
    return library


def query_mix(count: int, rng: random.Random) -> list[tuple[str, str | None, int]]:
    """Common words, prefixes, two and three words, a tag filter, rare words, no match."""
    shapes: list[Callable[[], tuple[str, str | None, int]]] = [
        lambda: (rng.choice(TOPICS[:8]), None, 0),
        lambda: (rng.choice(TOPICS)[:4], None, 0),
        lambda: (f"{rng.choice(TOPICS)} {rng.choice(WORDS)}", None, 0),
        lambda: (f"{rng.choice(WORDS)} {rng.choice(TOPICS)} guide", None, 0),
        lambda: (rng.choice(WORDS), rng.choice(TOPICS[:10]), 0),
        lambda: (rng.choice(TOPICS[-10:]), None, rng.choice((0, 5, 10))),
        lambda: ("zyzzyva", None, 0),
    ]
    return [rng.choice(shapes)() for _ in range(count)]


async def load(
    store: SqlStore,
    library: list[tuple[str, str, tuple[str, ...], str]],
    where: CommunityKey = COMMUNITY,
) -> int:
    """Bulk insert in one transaction (the core's one-by-one path is not what is measured),
    saved by a member of `where` of its own (`CURATOR`), before copbot has saved anything there
    (the ids start at 1)."""
    now = datetime(2026, 1, 5, tzinfo=UTC)
    async with store.unit_of_work(where) as uow:
        await uow.members.add(CURATOR, "Curator", None, now)
        await uow.commit()
    async with store.database.transaction() as db:
        cid = await db.scalar(
            select(communities.c.id).where(
                communities.c.platform == where.platform, communities.c.external_id == where.id
            )
        )
        saver = await db.scalar(
            select(members.c.id).where(members.c.community_id == cid, members.c.user_id == CURATOR)
        )
        sqlite = db.dialect == "sqlite"
        for start in range(0, len(library), CHUNK):
            chunk = list(enumerate(library[start : start + CHUNK], start + 1))
            await db.execute(
                insert(resources),
                [
                    {
                        "id": i,
                        "community_id": cid,
                        "url": url,
                        "title": title,
                        "note": note,
                        "saved_by": saver,
                        "votes": i % 7,
                        "created_at": now,
                        "updated_at": now,
                        **search_columns(title, tags, note),
                    }
                    for i, (url, title, tags, note) in chunk
                ],
            )
            await db.execute(
                insert(resource_tags),
                [
                    {"community_id": cid, "resource_id": i, "tag": tag, "position": p}
                    for i, (_, _, tags, _) in chunk
                    for p, tag in enumerate(tags)
                ],
            )
            if sqlite:
                await db.execute(
                    text(
                        "INSERT INTO resource_search (rowid, scope, title, tags, note) "
                        "VALUES (:id, :scope, :search_title, :search_tags, :search_note)"
                    ),
                    [
                        {"id": i, "scope": f"c{cid}", **search_columns(title, tags, note)}
                        for i, (_, title, tags, note) in chunk
                    ],
                )
        if not sqlite:
            await db.execute(text("ANALYZE resources"))
            await db.execute(text("ANALYZE resource_tags"))
        await db.commit()
        assert cid is not None
        return int(cid)


async def timed(calls: list[Callable[[], Awaitable[Any]]]) -> list[float]:
    latencies = []
    for call in calls:
        began = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


async def run_engine(name: str, url: str, args: argparse.Namespace, table: Table) -> bool:
    """Both paths over the same library and the same searches, each warmed on searches of
    its own (never the timed ones); True when copbot's p99 meets the engine's target."""
    rng = random.Random(42)
    library = synthetic(args.resources, rng)
    queries = query_mix(args.searches, rng)
    warm_up = query_mix(50, random.Random(7))
    async with open_core(url, chat=FakeChat(), clock=ManualClock()) as core:
        store = core.store
        assert isinstance(store, SqlStore)
        began = time.perf_counter()
        cid = await load(store, library)
        loaded = time.perf_counter() - began
        actor = Actor(COMMUNITY, "reader", "Reader")

        def through_core(query: str, tag: str | None, page: int) -> Callable[[], Awaitable[Any]]:
            if page:  # the "more" button of the page before, as a member would press it
                value = f"{page}|{tag or ''}|{' '.join(query_words(query))}"
                return lambda: core.act(Action(actor, "general", "library.search", value))
            options = {"query": query, **({"tag": tag} if tag else {})}
            return lambda: core.invoke(Invocation(actor, "general", "library search", options))

        for query, tag, page in warm_up:
            await through_core(query, tag, page)()
        core_ms = await timed([through_core(q, t, p) for q, t, p in queries])
    baseline = (
        SqliteBaseline(url, cid) if name == "SQLite" else await PostgresBaseline.open(url, cid)
    )
    try:
        for query, tag, page in warm_up:
            await baseline.page(query, tag, page)
        direct_ms = await timed([partial(baseline.page, q, t, p) for q, t, p in queries])
    finally:
        await baseline.close()
    target = TARGET_P99_MS[name]
    for label, values in (("copbot /library search", core_ms), (baseline.label, direct_ms)):
        table.add_row(
            name,
            label,
            f"{statistics.median(values):.2f}",
            f"{percentile(values, 99):.2f}",
            f"{loaded:.1f}s" if "copbot" in label else "",
        )
    p99 = percentile(core_ms, 99)
    ratio = p99 / percentile(direct_ms, 99)
    table.add_row(
        name,
        f"target: copbot p99 < {target:.0f} ms (copbot/baseline p99 {ratio:.2f}x)",
        "",
        "[green]PASS" if p99 < target else "[red]FAIL",
        "",
    )
    return p99 < target


class SqliteBaseline:
    """What the engine alone does for the same page, with SQL of its own rather than
    copbot's: every resource matching all the words (as prefixes) anywhere, ranked by
    FTS5's own bm25 (title over tags over note), the page at the same offset, the count
    of matches, then the page's rows and tags. Plain sqlite3, no thread, no SQLAlchemy."""

    label = "baseline: FTS5 bm25, plain sqlite3"

    def __init__(self, url: str, cid: int) -> None:
        self.db = sqlite3.connect(url.removeprefix("sqlite:///"))
        self.cid = cid

    async def page(self, query: str, tag: str | None, offset: int) -> None:
        terms = " ".join(f'"{word}"*' for word in words(query))
        match = f'scope : "c{self.cid}" AND {{title tags note}} : ({terms})'
        tagged = (
            " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.community_id = ?"
            " AND t.resource_id = resource_search.rowid AND t.tag = ?)"
            if tag
            else ""
        )
        extra: tuple[Any, ...] = (self.cid, tag) if tag else ()
        ids = [
            row[0]
            for row in self.db.execute(
                f"SELECT rowid FROM resource_search WHERE resource_search MATCH ?{tagged}"
                " ORDER BY bm25(resource_search, 0, 4, 2, 1), rowid DESC LIMIT ? OFFSET ?",
                (match, *extra, PAGE + 1, offset),
            )
        ]
        self.db.execute(
            f"SELECT count(*) FROM resource_search WHERE resource_search MATCH ?{tagged}",
            (match, *extra),
        ).fetchone()
        marks = ",".join("?" * len(ids))
        self.db.execute(
            f"SELECT id, url, title, note, votes FROM resources WHERE id IN ({marks})", ids
        ).fetchall()
        self.db.execute(
            f"SELECT resource_id, tag FROM resource_tags WHERE community_id = ?"
            f" AND resource_id IN ({marks}) ORDER BY resource_id, position",
            (self.cid, *ids),
        ).fetchall()

    async def close(self) -> None:
        self.db.close()


class PostgresBaseline:
    """The same with PostgreSQL's own ranking: every resource whose search vector holds
    all the words as prefixes, by `ts_rank`, through asyncpg alone."""

    label = "baseline: ts_rank, asyncpg"

    def __init__(self, db: asyncpg.Connection, cid: int) -> None:
        self.db = db
        self.cid = cid

    @classmethod
    async def open(cls, url: str, cid: int) -> PostgresBaseline:
        return cls(await asyncpg.connect(url), cid)

    async def page(self, query: str, tag: str | None, offset: int) -> None:
        terms = " & ".join(f"{word}:*" for word in words(query))
        tagged = (
            " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.community_id = $1"
            " AND t.resource_id = resources.id AND t.tag = $3)"
            if tag
            else ""
        )
        extra = (tag,) if tag else ()
        matching = f"community_id = $1 AND search @@ to_tsquery('simple', $2){tagged}"
        n = len(extra) + 3
        ids = [
            row[0]
            for row in await self.db.fetch(
                f"SELECT id FROM resources WHERE {matching} ORDER BY"
                f" ts_rank(search, to_tsquery('simple', $2)) DESC, id DESC"
                f" LIMIT ${n} OFFSET ${n + 1}",
                self.cid, terms, *extra, PAGE + 1, offset,
            )
        ]  # fmt: skip
        await self.db.fetchval(
            f"SELECT count(*) FROM resources WHERE {matching}", self.cid, terms, *extra
        )
        await self.db.fetch(
            "SELECT id, url, title, note, votes FROM resources WHERE id = ANY($1)", ids
        )
        await self.db.fetch(
            "SELECT resource_id, tag FROM resource_tags WHERE community_id = $1"
            " AND resource_id = ANY($2) ORDER BY resource_id, position",
            self.cid,
            ids,
        )

    async def close(self) -> None:
        await self.db.close()


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


async def postgres_available() -> bool:
    try:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    await connection.close()
    return True


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1_000)
    args = parser.parse_args()
    table = Table(
        title=f"Library search: {args.resources:,} resources, {args.searches:,} searches (ms)"
    )
    for column in ("engine", "path", "p50", "p99", "load"):
        table.add_column(column)
    calibrated = sqlite_reads_per_second()
    with tempfile.TemporaryDirectory() as tmp:
        passed = await run_engine("SQLite", f"sqlite:///{Path(tmp) / 'library.db'}", args, table)
    if await postgres_available():
        passed &= await run_engine("PostgreSQL", POSTGRES_URL, args, table)
    else:
        table.add_row("PostgreSQL", f"unreachable: {POSTGRES_URL}", "", "[red]FAIL", "")
        passed = False
    Console().print(table)
    Console().print(
        f"Calibration: {calibrated:,.0f} raw SQLite statements/s (one-row reads, same run). "
        f"Targets: copbot p99 under {TARGET_P99_MS['SQLite']:.0f} ms on SQLite, "
        f"{TARGET_P99_MS['PostgreSQL']:.0f} ms on PostgreSQL."
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
