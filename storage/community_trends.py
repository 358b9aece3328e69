"""The community week by week, for the health charts: one grouped statement per figure,
each reading from the first week's start on, always within one community.

A row's week is a CASE over the weeks' bounds (given as parameters), not a date function:
both engines compare the stored times the same way as every other query here does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from bot.community.model import Funnel, IntroRound, Posting, Trends
from bot.mentoring.model import RequestStatus
from storage.community_week import actions
from storage.database import Db
from storage.newcomers import BEFORE, steps_done
from storage.schema import (
    intro_group_members,
    intro_groups,
    intro_rounds,
    match_feedback,
    matches,
    members,
    mentor_requests,
    newcomers,
    prompt_answers,
    prompt_occurrences,
    resource_tags,
    resources,
)


def week_of(column: Any, weeks: tuple[datetime, ...]) -> Any:
    """Which of `weeks` (their starts, oldest first) `column` falls in: -1 before the first."""
    return case(
        *((column < start, i - 1) for i, start in enumerate(weeks)),
        else_=len(weeks) - 1,
    )


async def trends(
    db: Db, cid: int, weeks: tuple[datetime, ...], busy: tuple[int, int], tags: int
) -> Trends:
    n = len(weeks)
    acting = await _acting(db, cid, weeks, busy)
    welcomed, first_steps = await _newcomers(db, cid, weeks)
    return Trends(
        weeks=weeks,
        acting=tuple((acting[0][w], acting[1][w], acting[2][w]) for w in range(n)),
        welcomed=welcomed,
        first_steps=first_steps,
        library=await _library(db, cid, weeks),
        postings=await _postings(db, cid, weeks[0]),
        intros=await _intros(db, cid, weeks[0]),
        funnel=await _funnel(db, cid, weeks[0]),
        tags=await _tags(db, cid, tags),
    )


async def _acting(
    db: Db, cid: int, weeks: tuple[datetime, ...], busy: tuple[int, int]
) -> list[list[int]]:
    """Per level (fewer than busy[0] actions that week, fewer than busy[1], the rest), how
    many members acted in each week; erased members are not counted."""
    done = actions(cid, weeks[0])
    per_week = (
        select(done.c.m, week_of(done.c.at, weeks).label("w"), func.sum(done.c.n).label("n"))
        .where(done.c.m.is_not(None))
        .group_by(done.c.m, "w")
        .subquery("per_week")
    )
    level = case((per_week.c.n < busy[0], 0), (per_week.c.n < busy[1], 1), else_=2).label("level")
    found = await db.execute(
        select(per_week.c.w, level, func.count())
        .select_from(
            per_week.join(
                members, and_(members.c.community_id == cid, members.c.id == per_week.c.m)
            )
        )
        .where(members.c.erased_at.is_(None), per_week.c.n > 0)
        .group_by(per_week.c.w, "level")
    )
    counts = [[0] * len(weeks) for _ in range(3)]
    for w, at, count in found.all():
        counts[at][w] = int(count)
    return counts


async def _newcomers(
    db: Db, cid: int, weeks: tuple[datetime, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Newcomers welcomed each week, and how many of them have finished their first steps."""
    w = week_of(newcomers.c.welcomed_at, weeks).label("w")
    finished = and_(*steps_done(cid, newcomers.c.member_id))
    found = await db.execute(
        select(w, func.count(), func.sum(case((finished, 1), else_=0)))
        .where(
            newcomers.c.community_id == cid,
            newcomers.c.welcomed_at >= weeks[0],
            newcomers.c.how != BEFORE,
        )
        .group_by("w")
    )
    welcomed, done = [0] * len(weeks), [0] * len(weeks)
    for week, count, finished_count in found.all():
        welcomed[week], done[week] = int(count), int(finished_count or 0)
    return tuple(welcomed), tuple(done)


async def _library(db: Db, cid: int, weeks: tuple[datetime, ...]) -> tuple[int, ...]:
    """Resources in the library at the end of each week (those still in it now)."""
    w = week_of(resources.c.created_at, weeks).label("w")
    found = await db.execute(
        select(w, func.count()).where(resources.c.community_id == cid).group_by("w")
    )
    added = dict(found.all())
    total, growth = int(added.get(-1, 0)), []
    for week in range(len(weeks)):
        total += int(added.get(week, 0))
        growth.append(total)
    return tuple(growth)


