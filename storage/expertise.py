"""Who knows what, kept as facts change: each member's signals per topic (the `expertise`
table), derived afresh for the members a unit of work touched, before it commits.

Triggers on the tables expertise is derived from (migration 0020) mark the members a
change touches in `expertise_stale`, whoever writes (a command, a runner, an erasure), so
no writer has to remember to. `refresh` then replaces those members' rows with what the
tables say now. On PostgreSQL the stale row is also the lock that keeps two transactions
touching one member from each deriving it without the other's change: the second one's
mark waits until the first commits, and its derivation starts after that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, literal_column, select, union_all

from storage.database import Db
from storage.schema import (
    EXPERTISE_SIGNALS,
    expertise,
    expertise_stale,
    match_feedback,
    matches,
    member_tags,
    members,
    mentor_topics,
    resource_tags,
    resources,
    thanks,
)

CHUNK = 500  # members derived per statement
_NONE: Any = literal_column("0")
_ONE: Any = literal_column("1")


def _row(member: Any, topic: Any, **given: Any) -> list[Any]:
    """One sign, as a row of every signal column (0 for those it isn't)."""
    return [
        member.label("m"),
        topic.label("topic"),
        *(given.get(s, _NONE).label(s) for s in EXPERTISE_SIGNALS),
    ]


def signals(cid: int, member_ids: Sequence[int]) -> Any:
    """Every sign of knowing a topic of `member_ids` (not erased), added up per member and
    topic, with whether they are listed: the rows of `expertise` they should have."""
    rated = match_feedback.c.rating.is_not(None)
    signs = union_all(
        select(*_row(member_tags.c.member_id, member_tags.c.tag, teaches=_ONE)).where(
            member_tags.c.community_id == cid,
            member_tags.c.member_id.in_(member_ids),
            member_tags.c.kind == "skill",
        ),
        select(*_row(mentor_topics.c.member_id, mentor_topics.c.topic, mentors=_ONE)).where(
            mentor_topics.c.community_id == cid, mentor_topics.c.member_id.in_(member_ids)
        ),
        select(
            *_row(
                matches.c.mentor_id,
                matches.c.topic,
                matched=_ONE,
                rated=case((rated, 1), else_=0),
                rating=func.coalesce(match_feedback.c.rating, 0),
            )
        )
        .select_from(
            matches.outerjoin(
                match_feedback,
                and_(
                    match_feedback.c.match_id == matches.c.id,
                    match_feedback.c.member_id == matches.c.mentee_id,
                ),
            )
        )
        .where(matches.c.community_id == cid, matches.c.mentor_id.in_(member_ids)),
        select(
            *_row(resources.c.saved_by, resource_tags.c.tag, saved=_ONE, votes=resources.c.votes)
        )
        .select_from(
            resources.join(
                resource_tags,
                and_(
                    resource_tags.c.community_id == resources.c.community_id,
                    # `+ 0`: no lookup of resources by id, so SQLite (which has no
                    # statistics) starts from the member's resources, not from every tag
                    # in the community (54 ms at 100,000 resources; 0.1 ms so).
                    resource_tags.c.resource_id == resources.c.id + 0,
                ),
            )
        )
        .where(resources.c.community_id == cid, resources.c.saved_by.in_(member_ids)),
        select(*_row(thanks.c.to_id, thanks.c.topic, thanked=_ONE)).where(
            thanks.c.community_id == cid,
            thanks.c.to_id.in_(member_ids),
            thanks.c.topic.is_not(None),
        ),
    ).subquery("signs")
    return (
        select(
            literal(cid).label("community_id"),
            signs.c.topic,
            signs.c.m.label("member_id"),
            func.max(signs.c.teaches).label("teaches"),
            func.max(signs.c.mentors).label("mentors"),
            *(func.sum(signs.c[s]).label(s) for s in EXPERTISE_SIGNALS[2:]),
            func.coalesce(members.c.listed, False).label("listed"),
        )
        .select_from(
            signs.join(members, and_(members.c.community_id == cid, members.c.id == signs.c.m))
        )
        .where(members.c.erased_at.is_(None))
        .group_by(signs.c.m, signs.c.topic, members.c.listed)
    )


async def refresh(db: Db, cid: int) -> None:
    """The rows of every member marked stale in this unit of work, derived afresh."""
    marked = select(expertise_stale.c.member_id).where(expertise_stale.c.community_id == cid)
    stale = (await db.execute(marked)).scalars()
    if not stale:
        return
    # Their old rows in one statement: one pass over the table when many are stale (a
    # bulk load), an index lookup each when a few are.
    await db.execute(
        delete(expertise).where(expertise.c.community_id == cid, expertise.c.member_id.in_(marked))
    )
    columns = ["community_id", "topic", "member_id", *EXPERTISE_SIGNALS, "listed"]
    for start in range(0, len(stale), CHUNK):
        chunk = stale[start : start + CHUNK]
        await db.execute(insert(expertise).from_select(columns, signals(cid, chunk)))
        await db.execute(
            delete(expertise_stale).where(
                expertise_stale.c.community_id == cid, expertise_stale.c.member_id.in_(chunk)
            )
        )
