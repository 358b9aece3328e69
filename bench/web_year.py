"""A year of activity for bench.web's community, in bulk (the core's path isn't measured):
the members' and resources' arrival spread over the year, upvotes, weekly prompts and
their answers, thanks, mentor offers, requests, matches and ratings, newcomers' welcomes
and searches that found nothing. What the health page charts; the library's own rows come
from bench.library."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text, update

from bench.community import put
from bot.kernel.gaps import week_of
from storage import expertise
from storage.schema import (
    communities,
    match_feedback,
    matches,
    members,
    mentor_requests,
    mentor_topics,
    mentors,
    newcomers,
    prompt_answers,
    prompt_occurrences,
    prompt_schedules,
    resource_votes,
    resources,
    search_gaps,
    thanks,
)
from storage.store import SqlStore

YEAR = timedelta(days=365)
VOTES = 200_000
ANSWERS = 30_000
THANKS = 10_000
REQUESTS = 4_000
SEEDED = (
    members,
    resources,
    resource_votes,
    prompt_occurrences,
    prompt_answers,
    thanks,
    mentor_requests,
    matches,
    match_feedback,
    newcomers,
    search_gaps,
)


async def load_year(store: SqlStore, where: Any, now: datetime, topics: list[str]) -> int:
    """Activity events inserted; `now`: the bench's clock (the year ends there)."""
    rng = random.Random(2026)

    def moment() -> datetime:
        return now - timedelta(seconds=rng.uniform(0, YEAR.total_seconds()))

    async with store.database.transaction() as db:
        cid = int(
            await db.scalar(
                select(communities.c.id).where(
                    communities.c.platform == where.platform, communities.c.external_id == where.id
                )
            )
        )
        ids = list(
            (await db.execute(select(members.c.id).where(members.c.community_id == cid))).scalars()
        )
        arrived = {m: moment() for m in ids}
        count = int(await db.scalar(select(text("count(*)")).select_from(resources)))
        await _spread(db, arrived, [moment() for _ in range(count)])
        events = await put(
            db,
            newcomers,
            (
                {"community_id": cid, "member_id": m, "how": "talked", "welcomed_at": at}
                for m, at in arrived.items()
            ),
        )
        voted = {(rng.randint(1, count), rng.choice(ids)) for _ in range(VOTES)}
        events += await put(
            db,
            resource_votes,
            (
                {"community_id": cid, "resource_id": r, "member_id": m, "created_at": moment()}
                for r, m in voted
            ),
        )
        events += await _prompts(db, cid, now, ids, rng)
        given = {(rng.choice(ids), rng.choice(ids), moment()) for _ in range(THANKS)}
        events += await put(
            db,
            thanks,
            (
                {
                    "community_id": cid,
                    "from_id": a,
                    "to_id": b,
                    "topic": rng.choice(topics),
                    "channel_id": "general",
                    "created_at": at,
                    "day": at.date(),
                }
                for a, b, at in given
                if a != b
            ),
        )
        events += await _mentoring(db, cid, ids, topics, moment, rng)
        asked_about = [*topics, *(f"gap-{n}" for n in range(40))]
        gaps = {
            (rng.choice(asked_about), week_of(now - timedelta(weeks=w)), kind)
            for w in range(4)
            for kind in ("library", "who", "mentor")
            for _ in range(30)
        }
        await put(
            db,
            search_gaps,
            (
                {"community_id": cid, "topic": t, "week": w, "kind": k, "misses": rng.randint(1, 9)}
                for t, w, k in gaps
            ),
        )
        if db.dialect == "postgresql":  # the planner's statistics of the rows just in
            for table in SEEDED:
                await db.execute(text(f"ANALYZE {table.name}"))
        await expertise.refresh(db, cid)
        await db.commit()
    return events