async def _postings(db: Db, cid: int, since: datetime) -> tuple[Posting, ...]:
    o, a = prompt_occurrences.c, prompt_answers.c
    found = await db.execute(
        select(o.posted_at, func.count(a.member_id), func.coalesce(func.sum(a.answers), 0))
        .select_from(
            prompt_occurrences.outerjoin(
                prompt_answers,
                and_(a.community_id == o.community_id, a.occurrence_id == o.id, a.answers > 0),
            )
        )
        .where(o.community_id == cid, o.posted_at >= since)
        .group_by(o.id, o.posted_at)
        .order_by(o.posted_at, o.id)
    )
    return tuple(Posting(at, int(people), int(answers)) for at, people, answers in found.all())


async def _intros(db: Db, cid: int, since: datetime) -> tuple[IntroRound, ...]:
    g, r, gm = intro_groups.c, intro_rounds.c, intro_group_members.c
    said = (
        select(
            gm.group_id,
            func.max(case((gm.answer.is_not(None), 1), else_=0)).label("answered"),
            func.max(case((gm.answer == "met", 1), else_=0)).label("met"),
        )
        .where(gm.community_id == cid)
        .group_by(gm.group_id)
        .subquery("said")
    )
    found = await db.execute(
        select(
            r.published_at,
            func.count(g.id),
            func.coalesce(func.sum(said.c.answered), 0),
            func.coalesce(func.sum(said.c.met), 0),
        )
        .select_from(
            intro_rounds.join(
                intro_groups,
                and_(
                    g.community_id == r.community_id,
                    g.round_id == r.id,
                    g.channel_id.is_not(None),
                    g.dropped.is_(False),
                ),
            ).outerjoin(said, said.c.group_id == g.id)
        )
        .where(r.community_id == cid, r.published_at >= since)
        .group_by(r.id, r.published_at)
        .order_by(r.published_at, r.id)
    )
    return tuple(IntroRound(at, int(n), int(ans), int(met)) for at, n, ans, met in found.all())


async def _funnel(db: Db, cid: int, since: datetime) -> Funnel:
    q, m, f = mentor_requests.c, matches.c, match_feedback.c
    said = (
        select(
            f.match_id,
            func.max(case((f.met, 1), else_=0)).label("met"),
            func.count(f.rating).label("ratings"),
            func.coalesce(func.sum(f.rating), 0).label("rating_total"),
        )
        .where(f.community_id == cid)
        .group_by(f.match_id)
        .subquery("said")
    )
    matched = q.status == RequestStatus.MATCHED.value
    asked = or_(q.asked_at.is_not(None), matched, m.id.is_not(None))
    row = (
        await db.execute(
            select(
                func.count(func.distinct(q.id)),
                func.count(func.distinct(case((asked, q.id)))),
                func.count(func.distinct(case((or_(matched, m.id.is_not(None)), q.id)))),
                func.coalesce(func.sum(said.c.met), 0),
                func.coalesce(func.sum(said.c.ratings), 0),
                func.coalesce(func.sum(said.c.rating_total), 0),
            )
            .select_from(
                mentor_requests.outerjoin(
                    matches, and_(m.community_id == cid, m.request_id == q.id)
                ).outerjoin(said, said.c.match_id == m.id)
            )
            .where(q.community_id == cid, q.created_at >= since)
        )
    ).all()[0]
    return Funnel(*(int(n) for n in row))


async def _tags(db: Db, cid: int, shown: int) -> tuple[tuple[str, int], ...]:
    uses = func.count().label("uses")
    found = await db.execute(
        select(resource_tags.c.tag, uses)
        .where(resource_tags.c.community_id == cid)
        .group_by(resource_tags.c.tag)
        .order_by(uses.desc(), resource_tags.c.tag)
        .limit(shown)
    )
    return tuple((tag, int(count)) for tag, count in found.all())
