"""The community's figures over a period, across the members', library's, prompts',
mentoring's and intros' tables, always within one community: levels of participation and
mentoring outcomes for `/community health`, the gap map, and the digest's week."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select, union_all

from bot.community.model import Gap, Link, MentoringOutcomes, Participation, PromptTurnout, Week
from bot.kernel.gaps import Missed
from bot.kernel.messages import MessageRef
from bot.mentoring.model import RequestStatus
from storage.database import Db
from storage.schema import (
    intro_groups,
    intro_rounds,
    match_feedback,
    matches,
    members,
    mentor_requests,
    mentor_topics,
    prompt_answers,
    prompt_occurrences,
    resource_tags,
    resource_votes,
    resources,
    search_gaps,
    thanks,
)

_ONE: Any = literal_column("1")
GAP_TOPICS_READ = 200  # the most asked topics looked at for mentors and resources


def actions(cid: int, since: datetime) -> Any:
    """Every action (bot.community.health says what counts) since `since`: who (`m`), how
    many (`n`: a prompt's answers count each) and when (`at`)."""
    o, a = prompt_occurrences.c, prompt_answers.c
    answered = prompt_answers.join(
        prompt_occurrences, and_(o.community_id == a.community_id, o.id == a.occurrence_id)
    )
    return union_all(
        select(
            resources.c.saved_by.label("m"), _ONE.label("n"), resources.c.created_at.label("at")
        ).where(resources.c.community_id == cid, resources.c.created_at >= since),
        select(resource_votes.c.member_id, _ONE, resource_votes.c.created_at).where(
            resource_votes.c.community_id == cid, resource_votes.c.created_at >= since
        ),
        select(thanks.c.from_id, _ONE, thanks.c.created_at).where(
            thanks.c.community_id == cid, thanks.c.created_at >= since
        ),
        select(mentor_requests.c.mentee_id, _ONE, mentor_requests.c.created_at).where(
            mentor_requests.c.community_id == cid, mentor_requests.c.created_at >= since
        ),
        select(matches.c.mentor_id, _ONE, matches.c.started_at).where(
            matches.c.community_id == cid, matches.c.started_at >= since
        ),
        select(prompt_answers.c.member_id, prompt_answers.c.answers, o.posted_at)
        .select_from(answered)
        .where(prompt_answers.c.community_id == cid, o.posted_at >= since),
    ).subquery("actions")


async def participation(
    db: Db, cid: int, since: datetime, new_since: datetime, active: int, core: int
) -> Participation:
    actions_since = actions(cid, since)
    per_member = (
        select(actions_since.c.m, func.sum(actions_since.c.n).label("n"))
        .where(actions_since.c.m.is_not(None))
        .group_by(actions_since.c.m)
        .subquery("per_member")
    )
    done = func.coalesce(per_member.c.n, 0)
    level = case(
        (members.c.created_at >= new_since, "new"),
        (done >= core, "core"),
        (done >= active, "active"),
        else_="peripheral",
    ).label("level")
    found = await db.execute(
        select(level, func.count())
        .select_from(members.outerjoin(per_member, per_member.c.m == members.c.id))
        .where(members.c.community_id == cid, members.c.erased_at.is_(None))
        .group_by(level)
    )
    return Participation(**{name: n for name, n in found.all()})


async def gaps(db: Db, cid: int, since: date, limit: int) -> list[Gap]:
    missed = await db.execute(
        select(search_gaps.c.topic, search_gaps.c.kind, func.sum(search_gaps.c.misses))
        .where(search_gaps.c.community_id == cid, search_gaps.c.week >= since)
        .group_by(search_gaps.c.topic, search_gaps.c.kind)
    )
    searches, unmatched = Counter[str](), Counter[str]()
    for topic, kind, n in missed.all():
        (unmatched if kind == Missed.MENTOR else searches)[topic] += int(n)
    waiting = await db.execute(
        select(mentor_requests.c.topic, func.count())
        .where(
            mentor_requests.c.community_id == cid,
            mentor_requests.c.status == RequestStatus.WAITING.value,
        )
        .group_by(mentor_requests.c.topic)
    )
    waits = Counter(dict(waiting.all()))
    asked_for = searches + unmatched + waits
    asked = sorted(asked_for, key=lambda t: (-asked_for[t], t))
    asked = asked[:GAP_TOPICS_READ]
    offered = await _uses(db, mentor_topics.c.community_id == cid, mentor_topics.c.topic, asked)
    covered = await _uses(db, resource_tags.c.community_id == cid, resource_tags.c.tag, asked)
    found = [
        Gap(topic, searches[topic], unmatched[topic], waits[topic], offered[topic], covered[topic])
        for topic in asked
        if not offered[topic] or not covered[topic]
    ]
    return found[:limit]


async def _uses(db: Db, mine: Any, topic: Any, topics: list[str]) -> Counter[str]:
    """How many rows use each of `topics` in `topic`'s table (mentor offers, resource tags)."""
    found = await db.execute(
        select(topic, func.count()).where(mine, topic.in_(topics)).group_by(topic)
    )
    return Counter(dict(found.all()))


async def mentoring_outcomes(db: Db, cid: int, since: datetime) -> MentoringOutcomes:
    said = (
        select(
            match_feedback.c.match_id,
            func.max(case((match_feedback.c.met, 1), else_=0)).label("met"),
            func.count(match_feedback.c.rating).label("ratings"),
            func.coalesce(func.sum(match_feedback.c.rating), 0).label("rating_total"),
        )
        .where(match_feedback.c.community_id == cid)
        .group_by(match_feedback.c.match_id)
        .subquery("said")
    )
    row = (
        await db.execute(
            select(
                func.count(),
                func.count(said.c.match_id),
                func.coalesce(func.sum(said.c.met), 0),
                func.coalesce(func.sum(said.c.ratings), 0),
                func.coalesce(func.sum(said.c.rating_total), 0),
            )
            .select_from(matches.outerjoin(said, said.c.match_id == matches.c.id))
            .where(matches.c.community_id == cid, matches.c.started_at >= since)
        )
    ).all()[0]
    return MentoringOutcomes(*(int(n) for n in row))


async def week(
    db: Db, cid: int, platform: str, since: datetime, until: datetime, shown: int
) -> Week:
    def between(column: Any) -> Any:
        return and_(column > since, column <= until)

    async def count(table: Any, *where: Any) -> int:
        n: int = await db.scalar(
            select(func.count()).select_from(table).where(table.c.community_id == cid, *where)
        )
        return n

    newest = await db.execute(
        select(resources.c.title, resources.c.url, resources.c.votes)
        .where(resources.c.community_id == cid, between(resources.c.created_at))
        .order_by(resources.c.created_at.desc(), resources.c.id.desc())
        .limit(shown)
    )
    got = func.count().label("got")
    upvoted = await db.execute(
        select(resources.c.title, resources.c.url, got)
        .select_from(
            resource_votes.join(
                resources,
                and_(
                    resources.c.community_id == resource_votes.c.community_id,
                    resources.c.id == resource_votes.c.resource_id,
                ),
            )
        )
        .where(resource_votes.c.community_id == cid, between(resource_votes.c.created_at))
        .group_by(resources.c.id, resources.c.title, resources.c.url)
        .order_by(got.desc(), resources.c.id)
        .limit(shown)
    )
    opened = intro_groups.join(
        intro_rounds,
        and_(
            intro_rounds.c.community_id == intro_groups.c.community_id,
            intro_rounds.c.id == intro_groups.c.round_id,
        ),
    )
    intros: int = await db.scalar(
        select(func.count())
        .select_from(opened)
        .where(
            intro_groups.c.community_id == cid,
            intro_groups.c.channel_id.is_not(None),
            between(intro_rounds.c.created_at),
        )
    )
    return Week(
        new_resources=await count(resources, between(resources.c.created_at)),
        newest=tuple(Link(*row) for row in newest.all()),
        most_upvoted=tuple(Link(*row) for row in upvoted.all()),
        prompt=await _last_prompt(db, cid, platform, until),
        matches=await count(matches, between(matches.c.started_at)),
        intros=intros,
        thanks=await count(thanks, between(thanks.c.created_at)),
        newcomers=await count(
            members, between(members.c.created_at), members.c.erased_at.is_(None)
        ),
        waiting=await count(
            mentor_requests, mentor_requests.c.status == RequestStatus.WAITING.value
        ),
    )


async def _last_prompt(db: Db, cid: int, platform: str, until: datetime) -> PromptTurnout | None:
    o = prompt_occurrences.c
    rows = (
        await db.execute(
            select(o.id, o.text, o.posted_at, o.channel_id, o.message_id, o.thread_id, o.url)
            .where(o.community_id == cid, o.posted_at.is_not(None), o.posted_at <= until)
            .order_by(o.posted_at.desc(), o.id.desc())
            .limit(1)
        )
    ).all()
    if not rows:
        return None
    last = rows[0]
    answers, people = (
        await db.execute(
            select(func.coalesce(func.sum(prompt_answers.c.answers), 0), func.count()).where(
                prompt_answers.c.community_id == cid, prompt_answers.c.occurrence_id == last.id
            )
        )
    ).all()[0]
    message = (
        MessageRef(platform, last.channel_id, last.message_id, last.thread_id, last.url)
        if last.channel_id and last.message_id
        else None
    )
    return PromptTurnout(last.text, last.posted_at, message, int(answers), int(people))
