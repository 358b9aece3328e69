"""The newcomers capability's storage: whom copbot welcomed, and each step's sign read from
the profiles', prompts', mentoring's and intros' tables, always within one community.

A step is done when its record exists (`bot.newcomers.model.Steps`): each sign is an
EXISTS on an index that leads with community and member (prompt answers' is migration
0019's), for one member's steps as for each newcomer the health count reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select

from bot.newcomers.model import Progress, Steps
from storage.database import Db
from storage.schema import (
    insert_new,
    intro_participants,
    intro_programmes,
    member_tags,
    members,
    mentor_requests,
    mentors,
    newcomers,
    prompt_answers,
)

BEFORE = "before"  # known before copbot welcomed anyone (migration 0019): not newcomers


class SqlNewcomersRepository:
    def __init__(self, db: Db, community_id: int) -> None:
        self._db = db
        self._community_id = community_id

    async def welcomed_at(self, member_id: int) -> datetime | None:
        found: datetime | None = await self._db.scalar(
            select(newcomers.c.welcomed_at).where(
                newcomers.c.community_id == self._community_id,
                newcomers.c.member_id == member_id,
            )
        )
        return found

    async def welcome(self, member_id: int, how: str, now: datetime) -> bool:
        added = await self._db.execute(
            insert_new(self._db.dialect, newcomers, ["community_id", "member_id"]).values(
                community_id=self._community_id, member_id=member_id, how=how, welcomed_at=now
            )
        )
        return added.rowcount == 1

    async def steps(self, member_id: int) -> Steps:
        done = steps_done(self._community_id, literal(member_id))
        found = (await self._db.execute(select(*done))).all()[0]
        return Steps(*(bool(step) for step in found))

    async def progress(self, since: datetime) -> Progress:
        finished = and_(*steps_done(self._community_id, newcomers.c.member_id))
        counted = select(func.count(), func.coalesce(func.sum(case((finished, 1), else_=0)), 0))
        found = (
            await self._db.execute(
                counted.where(
                    newcomers.c.community_id == self._community_id,
                    newcomers.c.welcomed_at >= since,
                    newcomers.c.how != BEFORE,
                )
            )
        ).all()[0]
        return Progress(welcomed=int(found[0]), finished=int(found[1]))

    async def programme_channel(self, channel_id: str) -> bool:
        found = await self._db.scalar(
            select(
                exists().where(
                    intro_programmes.c.community_id == self._community_id,
                    intro_programmes.c.channel_id == channel_id,
                )
            )
        )
        return bool(found)


def steps_done(community_id: int, member: Any) -> list[ColumnElement[bool]]:
    """Whether `member` (a value, or a column of an outer query) did each step: a profile
    (skills, interests or a bio); a prompt answer; a mentor request, a mentor offer or a
    place in an intros programme. Each sign is an EXISTS on an index that leads with
    community and member."""
    tags = select(member_tags.c.member_id).where(
        member_tags.c.community_id == community_id,
        member_tags.c.member_id == member,
        member_tags.c.kind.in_(("skill", "interest")),
    )
    bio = select(members.c.id).where(
        members.c.community_id == community_id, members.c.id == member, members.c.bio != ""
    )
    answered = select(prompt_answers.c.member_id).where(
        prompt_answers.c.community_id == community_id,
        prompt_answers.c.member_id == member,
        prompt_answers.c.answers > 0,
    )
    requested = select(mentor_requests.c.id).where(
        mentor_requests.c.community_id == community_id, mentor_requests.c.mentee_id == member
    )
    offers = select(mentors.c.member_id).where(
        mentors.c.community_id == community_id, mentors.c.member_id == member
    )
    intros = select(intro_participants.c.member_id).where(
        intro_participants.c.community_id == community_id,
        intro_participants.c.member_id == member,
        intro_participants.c.left_at.is_(None),
    )
    return [
        or_(tags.exists(), bio.exists()),
        answered.exists(),
        or_(requested.exists(), offers.exists(), intros.exists()),
    ]