async def _spread(db: Any, arrived: dict[int, datetime], saved: list[datetime]) -> None:
    """Members' arrival and resources' saving spread over the year: on PostgreSQL from a
    temporary table, 10,000 rows a statement (an UPDATE per row takes minutes there)."""
    if db.dialect == "sqlite":
        moved = update(members).where(members.c.id == bindparam("m"))
        await db.execute(
            moved.values(created_at=bindparam("at"), updated_at=bindparam("at")),
            [{"m": m, "at": at} for m, at in arrived.items()],
        )
        dated = update(resources).where(resources.c.id == bindparam("r"))
        await db.execute(
            dated.values(created_at=bindparam("at")),
            [{"r": r, "at": at} for r, at in enumerate(saved, 1)],
        )
        return
    await db.execute(text("CREATE TEMP TABLE spread (id integer PRIMARY KEY, at timestamptz)"))
    for table, times in ((members, list(arrived.items())), (resources, list(enumerate(saved, 1)))):
        await db.execute(text("TRUNCATE spread"))
        rows = [{"id": n, "at": at} for n, at in times]
        for start in range(0, len(rows), 5000):
            await db.execute(
                text("INSERT INTO spread VALUES (:id, :at)"), rows[start : start + 5000]
            )
        await db.execute(text("ANALYZE spread"))
        moved = text(
            f"UPDATE {table.name} t SET created_at = s.at FROM spread s "
            "WHERE t.id = s.id AND s.id >= :low AND s.id < :high"
        )
        top = max(n for n, _ in times)
        for low in range(0, top + 1, 10_000):  # each within the store's statement timeout
            await db.execute(moved, {"low": low, "high": low + 10_000})
    await db.execute(text("DROP TABLE spread"))


async def _prompts(db: Any, cid: int, now: datetime, ids: list[int], rng: random.Random) -> int:
    start = now - YEAR
    await put(
        db,
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
                "last_due": now,
                "created_at": start,
            }
        ],
    )
    due = [start + timedelta(weeks=w) for w in range(52)]
    await put(
        db,
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
    answered = {(rng.randint(1, len(due)), rng.choice(ids)) for _ in range(ANSWERS)}
    return await put(
        db,
        prompt_answers,
        (
            {"community_id": cid, "occurrence_id": o, "member_id": m, "answers": rng.randint(1, 3)}
            for o, m in answered
        ),
    )


async def _mentoring(
    db: Any, cid: int, ids: list[int], topics: list[str], moment: Any, rng: random.Random
) -> int:
    offering = {m: rng.sample(topics, 2) for m in ids[::40]}
    await put(
        db,
        mentors,
        (
            {
                "community_id": cid,
                "member_id": m,
                "capacity": 3,
                "paused": False,
                "created_at": moment(),
                "updated_at": moment(),
            }
            for m in offering
        ),
    )
    await put(
        db,
        mentor_topics,
        (
            {"community_id": cid, "member_id": m, "topic": t, "position": p}
            for m, chosen in offering.items()
            for p, t in enumerate(chosen)
        ),
    )
    asked = [(n, rng.choice(ids), moment()) for n in range(1, REQUESTS + 1)]
    mentor_ids = list(offering)
    matched = {n: rng.choice(mentor_ids) for n, _, _ in asked if n % 3}
    events = await put(
        db,
        mentor_requests,
        (
            {
                "id": n,
                "community_id": cid,
                "mentee_id": mentee,
                "topic": rng.choice(topics),
                "note": "",
                "channel_id": "general",
                "status": "matched" if n in matched else "cancelled",
                "mentor_id": matched.get(n),
                "asked_at": at,
                "notified": True,
                "left_out": 0,
                "created_at": at,
                "updated_at": at,
            }
            for n, mentee, at in asked
        ),
    )
    events += await put(
        db,
        matches,
        (
            {
                "id": n,
                "community_id": cid,
                "request_id": n,
                "mentor_id": matched[n],
                "mentee_id": mentee,
                "topic": rng.choice(offering[matched[n]]),
                "started_at": at,
                "ended_at": at + timedelta(days=30),
            }
            for n, mentee, at in asked
            if n in matched
        ),
    )
    await put(
        db,
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
    return events
