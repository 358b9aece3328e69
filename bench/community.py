"""Who knows what at scale: `/who knows`, `/community health` and the weekly digest over a
community of 100,000 members, 1,000,000 activity events and 100,000 resources.

Seeds the community with bulk inserts (not through commands): members with Zipf-like
skills, a few listed, 5% mentors; resources saved under tags, upvotes, prompt answers,
thanks, mentor requests, matches and their ratings over half a year. The triggers of
migration 0020 mark everyone stale as the rows go in, and the expertise of all members is
then derived afresh at once (timed). Then, through the core: `/who knows` over popular,
rare and unknown topics and later pages (p50, p99), `/community health` as a moderator,
and the digest's build from a snapshot, with the event loop's worst stall meanwhile.
Exits 1 on a miss: `/who knows` p99 50 ms, health 1 s, digest 2 s, stall 50 ms, on SQLite
and PostgreSQL (a PostgreSQL that can't be reached is a miss). Run:
`COPBOT_TEST_POSTGRES_URL=... .venv/bin/python -m bench.community [--members N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table
from sqlalchemy import Table as SqlTable
from sqlalchemy import insert, select, text

from bench.library import POSTGRES_URL, TOPICS, percentile, postgres_available
from bench.stalls import watched
from bot.community.digest import PERIOD, digest_reply
from bot.kernel.core import Core
from bot.kernel.messages import Action, Actor, CommunityKey, Invocation, Reply
from copbot.bootstrap import open_core
from storage import expertise
from storage.database import Db
from storage.library_search import search_columns
from storage.schema import (
    communities,
    match_feedback,
    matches,
    member_tags,
    members,
    mentor_requests,
    mentor_topics,
    mentors,
    prompt_answers,
    prompt_occurrences,
    prompt_schedules,
    resource_tags,
    resource_votes,
    resources,
    thanks,
)
from storage.store import SqlStore
from tests.fakes import FakeChat, ManualClock

COMMUNITY = CommunityKey("bench", "community")
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=180)  # the events' half year
CHUNK = 2000  # rows per insert: each statement ends within the store's 2 s timeout
ALL_TOPICS = [*TOPICS, *(f"topic-{n}" for n in range(150))]  # a long tail after the usual
WHO_KNOWS_P99_MS, HEALTH_S, DIGEST_S, STALL_MS = 50.0, 1.0, 2.0, 50.0
SEEDED = (
    members,
    member_tags,
    mentors,
    mentor_topics,
    resources,
    resource_tags,
    resource_votes,
    prompt_occurrences,
    prompt_answers,
    thanks,
    mentor_requests,
    matches,
    match_feedback,
)


def zipf_topics(rng: random.Random, k: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(ALL_TOPICS))]
    return list(dict.fromkeys(rng.choices(ALL_TOPICS, weights, k=k)))


def moment(rng: random.Random, span: timedelta = SPAN) -> datetime:
    return NOW - timedelta(seconds=rng.uniform(0, span.total_seconds()))


def chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


async def put(db: Db, table: SqlTable, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for batch in chunks(rows):
        await db.execute(insert(table), batch)
        count += len(batch)
    return count


class Seeder:
    """The synthetic community, row by row; `events` counts the activity events."""

    def __init__(self, db: Db, cid: int, size: int) -> None:
        self.db, self.cid, self.size = db, cid, size
        self.rng = random.Random(19)
        self.ids = range(1, size + 1)
        self.events = 0

    def someone(self) -> int:
        return self.rng.randrange(1, self.size + 1)

    async def seed(self) -> None:
        await self.members()
        await self.library()
        await self.prompts()
        await self.thanks()
        await self.mentoring()

    async def members(self) -> None:
        rng, cid = self.rng, self.cid
        await put(
            self.db,
            members,
            (
                {
                    "id": m,
                    "community_id": cid,
                    "user_id": f"u{m}",
                    "display_name": f"Member {m}",
                    "timezone": rng.choice(("Europe/Berlin", "America/New_York", None)),
                    "created_at": (at := moment(rng, timedelta(days=360))),
                    "updated_at": at,
                    "listed": rng.random() < 0.6,
                }
                for m in self.ids
            ),
        )
        skills = (
            (m, tag, position)
            for m in self.ids
            for position, tag in enumerate(zipf_topics(rng, rng.randint(0, 3)))
        )
        await put(
            self.db,
            member_tags,
            (
                {"community_id": cid, "member_id": m, "kind": "skill", "tag": t, "position": p}
                for m, t, p in skills
            ),
        )
        self.mentor_ids = [m for m in self.ids if m % 20 == 0]
        await put(
            self.db,
            mentors,
            (
                {
                    "community_id": cid,
                    "member_id": m,
                    "capacity": 3,
                    "paused": False,
                    "created_at": NOW - SPAN,
                    "updated_at": NOW - SPAN,
                }
                for m in self.mentor_ids
            ),
        )
        self.offered = {m: zipf_topics(rng, rng.randint(1, 3)) for m in self.mentor_ids}
        await put(
            self.db,
            mentor_topics,
            (
                {"community_id": cid, "member_id": m, "topic": t, "position": p}
                for m, topics in self.offered.items()
                for p, t in enumerate(topics)
            ),
        )

    async def library(self) -> None:
        rng, cid, count = self.rng, self.cid, self.size
        votes: set[tuple[int, int]] = set()
        while len(votes) < 4 * count:
            votes.add((rng.randrange(1, count + 1), self.someone()))
        per_resource = [0] * (count + 1)
        for resource, _ in votes:
            per_resource[resource] += 1
        tagged = {r: zipf_topics(rng, rng.randint(1, 3)) for r in range(1, count + 1)}

        def row(r: int) -> dict[str, Any]:
            title, tags = f"Notes on {tagged[r][0]} number {r}", tuple(tagged[r])
            at = moment(rng)
            return {
                "id": r,
                "community_id": cid,
                "url": f"https://example.org/{r}",
                "title": title,
                "saved_by": self.someone(),
                "votes": per_resource[r],
                "created_at": at,
                "updated_at": at,
                **search_columns(title, tags, ""),
            }

        self.events += await put(self.db, resources, (row(r) for r in range(1, count + 1)))
        await put(
            self.db,
            resource_tags,
            (
                {"community_id": cid, "resource_id": r, "tag": t, "position": p}
                for r, tags in tagged.items()
                for p, t in enumerate(tags)
            ),
        )
        self.events += await put(
            self.db,
            resource_votes,
            (
                {"community_id": cid, "resource_id": r, "member_id": m, "created_at": moment(rng)}
                for r, m in votes
            ),
        )

    async def prompts(self) -> None:
        cid, weeks = self.cid, SPAN.days // 7
        await put(
            self.db,
            prompt_schedules,
            [
                {
                    "id": 1,
                    "community_id": cid,
                    "channel_id": "weekly",
                    "weekday": 0,
                    "hour": 9,
                    "minute": 0,
                    "timezone": "UTC",
                    "paused": False,
                    "last_due": NOW,
                    "created_at": NOW - SPAN,
                }
            ],
        )
        due = [NOW - timedelta(weeks=w) for w in range(weeks, 0, -1)]
        await put(
            self.db,
            prompt_occurrences,
            (
                {
                    "id": n,
                    "community_id": cid,
                    "schedule_id": 1,
                    "due_at": at,
                    "outcome": "posted",
                    "text": f"Prompt of week {n}",
                    "claim": "bench",
                    "claimed_at": at,
                    "posted_at": at,
                    "channel_id": "weekly",
                    "message_id": f"m{n}",
                    "thread_id": f"t{n}",
                    "recapped": True,
                }
                for n, at in enumerate(due, 1)
            ),
        )
        answered: set[tuple[int, int]] = set()
        while len(answered) < 3 * self.size:
            answered.add((self.rng.randint(1, len(due)), self.someone()))
        self.events += await put(
            self.db,
            prompt_answers,
            (
                {"community_id": cid, "occurrence_id": o, "member_id": m, "answers": 1}
                for o, m in answered
            ),
        )

    async def thanks(self) -> None:
        rng, given = self.rng, set[tuple[int, int, date, datetime]]()
        while len(given) < self.size:
            at = moment(rng)
            given.add((self.someone(), self.someone(), at.date(), at))
        self.events += await put(
            self.db,
            thanks,
            (
                {
                    "community_id": self.cid,
                    "from_id": giver,
                    "to_id": to,
                    "topic": rng.choice((None, *zipf_topics(rng, 1))),
                    "channel_id": "general",
                    "created_at": at,
                    "day": day,
                }
                for giver, to, day, at in given
                if giver != to
            ),
        )

    async def mentoring(self) -> None:
        rng, cid = self.rng, self.cid
        asked = [(n, self.someone(), moment(rng)) for n in range(1, int(0.6 * self.size) + 1)]
        matched = {n: rng.choice(self.mentor_ids) for n, _, _ in asked if n % 3 != 0}
        topic = {n: zipf_topics(rng, 1)[0] for n, _, _ in asked}
        waiting: set[tuple[int, str]] = set()  # one open request per member and topic

        def status(n: int, mentee: int) -> str:
            if n in matched:
                return "matched"
            if n % 2 and (mentee, topic[n]) not in waiting:
                waiting.add((mentee, topic[n]))
                return "waiting"
            return "cancelled"

        self.events += await put(
            self.db,
            mentor_requests,
            (
                {
                    "id": n,
                    "community_id": cid,
                    "mentee_id": mentee,
                    "topic": topic[n],
                    "note": "",
                    "channel_id": "general",
                    "status": status(n, mentee),
                    "mentor_id": matched.get(n),
                    "notified": True,
                    "left_out": 0,
                    "created_at": at,
                    "updated_at": at,
                }
                for n, mentee, at in asked
            ),
        )
        self.events += await put(
            self.db,
            matches,
            (
                {
                    "id": n,
                    "community_id": cid,
                    "request_id": n,
                    "mentor_id": matched[n],
                    "mentee_id": mentee,
                    "topic": rng.choice(self.offered[matched[n]]),
                    "started_at": at,
                    "ended_at": at + timedelta(days=30) if at < NOW - timedelta(days=30) else None,
                }
                for n, mentee, at in asked
                if n in matched
            ),
        )
        await put(
            self.db,
            match_feedback,
            (
                {
                    "community_id": cid,
                    "match_id": n,
                    "member_id": mentee,
                    "met": rng.random() < 0.8,
                    "rating": rng.randint(2, 5),
                    "created_at": at + timedelta(days=30),
                }
                for n, mentee, at in asked
                if n in matched and n % 2
            ),
        )


async def seed(store: SqlStore, size: int) -> tuple[int, float, float]:
    """The community in one transaction; (events, seconds seeding, seconds deriving every
    member's expertise afresh)."""
    async with store.unit_of_work(COMMUNITY):
        pass  # the community's row
    async with store.database.transaction() as db:
        cid = await db.scalar(
            select(communities.c.id).where(communities.c.external_id == COMMUNITY.id)
        )
        began = time.perf_counter()
        seeder = Seeder(db, int(cid), size)
        await seeder.seed()
        seeded = time.perf_counter() - began
        if db.dialect == "postgresql":  # the planner's statistics of the rows just in
            for table in SEEDED:
                await db.execute(text(f"ANALYZE {table.name}"))
        began = time.perf_counter()
        await expertise.refresh(db, int(cid))
        derived = time.perf_counter() - began
        if db.dialect == "postgresql":
            await db.execute(text("ANALYZE expertise"))
        await db.commit()
    return seeder.events, seeded, derived


async def vacuumed(url: str) -> None:
    """What autovacuum does to a database that has been up a while: the visibility map that
    index-only scans (a topic's count) rely on, and fresh statistics. Outside a
    transaction, so on a connection of its own."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def timed(calls: list[Callable[[], Awaitable[Reply]]]) -> list[float]:
    latencies = []
    for call in calls:
        began = time.perf_counter()
        reply = await call()
        assert not reply.error, reply.text
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


def who_knows_mix(core: Core, actor: Actor, count: int) -> list[Callable[[], Awaitable[Reply]]]:
    """Popular topics, the tail, unknown ones (a gap recorded), and later pages."""
    rng = random.Random(7)

    def ask(topic: str) -> Callable[[], Awaitable[Reply]]:
        options = {"topic": topic}
        return lambda: core.invoke(Invocation(actor, "general", "who knows", options))

    def page(topic: str) -> Callable[[], Awaitable[Reply]]:
        value = f"{rng.choice((5, 10, 50))}|{topic}"
        return lambda: core.act(Action(actor, "general", "who.knows", value))

    shapes = [
        lambda: ask(rng.choice(ALL_TOPICS[:5])),
        lambda: ask(rng.choice(ALL_TOPICS)),
        lambda: ask(rng.choice(ALL_TOPICS[-50:])),
        lambda: ask(f"unknown-{rng.randrange(1000)}"),
        lambda: page(rng.choice(ALL_TOPICS[:10])),
    ]
    return [rng.choice(shapes)() for _ in range(count)]


async def run_engine(url: str, args: argparse.Namespace, table: Table) -> bool:
    clock = ManualClock(NOW)
    async with open_core(url, chat=FakeChat(), clock=clock) as core:
        store = core.store
        assert isinstance(store, SqlStore)
        events, seeded, derived = await seed(store, args.members)
        if url.startswith("postgresql"):
            await vacuumed(url)
        gc.collect()  # the seeding's garbage, which would otherwise be collected mid-figures
        reader = Actor(COMMUNITY, "u1", "Member 1")
        moderator = Actor(COMMUNITY, "u2", "Member 2", is_moderator=True)
        for warm in who_knows_mix(core, reader, 20):
            await warm()
        # The moderator has talked to copbot before: a member's very first command, a
        # reading one included, runs again in a writing unit of work once their record
        # is made, which would time health twice.
        await core.invoke(Invocation(moderator, "general", "help"))

        def health() -> Awaitable[Reply]:
            return core.invoke(Invocation(moderator, "general", "community health"))

        async def build() -> Reply:
            async with store.snapshot(COMMUNITY) as view:
                return await digest_reply(view, NOW - PERIOD, NOW)

        async with watched() as who_stall:
            who_ms = await timed(who_knows_mix(core, reader, args.asks))
        async with watched() as health_stall:
            health_ms = await timed([health] * 5)
        async with watched() as digest_stall:
            digest_ms = await timed([build] * 5)
    stalls = (who_stall.worst_ms, health_stall.worst_ms, digest_stall.worst_ms)
    p99, health_worst, digest_worst = percentile(who_ms, 99), max(health_ms), max(digest_ms)
    rows = [
        ("/who knows", f"{statistics.median(who_ms):.1f}", f"{p99:.1f}", p99 < WHO_KNOWS_P99_MS),
        (
            "/community health (runs: " + ", ".join(f"{t:.0f}" for t in health_ms) + ")",
            f"{statistics.median(health_ms):.0f}",
            f"{health_worst:.0f}",
            health_worst < HEALTH_S * 1000,
        ),
        (
            "digest build",
            f"{statistics.median(digest_ms):.0f}",
            f"{digest_worst:.0f}",
            digest_worst < DIGEST_S * 1000,
        ),
        (
            "event loop stall (who knows, health, digest)",
            "",
            " / ".join(f"{ms:.0f}" for ms in stalls),
            max(stalls) < STALL_MS,
        ),
    ]
    for what, p50, high, ok in rows:
        table.add_row(what, p50, high, "[green]PASS" if ok else "[red]FAIL")
    table.add_row(f"seeded {events:,} events in {seeded:.0f} s", "", "", "")
    table.add_row(f"expertise of every member afresh in {derived:.1f} s", "", "", "")
    return all(ok for *_, ok in rows)


def figures(name: str, args: argparse.Namespace) -> Table:
    table = Table(
        title=f"{name}: {args.members:,} members, {args.members:,} resources, "
        f"{10 * args.members:,} events (ms)"
    )
    for column in ("what", "p50", "p99 / worst", "target"):
        table.add_column(column)
    return table


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--members", type=int, default=100_000, help="as many resources, 10x as many events"
    )
    parser.add_argument("--asks", type=int, default=500, help="how many /who knows are timed")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = figures("SQLite", args)
        passed = await run_engine(f"sqlite:///{Path(tmp) / 'community.db'}", args, sqlite)
    Console().print(sqlite)
    if await postgres_available():
        postgres = figures("PostgreSQL", args)
        passed &= await run_engine(POSTGRES_URL, args, postgres)
        Console().print(postgres)
    else:
        Console().print(f"PostgreSQL unreachable at {POSTGRES_URL}: FAIL")
        passed = False
    Console().print(
        f"Targets: /who knows p99 < {WHO_KNOWS_P99_MS:.0f} ms, health < {HEALTH_S:.0f} s, "
        f"digest < {DIGEST_S:.0f} s, no stall > {STALL_MS:.0f} ms. Load average at the start "
        f"{load[0]:.1f}, at the end {os.getloadavg()[0]:.1f}."
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
