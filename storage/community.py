"""The community capability's storage: thanks, and the reads of who knows what across the
members', mentoring's and the library's tables, always within one community.

`/who knows` is one statement per page: the signs of knowing a topic are found by the
topic's indexes (member_tags, mentor_topics, matches, resource_tags, thanks: each leads
with community and topic), added up per member, joined to the listed members only and
ranked by bot.community.expertise's score, written in SQL from the same weights.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, literal_column, select, union, union_all, update

from bot.community import expertise
from bot.community.model import (
    Gap,
    Knower,
    MentoringOutcomes,
    MentorRoom,
    NewThanks,
    Participation,
    Signals,
    Week,
)
from bot.kernel.messages import MessageRef
from storage import community_week
from storage.database import Db
from storage.schema import (
    match_feedback,
    matches,
    member_tags,
    members,
    mentor_topics,
    mentors,
    resource_tags,
    resources,
    thanks,
)

_SIGNALS = ("teaches", "mentors", "matched", "rated", "rating", "saved", "votes", "thanked")
_NONE: Any = literal_column("0")
_ONE: Any = literal_column("1")


def _row(member: Any, **given: Any) -> list[Any]:
    """One sign, as a row of every signal column (0 for those it isn't)."""
    return [member.label("m"), *(given.get(s, _NONE).label(s) for s in _SIGNALS)]


class SqlCommunityRepository:
    def __init__(self, db: Db, community_id: int, platform: str) -> None:
        self._db = db
        self._community_id = community_id
        self._platform = platform

    async def thank(self, new: NewThanks, now: datetime) -> int:
        thanks_id = await self._db.scalar(
            insert(thanks)
            .values(
                community_id=self._community_id,
                from_id=new.from_id,
                to_id=new.to_id,
                topic=new.topic,
                reason=new.reason,
                channel_id=new.channel_id,
                message_channel_id=new.message.channel_id if new.message else None,
                message_id=new.message.message_id if new.message else None,
                created_at=now,
                day=now.date(),
            )
            .returning(thanks.c.id)
        )
        assert thanks_id is not None
        return int(thanks_id)

    async def last_thanked(self, from_id: int, to_id: int) -> datetime | None:
        last: datetime | None = await self._db.scalar(
            select(func.max(thanks.c.created_at)).where(
                thanks.c.community_id == self._community_id,
                thanks.c.from_id == from_id,
                thanks.c.to_id == to_id,
            )
        )
        return last

    async def between_members(self, thanks_id: int) -> bool:
        found = await self._db.scalar(
            select(func.count()).where(
                thanks.c.community_id == self._community_id,
                thanks.c.id == thanks_id,
                thanks.c.from_id.is_not(None),
                thanks.c.to_id.is_not(None),
            )
        )
        return bool(found)

    async def noted(self, thanks_id: int, note: MessageRef) -> None:
        await self._db.execute(
            update(thanks)
            .where(thanks.c.community_id == self._community_id, thanks.c.id == thanks_id)
            .values(note_channel_id=note.channel_id, note_id=note.message_id)
        )

    async def thanks_received(self, member_id: int) -> int:
        count: int = await self._db.scalar(
            select(func.count()).where(
                thanks.c.community_id == self._community_id, thanks.c.to_id == member_id
            )
        )
        return count

    async def knowers(self, topic: str, limit: int, offset: int) -> tuple[list[Knower], int]:
        found = (await self._db.execute(self._knowers(topic, limit, offset))).all()
        return [_knower(row) for row in found], (found[0].total if found else 0)

    def _knowers(self, topic: str, limit: int, offset: int) -> Any:
        cid = self._community_id
        rated = match_feedback.c.rating.is_not(None)
        signs = union_all(
            select(*_row(member_tags.c.member_id, teaches=_ONE)).where(
                member_tags.c.community_id == cid,
                member_tags.c.kind == "skill",
                member_tags.c.tag == topic,
            ),
            select(*_row(mentor_topics.c.member_id, mentors=_ONE)).where(
                mentor_topics.c.community_id == cid, mentor_topics.c.topic == topic
            ),
            select(
                *_row(
                    matches.c.mentor_id,
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
            .where(matches.c.community_id == cid, matches.c.topic == topic),
            select(*_row(resources.c.saved_by, saved=_ONE, votes=resources.c.votes))
            .select_from(
                resource_tags.join(
                    resources,
                    and_(
                        resources.c.community_id == resource_tags.c.community_id,
                        resources.c.id == resource_tags.c.resource_id,
                    ),
                )
            )
            .where(
                resource_tags.c.community_id == cid,
                resource_tags.c.tag == topic,
                resources.c.saved_by.is_not(None),
            ),
            select(*_row(thanks.c.to_id, thanked=_ONE)).where(
                thanks.c.community_id == cid, thanks.c.topic == topic, thanks.c.to_id.is_not(None)
            ),
        ).subquery("signs")
        totals = (
            select(
                signs.c.m,
                func.max(signs.c.teaches).label("teaches"),
                func.max(signs.c.mentors).label("mentors"),
                *(func.sum(signs.c[s]).label(s) for s in _SIGNALS[2:]),
            )
            .group_by(signs.c.m)
            .subquery("totals")
        )
        listed = and_(
            members.c.community_id == cid,
            members.c.id == totals.c.m,
            members.c.listed.is_(True),
            members.c.erased_at.is_(None),
        )
        score = _score(totals).label("score")
        # The page first, over the totals and the listed flag only; what a card shows is
        # read for the page's few members.
        page = (
            select(totals, score, func.count().over().label("total"))
            .select_from(totals.join(members, listed))
            .order_by(score.desc(), totals.c.m)
            .limit(limit)
            .offset(offset)
            .subquery("page")
        )
        active = (
            select(func.count())
            .where(
                matches.c.community_id == cid,
                matches.c.mentor_id == page.c.m,
                matches.c.ended_at.is_(None),
            )
            .scalar_subquery()
        )
        return (
            select(
                page,
                members.c.user_id,
                members.c.display_name,
                members.c.timezone,
                mentors.c.capacity,
                mentors.c.paused,
                mentors.c.paused_until,
                active.label("active"),
            )
            .select_from(
                page.join(
                    members, and_(members.c.community_id == cid, members.c.id == page.c.m)
                ).outerjoin(
                    mentors, and_(mentors.c.community_id == cid, mentors.c.member_id == page.c.m)
                )
            )
            .order_by(page.c.score.desc(), page.c.m)
        )

    async def topics(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        cid = self._community_id
        used = union_all(
            select(member_tags.c.tag.label("topic")).where(
                member_tags.c.community_id == cid,
                member_tags.c.kind == "skill",
                member_tags.c.tag.startswith(prefix, autoescape=True),
            ),
            select(mentor_topics.c.topic).where(
                mentor_topics.c.community_id == cid,
                mentor_topics.c.topic.startswith(prefix, autoescape=True),
            ),
            select(resource_tags.c.tag).where(
                resource_tags.c.community_id == cid,
                resource_tags.c.tag.startswith(prefix, autoescape=True),
            ),
            select(thanks.c.topic).where(
                thanks.c.community_id == cid,
                thanks.c.topic.startswith(prefix, autoescape=True),
            ),
        ).subquery("used")
        uses = func.count().label("uses")
        found = await self._db.execute(
            select(used.c.topic, uses)
            .group_by(used.c.topic)
            .order_by(uses.desc(), used.c.topic)
            .limit(limit)
        )
        return [(topic, n) for topic, n in found.all()]

    async def directory(self, limit: int, offset: int) -> tuple[list[tuple[str, int]], int]:
        cid = self._community_id
        known = union(  # a member who teaches and mentors a topic counts once for it
            select(member_tags.c.member_id.label("m"), member_tags.c.tag.label("topic")).where(
                member_tags.c.community_id == cid, member_tags.c.kind == "skill"
            ),
            select(mentor_topics.c.member_id, mentor_topics.c.topic).where(
                mentor_topics.c.community_id == cid
            ),
        ).subquery("known")
        knowers = func.count().label("knowers")
        found = await self._db.execute(
            select(known.c.topic, knowers, func.count().over().label("total"))
            .select_from(
                known.join(members, and_(members.c.community_id == cid, members.c.id == known.c.m))
            )
            .where(members.c.listed.is_(True), members.c.erased_at.is_(None))
            .group_by(known.c.topic)
            .order_by(knowers.desc(), known.c.topic)
            .limit(limit)
            .offset(offset)
        )
        rows = found.all()
        return [(topic, n) for topic, n, _ in rows], (rows[0].total if rows else 0)

    async def participation(
        self, since: datetime, new_since: datetime, active: int, core: int
    ) -> Participation:
        return await community_week.participation(
            self._db, self._community_id, since, new_since, active, core
        )

    async def gaps(self, since: date, limit: int) -> list[Gap]:
        return await community_week.gaps(self._db, self._community_id, since, limit)

    async def mentoring_outcomes(self, since: datetime) -> MentoringOutcomes:
        return await community_week.mentoring_outcomes(self._db, self._community_id, since)

    async def week(self, since: datetime, until: datetime, shown: int) -> Week:
        return await community_week.week(
            self._db, self._community_id, self._platform, since, until, shown
        )


def _score(totals: Any) -> Any:
    """`bot.community.expertise.score` in SQL, from its own weights, so that a page is
    ranked where the rows are (tests/storage/test_community.py checks they agree)."""
    t = totals.c
    mean = case((t.rated > 0, t.rating * 1.0 / t.rated), else_=expertise.NEUTRAL_RATING)
    return (
        expertise.TEACHES * t.teaches
        + expertise.MENTORS * t.mentors
        + expertise.MATCH * t.matched * mean / expertise.NEUTRAL_RATING
        + expertise.SAVED * _at_most(t.saved, expertise.MAX_SAVED)
        + expertise.VOTE * _at_most(t.votes, expertise.MAX_VOTES)
        + expertise.THANKED * t.thanked
    )


def _at_most(value: Any, most: int) -> Any:
    return case((value > most, most), else_=value)


def _knower(row: Any) -> Knower:
    signals = Signals(
        teaches=bool(row.teaches),
        mentors=bool(row.mentors),
        matches=int(row.matched),
        ratings=int(row.rated),
        rating_total=int(row.rating),
        saved=int(row.saved),
        votes=int(row.votes),
        thanked=int(row.thanked),
    )
    room = (
        None
        if row.capacity is None
        else MentorRoom(row.capacity, int(row.active), bool(row.paused), row.paused_until)
    )
    return Knower(row.m, row.user_id, row.display_name, row.timezone, signals, room)
