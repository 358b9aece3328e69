"""The community capability's storage: thanks, and the reads of who knows what across the
members', mentoring's and the library's tables, always within one community.

`/who knows` is one statement per page: the topic's listed members' precomputed signals
(`expertise`, kept by storage/expertise.py as facts change), in the order of their score
(bot.community.expertise's, stored with each row) off an index.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, union, union_all, update

from bot.community.model import (
    Gap,
    Knower,
    MentoringOutcomes,
    MentorRoom,
    NewThanks,
    Participation,
    Signals,
    Trends,
    Week,
)
from bot.kernel.messages import MessageRef
from storage import community_trends, community_week
from storage.database import Db
from storage.schema import (
    EXPERTISE_SIGNALS,
    expertise,
    matches,
    member_tags,
    members,
    mentor_topics,
    mentors,
    resource_tags,
    thanks,
)


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
        cid, e = self._community_id, expertise
        of_topic = (e.c.community_id == cid, e.c.topic == topic, e.c.listed.is_(True))
        total = select(func.count()).where(*of_topic).scalar_subquery()
        # The page in order off the topic's index (ix_expertise_ranked), and how many there
        # are from that index alone; what a card shows is read for the page's few members.
        page = (
            select(
                e.c.member_id.label("m"),
                *(e.c[s] for s in EXPERTISE_SIGNALS),
                e.c.score,
                total.label("total"),
            )
            .where(*of_topic)
            .order_by(e.c.score.desc(), e.c.member_id)
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

    async def trends(self, weeks: tuple[datetime, ...], busy: tuple[int, int], tags: int) -> Trends:
        return await community_trends.trends(self._db, self._community_id, weeks, busy, tags)

    async def week(self, since: datetime, until: datetime, shown: int) -> Week:
        return await community_week.week(
            self._db, self._community_id, self._platform, since, until, shown
        )


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
