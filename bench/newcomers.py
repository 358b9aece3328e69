"""The newcomers' reads at scale, on SQLite and (given its URL) PostgreSQL.

Why: `/community health` reports how many newcomers finished their first steps
(`NewcomersRepository.progress`), and `/start`, the home tab and every welcome read one
member's steps (`steps`). Both read across the profiles', prompts', mentoring's and intros'
tables, which grow with the community. A community of 100,000 members (a fifth welcomed in
the last 90 days, the rest known before), 400,000 prompt answers, 20,000 mentor requests,
5,000 mentors, 10,000 intros participants and 40,000 members with skills; it prints the
median of `progress` and the p99 of `steps` over random members. Not part of the tests.

Run from the repository root: `.venv/bin/python -m bench.newcomers [--postgres URL]`
(the PostgreSQL database is emptied first). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import Table, insert, text

from storage.database import Database, open_database
from storage.migrate import migrate
from storage.newcomers import BEFORE, SqlNewcomersRepository
from storage.schema import (
    communities,
    intro_participants,
    intro_programmes,
    member_tags,
    members,
    mentor_requests,
    mentors,
    newcomers,
    prompt_answers,
    prompt_occurrences,
    prompt_schedules,
)

MEMBERS = 100_000
RECENT = 0.2  # welcomed within the last 90 days
WEEKS = 52  # prompt postings, each answered by a random 8% of members
TARGET_PROGRESS_S = 0.5  # half of the health report's second
TARGET_STEPS_P99_MS = 10.0
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CHUNK = 5000


async def _fill(database: Database, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with database.transaction() as db:
            await db.execute(insert(table), list(rows[start : start + CHUNK]))
            await db.commit()


async def seed(database: Database, rng: random.Random) -> None:
    ids = range(1, MEMBERS + 1)
    at = {"created_at": NOW - timedelta(days=400)}
    await _fill(database, communities, [{"id": 1, "platform": "bench", "external_id": "n", **at}])
    await _fill(
        database,
        members,
        [
            {
                "id": m,
                "community_id": 1,
                "user_id": f"u{m}",
                "display_name": f"Member {m}",
                "bio": "hello" if m % 10 == 0 else "",
                "updated_at": at["created_at"],
                **at,
            }
            for m in ids
        ],
    )
    recent = set(rng.sample(ids, int(MEMBERS * RECENT)))
    await _fill(
        database,
        newcomers,
        [
            {
                "community_id": 1,
                "member_id": m,
                "how": "talked" if m in recent else BEFORE,
                "welcomed_at": NOW - timedelta(days=rng.randrange(90 if m in recent else 400)),
            }
            for m in ids
        ],
    )
    tagged = rng.sample(ids, 40_000)
    await _fill(
        database,
        member_tags,
        [
            {"community_id": 1, "member_id": m, "kind": "skill", "tag": "python", "position": 0}
            for m in tagged
        ],
    )
    await _prompts(database, rng)
    await _mentoring(database, rng)
    await _fill(database, intro_programmes, [_programme()])
    joined = rng.sample(ids, 10_000)
    await _fill(
        database,
        intro_participants,
        [
            {
                "community_id": 1,
                "programme_id": 1,
                "member_id": m,
                "every_rounds": 1,
                "ghosted": False,
                "ignored": 0,
                "joined_at": NOW,
            }
            for m in joined
        ],
    )


async def _prompts(database: Database, rng: random.Random) -> None:
    await _fill(
        database,
        prompt_schedules,
        [
            {
                "id": 1,
                "community_id": 1,
                "channel_id": "weekly",
                "weekday": 0,
                "hour": 9,
                "minute": 0,
                "timezone": "UTC",
                "paused": False,
                "last_due": NOW,
                "created_at": NOW,
            }
        ],
    )
    due = [NOW - timedelta(weeks=w) for w in range(1, WEEKS + 1)]
    occurrence = {"community_id": 1, "schedule_id": 1, "outcome": "posted", "text": "?"}
    await _fill(
        database,
        prompt_occurrences,
        [
            {"id": n, "due_at": d, "claim": "b", "claimed_at": d, "recapped": True, **occurrence}
            for n, d in enumerate(due, 1)
        ],
    )
    answers = [
        {"community_id": 1, "occurrence_id": n, "member_id": m, "answers": 1}
        for n in range(1, WEEKS + 1)
        for m in rng.sample(range(1, MEMBERS + 1), MEMBERS * 8 // 100)
    ]
    await _fill(database, prompt_answers, answers)


async def _mentoring(database: Database, rng: random.Random) -> None:
    offering = rng.sample(range(1, MEMBERS + 1), 5000)
    await _fill(
        database,
        mentors,
        [
            {
                "community_id": 1,
                "member_id": m,
                "capacity": 2,
                "paused": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for m in offering
        ],
    )
    asking = rng.sample(range(1, MEMBERS + 1), 20_000)
    await _fill(
        database,
        mentor_requests,
        [
            {
                "community_id": 1,
                "mentee_id": m,
                "topic": "python",
                "note": "",
                "channel_id": "general",
                "status": "matched",
                "notified": True,
                "left_out": 0,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for m in asking
        ],
    )


def _programme() -> dict[str, Any]:
    return {
        "id": 1,
        "community_id": 1,
        "name": "intros",
        "channel_id": "intros",
        "whole_community": True,
        "weekday": 0,
        "hour": 10,
        "minute": 0,
        "timezone": "UTC",
        "every_weeks": 1,
        "size": 2,
        "repeat_weeks": 12,
        "paused": False,
        "last_due": NOW,
        "created_at": NOW,
    }


async def measure(url: str, name: str) -> bool:
    database = open_database(url)
    try:
        await migrate(database)
        rng = random.Random(19)
        started = time.perf_counter()
        await seed(database, rng)
        print(f"{name}: seeded in {time.perf_counter() - started:.1f} s")
        async with database.transaction() as db:
            await db.execute(text("ANALYZE"))  # as a long-running database would have
            await db.commit()
        runs = []
        for _ in range(5):
            async with database.transaction() as db:
                began = time.perf_counter()
                progress = await SqlNewcomersRepository(db, 1).progress(NOW - timedelta(days=90))
                runs.append(time.perf_counter() - began)
        took = []
        for member in rng.sample(range(1, MEMBERS + 1), 1000):
            async with database.transaction() as db:
                began = time.perf_counter()
                await SqlNewcomersRepository(db, 1).steps(member)
                took.append((time.perf_counter() - began) * 1000)
    finally:
        await database.dispose()
    median = statistics.median(runs)
    p99 = statistics.quantiles(took, n=100)[98]
    print(
        f"{name}: progress over 90 days: {progress.welcomed} welcomed, {progress.finished} "
        f"finished; median {median * 1000:.0f} ms (target {TARGET_PROGRESS_S * 1000:.0f} ms); "
        f"steps of one member p99 {p99:.2f} ms (target {TARGET_STEPS_P99_MS:.0f} ms)"
    )
    return median <= TARGET_PROGRESS_S and p99 <= TARGET_STEPS_P99_MS


async def _empty(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure too (emptied first)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        met = await measure(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite")
    if args.postgres:
        await _empty(args.postgres)
        met = await measure(args.postgres, "PostgreSQL") and met
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
