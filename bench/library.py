"""Search latency of the resource library at 100,000 resources, against the engine itself.

Loads a synthetic library (realistic titles, Zipf-distributed tags), runs searches of
mixed shapes through the core (`/library search`: unit of work, ranking, loading,
rendering) and the same ranked query directly on the driver, and prints p50/p99 of both
and their ratio. Run: `.venv/bin/python -m bench.library [--resources N] [--searches N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select, text
from sqlalchemy.dialects import postgresql

from bot.kernel.messages import Actor, CommunityKey, Invocation
from bot.library.search import query_words
from copbot.bootstrap import open_core
from storage.library import _search_columns, ranked_search
from storage.schema import communities, members, resource_tags, resources
from storage.store import SqlStore
from tests.fakes import FakeChat, ManualClock

COMMUNITY = CommunityKey("bench", "library")
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


async def load(store: SqlStore, library: list[tuple[str, str, tuple[str, ...], str]]) -> int:
    """Bulk insert in one transaction (the core's one-by-one path is not what is measured)."""
    now = datetime(2026, 1, 5, tzinfo=UTC)
    async with store.unit_of_work(COMMUNITY) as uow:
        await uow.members.add("curator", "Curator", None, now)
        await uow.commit()
    async with store.database.transaction() as db:
        cid = await db.scalar(
            select(communities.c.id).where(communities.c.external_id == COMMUNITY.id)
        )
        saver = await db.scalar(select(members.c.id).where(members.c.community_id == cid))
        sqlite = db.dialect == "sqlite"
        for start in range(0, len(library), 5000):
            chunk = list(enumerate(library[start : start + 5000], start + 1))
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
                        **_search_columns(title, tags, note),
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
                        {"id": i, "scope": f"c{cid}", **_search_columns(title, tags, note)}
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


async def run_engine(name: str, url: str, args: argparse.Namespace, table: Table) -> None:
    rng = random.Random(42)
    library = synthetic(args.resources, rng)
    queries = query_mix(args.searches, rng)
    async with open_core(url, chat=FakeChat(), clock=ManualClock()) as core:
        store = core.store
        assert isinstance(store, SqlStore)
        began = time.perf_counter()
        cid = await load(store, library)
        loaded = time.perf_counter() - began
        actor = Actor(COMMUNITY, "reader", "Reader")

        def through_core(query: str, tag: str | None, page: int) -> Callable[[], Awaitable[Any]]:
            options = {"query": query, **({"tag": tag} if tag else {})}
            return lambda: core.invoke(Invocation(actor, "general", "library search", options))

        for query, tag, page in queries[:50]:  # warm caches on both sides alike
            await through_core(query, tag, page)()
        core_ms = await timed([through_core(q, t, p) for q, t, p in queries])
    direct_ms = await direct(name, url, cid, queries)
    for label, values in (("copbot /library search", core_ms), ("same query, direct", direct_ms)):
        table.add_row(
            name,
            label,
            f"{statistics.median(values):.2f}",
            f"{percentile(values, 99):.2f}",
            f"{loaded:.1f}s" if "copbot" in label else "",
        )
    ratio = statistics.median(core_ms) / statistics.median(direct_ms)
    p99_ok = percentile(core_ms, 99) < 20 or name != "SQLite"
    table.add_row(
        name,
        "overhead (p50 ratio)",
        f"{ratio:.2f}x",
        "PASS" if ratio < 2 and p99_ok else "FAIL",
        "",
    )


async def direct(
    name: str, url: str, cid: int, queries: list[tuple[str, str | None, int]]
) -> list[float]:
    """The ranked page straight from the driver: the ids query, then titles and tags."""
    sqlite = name == "SQLite"
    rows = "SELECT id, url, title, note, votes FROM resources WHERE id IN ({})"
    tags = (
        "SELECT resource_id, tag FROM resource_tags WHERE community_id = {} "
        "AND resource_id IN ({}) ORDER BY resource_id, position"
    )
    if sqlite:
        db = await aiosqlite.connect(url.removeprefix("sqlite:///"))

        async def page(q: str, tag: str | None, offset: int) -> None:
            sql, params = ranked_search(True, cid, query_words(q), tag, 6, offset)
            ids = [r[0] for r in await db.execute_fetchall(sql, params)]
            marks = ",".join(str(i) for i in ids) or "0"
            await db.execute_fetchall(rows.format(marks))
            await db.execute_fetchall(tags.format(cid, marks))
    else:
        db = await asyncpg.connect(url)

        async def page(q: str, tag: str | None, offset: int) -> None:
            sql, params = ranked_search(False, cid, query_words(q), tag, 6, offset)
            compiled = text(sql).bindparams(**params).compile(dialect=postgresql.asyncpg.dialect())
            ids = [
                r[0]
                for r in await db.fetch(
                    str(compiled), *[params[k] for k in compiled.positiontup or []]
                )
            ]
            marks = ",".join(str(i) for i in ids) or "0"
            await db.fetch(rows.format(marks))
            await db.fetch(tags.format(cid, marks))

    try:
        for q, t, p in queries[:50]:
            await page(q, t, p)
        return await timed([lambda q=q, t=t, p=p: page(q, t, p) for q, t, p in queries])
    finally:
        await db.close()


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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1_000)
    args = parser.parse_args()
    table = Table(
        title=f"Library search: {args.resources:,} resources, {args.searches:,} searches (ms)"
    )
    for column in ("engine", "path", "p50", "p99", "load"):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as tmp:
        await run_engine("SQLite", f"sqlite:///{Path(tmp) / 'library.db'}", args, table)
    if await postgres_available():
        await run_engine("PostgreSQL", POSTGRES_URL, args, table)
    else:
        table.add_row("PostgreSQL", f"skipped: {POSTGRES_URL} unreachable", "", "", "")
    Console().print(table)
    Console().print("Targets: SQLite p99 under 20 ms; copbot under 2x the direct query.")


if __name__ == "__main__":
    asyncio.run(main())
