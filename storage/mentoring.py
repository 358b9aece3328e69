"""Mentoring, always within one community: the request row's status and mentor are the
state machine, and conditional updates on them are the guard against racing answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, case, delete, func, insert, or_, select, update

from bot.common.cadence import Cadence
from bot.common.offload import off_loop
from bot.kernel.messages import MessageRef
from bot.mentoring.model import (
    OPEN,
    Feedback,
    Match,
    MatchingRound,
    Mentor,
    MentorRequest,
    Moved,
    OpenRequest,
    RequestStatus,
    RoundEdits,
    RoundPair,
    RoundSchedule,
)
from storage.database import Db
from storage.schema import (
    insert_new,
    match_feedback,
    matches,
    matching_rounds,
    mentor_avoid,
    mentor_passes,
    mentor_requests,
    mentor_topics,
    mentors,
    round_schedules,
)

SILENT = "silent"  # mentors.paused_why: copbot paused them after asks timed out
_PAGE = 1000  # rows read at once where a read may be large
_ROUND_PAGE = 2000  # of a round's open requests: four columns each
_STATUSES = {s.value: s for s in RequestStatus}  # faster than RequestStatus(value) per row


class SqlMentoringRepository:
    def __init__(self, db: Db, community_id: int, platform: str) -> None:
        self._db = db
        self._community_id = community_id
        self._platform = platform

    # Mentors

    async def mentor(self, member_id: int) -> Mentor | None:
        found = await self._mentors(mentors.c.member_id == member_id, since=None)
        return found[0] if found else None

    async def save_mentor(
        self,
        member_id: int,
        capacity: int,
        topics: Sequence[str],
        paused: bool,
        paused_until: datetime | None,
        now: datetime,
    ) -> None:
        # Anything a mentor sets themself clears copbot's pause for silence.
        values = {
            "capacity": capacity,
            "paused": paused,
            "paused_until": paused_until,
            "paused_why": None,
        }
        changed = await self._db.execute(
            update(mentors)
            .where(mentors.c.community_id == self._community_id, mentors.c.member_id == member_id)
            .values(updated_at=now, **values)
        )
        if not changed.rowcount:
            await self._db.execute(
                insert(mentors).values(
                    community_id=self._community_id,
                    member_id=member_id,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        await self._db.execute(
            delete(mentor_topics).where(
                mentor_topics.c.community_id == self._community_id,
                mentor_topics.c.member_id == member_id,
            )
        )
        if topics:
            await self._db.execute(
                insert(mentor_topics),
                [
                    {
                        "community_id": self._community_id,
                        "member_id": member_id,
                        "topic": topic,
                        "position": n,
                    }
                    for n, topic in enumerate(topics)
                ],
            )

    async def count_missed(self, member_id: int, missed: bool) -> int:
        mine = and_(mentors.c.community_id == self._community_id, mentors.c.member_id == member_id)
        value = mentors.c.missed + 1 if missed else 0
        await self._db.execute(update(mentors).where(mine).values(missed=value))
        return int(await self._db.scalar(select(mentors.c.missed).where(mine)) or 0)

    async def pause_silent(self, member_id: int, now: datetime) -> None:
        await self._db.execute(
            update(mentors)
            .where(mentors.c.community_id == self._community_id, mentors.c.member_id == member_id)
            .values(paused=True, paused_until=None, paused_why=SILENT, missed=0, updated_at=now)
        )

    async def remove_mentor(self, member_id: int) -> None:
        for table in (mentor_topics, mentors):
            await self._db.execute(
                delete(table).where(
                    table.c.community_id == self._community_id, table.c.member_id == member_id
                )
            )

    async def hold_mentor(self, member_id: int) -> None:
        # SQLite needs nothing: one process, whose units of work already take turns.
        if self._db.dialect == "postgresql":
            await self._db.execute(
                select(mentors.c.member_id)
                .where(
                    mentors.c.community_id == self._community_id,
                    mentors.c.member_id == member_id,
                )
                .with_for_update(key_share=True)
            )

    async def mentors(self, topic: str | None, since: datetime) -> list[Mentor]:
        if topic is None:
            return await self._mentors(None, since)
        offering = select(mentor_topics.c.member_id).where(
            mentor_topics.c.community_id == self._community_id, mentor_topics.c.topic == topic
        )
        return await self._mentors(mentors.c.member_id.in_(offering), since)

    async def _mentors(self, condition: Any, since: datetime | None) -> list[Mentor]:
        """Mentors with their topics, active matches and (from `since`) recent ones."""
        where = [mentors.c.community_id == self._community_id]
        if condition is not None:
            where.append(condition)
        rows = (await self._db.execute(select(mentors).where(*where))).all()
        if not rows:
            return []
        ids = [row.member_id for row in rows]
        topics: dict[int, list[str]] = {}
        active: dict[int, int] = {}
        recent: dict[int, int] = {}
        asked: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for member_id, topic in (
                await self._db.execute(
                    select(mentor_topics.c.member_id, mentor_topics.c.topic)
                    .where(
                        mentor_topics.c.community_id == self._community_id,
                        mentor_topics.c.member_id.in_(chunk),
                    )
                    .order_by(mentor_topics.c.member_id, mentor_topics.c.position)
                )
            ).all():
                topics.setdefault(member_id, []).append(topic)
            mine = and_(
                matches.c.community_id == self._community_id, matches.c.mentor_id.in_(chunk)
            )
            for member_id, count in (
                await self._db.execute(
                    select(matches.c.mentor_id, func.count())
                    .where(mine, matches.c.ended_at.is_(None))
                    .group_by(matches.c.mentor_id)
                )
            ).all():
                active[member_id] = count
            for member_id, count in (
                await self._db.execute(
                    select(mentor_requests.c.mentor_id, func.count())
                    .where(
                        self._my_requests(),
                        mentor_requests.c.mentor_id.in_(chunk),
                        mentor_requests.c.status == RequestStatus.ASKING.value,
                    )
                    .group_by(mentor_requests.c.mentor_id)
                )
            ).all():
                asked[member_id] = count
            if since is not None:
                for member_id, count in (
                    await self._db.execute(
                        select(matches.c.mentor_id, func.count())
                        .where(mine, matches.c.started_at >= since)
                        .group_by(matches.c.mentor_id)
                    )
                ).all():
                    recent[member_id] = count
        return await off_loop(  # a round's two thousand: 30-55 ms of the loop otherwise
            lambda: [
                Mentor(
                    member_id=row.member_id,
                    capacity=row.capacity,
                    topics=tuple(topics.get(row.member_id, ())),
                    paused=row.paused,
                    paused_until=row.paused_until,
                    active=active.get(row.member_id, 0),
                    recent=recent.get(row.member_id, 0),
                    asked=asked.get(row.member_id, 0),
                    missed=row.missed,
                    paused_silent=row.paused_why == SILENT,
                )
                for row in rows
            ],
            len(rows),
        )

    async def topics_offered(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        mentors_offering = func.count()
        query = (
            select(mentor_topics.c.topic, mentors_offering)
            .where(
                mentor_topics.c.community_id == self._community_id,
                mentor_topics.c.topic.startswith(prefix, autoescape=True),
            )
            .group_by(mentor_topics.c.topic)
            .order_by(mentors_offering.desc(), mentor_topics.c.topic)
            .limit(limit)
        )
        return [(topic, count) for topic, count in (await self._db.execute(query)).all()]

    async def topics_on_offer(self, now: datetime, limit: int) -> list[tuple[str, int, int]]:
        mentor = mentors.c
        active = (
            select(matches.c.mentor_id, func.count().label("n"))
            .where(matches.c.community_id == self._community_id, matches.c.ended_at.is_(None))
            .group_by(matches.c.mentor_id)
            .subquery()
        )
        available = or_(
            mentor.paused.is_(False),
            and_(mentor.paused_until.is_not(None), mentor.paused_until <= now),
        )
        with_room = and_(available, mentor.capacity > func.coalesce(active.c.n, 0))
        offering = func.count()
        query = (
            select(
                mentor_topics.c.topic,
                offering,
                func.coalesce(func.sum(case((with_room, 1), else_=0)), 0),
            )
            .join(
                mentors,
                and_(
                    mentor.community_id == mentor_topics.c.community_id,
                    mentor.member_id == mentor_topics.c.member_id,
                ),
            )
            .outerjoin(active, active.c.mentor_id == mentor_topics.c.member_id)
            .where(mentor_topics.c.community_id == self._community_id)
            .group_by(mentor_topics.c.topic)
            .order_by(offering.desc(), mentor_topics.c.topic)
            .limit(limit)
        )
        return [(t, n, free) for t, n, free in (await self._db.execute(query)).all()]

    # Don't-match lists

    async def avoid(self, member_id: int, other_id: int, keep: bool) -> None:
        if keep:
            await self._db.execute(
                insert_new(
                    self._db.dialect, mentor_avoid, ["community_id", "member_id", "other_id"]
                ).values(community_id=self._community_id, member_id=member_id, other_id=other_id)
            )
        else:
            await self._db.execute(
                delete(mentor_avoid).where(
                    mentor_avoid.c.community_id == self._community_id,
                    mentor_avoid.c.member_id == member_id,
                    mentor_avoid.c.other_id == other_id,
                )
            )

    async def avoided_by(self, member_id: int) -> list[int]:
        rows = await self._db.execute(
            select(mentor_avoid.c.other_id).where(
                mentor_avoid.c.community_id == self._community_id,
                mentor_avoid.c.member_id == member_id,
            )
        )
        return [other for (other,) in rows.all()]

    async def exclusions(
        self, since: datetime, request_id: int | None = None
    ) -> dict[int, set[int]]:
        # Four joined queries, whatever the number of requests: a round over every open
        # request used to cost three queries per request.
        asked = select(mentor_requests.c.id, mentor_requests.c.mentee_id, mentor_requests.c.topic)
        if request_id is None:
            asked = asked.where(mentor_requests.c.status.in_([s.value for s in OPEN]))
        else:
            asked = asked.where(mentor_requests.c.id == request_id)
        wanted = asked.where(self._my_requests()).subquery()
        mine = self._community_id
        avoid = mentor_avoid.c
        queries = [
            select(wanted.c.id, avoid.other_id).join(
                mentor_avoid,
                and_(avoid.community_id == mine, avoid.member_id == wanted.c.mentee_id),
            ),
            select(wanted.c.id, avoid.member_id).join(
                mentor_avoid,
                and_(avoid.community_id == mine, avoid.other_id == wanted.c.mentee_id),
            ),
            select(wanted.c.id, mentor_passes.c.mentor_id).join(
                mentor_passes,
                and_(
                    mentor_passes.c.community_id == mine,
                    mentor_passes.c.mentee_id == wanted.c.mentee_id,
                    mentor_passes.c.topic == wanted.c.topic,
                ),
            ),
            select(wanted.c.id, matches.c.mentor_id).join(
                matches,
                and_(
                    matches.c.community_id == mine,
                    matches.c.mentee_id == wanted.c.mentee_id,
                    or_(matches.c.ended_at.is_(None), matches.c.ended_at >= since),
                ),
            ),
        ]
        excluded: dict[int, set[int]] = {}
        for query in queries:
            for request, mentor in (await self._db.execute(query)).all():
                excluded.setdefault(request, set()).add(mentor)
        return excluded

    # Scheduled rounds

    async def round_schedule(self) -> RoundSchedule | None:
        rows = await self._db.execute(
            select(round_schedules).where(round_schedules.c.community_id == self._community_id)
        )
        row = rows.rows[0] if rows.rows else None
        if row is None:
            return None
        return RoundSchedule(Cadence(row.weekday, row.hour, row.minute, row.timezone), row.last_due)

    async def set_round_schedule(self, schedule: RoundSchedule | None) -> None:
        mine = round_schedules.c.community_id == self._community_id
        await self._db.execute(delete(round_schedules).where(mine))
        if schedule is not None:
            await self._db.execute(
                insert(round_schedules).values(
                    community_id=self._community_id,
                    weekday=schedule.cadence.weekday,
                    hour=schedule.cadence.hour,
                    minute=schedule.cadence.minute,
                    timezone=schedule.cadence.timezone,
                    last_due=schedule.last_due,
                )
            )

    async def claim_round(self, due: datetime) -> bool:
        claimed = await self._db.execute(
            update(round_schedules)
            .where(
                round_schedules.c.community_id == self._community_id,
                round_schedules.c.last_due < due,
            )
            .values(last_due=due)
        )
        return bool(claimed.rowcount)

    # Requests

    async def add_request(
        self,
        mentee_id: int,
        topic: str,
        note: str,
        channel_id: str,
        now: datetime,
        goal: str = "",
    ) -> MentorRequest:
        request_id = await self._db.scalar(
            insert(mentor_requests)
            .values(
                community_id=self._community_id,
                mentee_id=mentee_id,
                topic=topic,
                note=note,
                goal=goal or None,
                channel_id=channel_id,
                status=RequestStatus.WAITING.value,
                notified=False,
                left_out=0,
                created_at=now,
                updated_at=now,
            )
            .returning(mentor_requests.c.id)
        )
        found = await self.request(request_id)
        assert found is not None
        return found

    async def request(self, request_id: int) -> MentorRequest | None:
        rows = await self._db.execute(
            select(mentor_requests).where(self._my_requests(), mentor_requests.c.id == request_id)
        )
        return _request(rows.rows[0]) if rows.rows else None

    async def requests(
        self,
        statuses: Sequence[RequestStatus],
        *,
        mentee_id: int | None = None,
        mentor_id: int | None = None,
        topics: Sequence[str] | None = None,
    ) -> list[MentorRequest]:
        where = [self._my_requests(), mentor_requests.c.status.in_([s.value for s in statuses])]
        if mentee_id is not None:
            where.append(mentor_requests.c.mentee_id == mentee_id)
        if mentor_id is not None:
            where.append(mentor_requests.c.mentor_id == mentor_id)
        if topics is not None:
            where.append(mentor_requests.c.topic.in_(list(topics)))
        query = select(mentor_requests).where(*where)
        if mentee_id is not None or mentor_id is not None:
            # A few, read by the member's index and put in order here: asked for in order,
            # SQLite walks every request by id instead.
            rows = (await self._db.execute(query)).all()
            return sorted((_request(row) for row in rows), key=lambda r: r.id)
        query = query.order_by(mentor_requests.c.id)
        # In pages: a round reads every open request, and turning ten thousand rows into
        # requests at once would hold the event loop for a tenth of a second.
        found: list[MentorRequest] = []
        while True:
            after = found[-1].id if found else 0
            page = (
                await self._db.execute(query.where(mentor_requests.c.id > after).limit(_PAGE))
            ).all()
            found.extend(_request(row) for row in page)
            if len(page) < _PAGE:
                return found

    async def open_requests(self) -> list[OpenRequest]:
        r = mentor_requests.c
        query = (
            select(r.id, r.mentee_id, r.topic, r.left_out)
            .where(self._my_requests(), r.status.in_([s.value for s in OPEN]))
            .order_by(r.id)
        )
        found: list[OpenRequest] = []
        while True:  # in pages, each one hop: no read holds the loop for long
            after = found[-1].id if found else 0
            page = (await self._db.execute(query.where(r.id > after).limit(_ROUND_PAGE))).all()
            found.extend(OpenRequest(*row) for row in page)
            if len(page) < _ROUND_PAGE:
                return found

    async def ask(self, asks: Sequence[tuple[int, int]], now: datetime, deadline: datetime) -> None:
        if not asks:
            return
        await self._db.execute(  # one statement for all: a round asks thousands at once
            update(mentor_requests)
            .where(self._my_requests(), mentor_requests.c.id == bindparam("request"))
            .values(
                status=RequestStatus.ASKING.value,
                mentor_id=bindparam("mentor"),
                asked_at=now,
                deadline=deadline,
                notified=False,
                updated_at=now,
            ),
            [{"request": request, "mentor": mentor} for request, mentor in asks],
        )

    async def wait(self, request_id: int, now: datetime) -> None:
        await self._set_request(
            request_id,
            status=RequestStatus.WAITING.value,
            mentor_id=None,
            asked_at=None,
            deadline=None,
            updated_at=now,
        )

    async def moved(self, moves: Sequence[tuple[int, int]], why: Moved, now: datetime) -> None:
        if not moves:
            return
        await self._db.execute(
            update(mentor_requests)
            .where(self._my_requests(), mentor_requests.c.id == bindparam("request"))
            .values(moved_from=bindparam("mentor"), moved_why=why.value, updated_at=now),
            [{"request": request, "mentor": mentor} for request, mentor in moves],
        )

    async def mark_notified(self, request_id: int, mentor_id: int) -> None:
        await self._db.execute(
            update(mentor_requests)
            .where(
                self._my_requests(),
                mentor_requests.c.id == request_id,
                mentor_requests.c.mentor_id == mentor_id,
            )
            .values(notified=True)
        )

    async def answer(
        self, request_id: int, mentor_id: int, status: RequestStatus, now: datetime
    ) -> bool:
        changed = await self._db.execute(
            update(mentor_requests)
            .where(
                self._my_requests(),
                mentor_requests.c.id == request_id,
                mentor_requests.c.status == RequestStatus.ASKING.value,
                mentor_requests.c.mentor_id == mentor_id,
            )
            .values(status=status.value, deadline=None, updated_at=now)
        )
        return bool(changed.rowcount)

    async def cancel(self, request_id: int, now: datetime) -> bool:
        changed = await self._db.execute(
            update(mentor_requests)
            .where(
                self._my_requests(),
                mentor_requests.c.id == request_id,
                mentor_requests.c.status.in_([s.value for s in OPEN]),
            )
            .values(deadline=None, updated_at=now, **_closed(Moved.WITHDRAWN))
        )
        return bool(changed.rowcount)

    async def cancel_open(self, mentee_id: int, now: datetime) -> list[MentorRequest]:
        cancelled = await self.requests(OPEN, mentee_id=mentee_id)
        if cancelled:
            await self._db.execute(
                update(mentor_requests)
                .where(mentor_requests.c.id.in_([r.id for r in cancelled]))
                .values(deadline=None, updated_at=now, **_closed(Moved.ELSEWHERE))
            )
        return cancelled

    async def expired(self, now: datetime) -> list[MentorRequest]:
        rows = await self._db.execute(
            select(mentor_requests)
            .where(
                self._my_requests(),
                mentor_requests.c.status == RequestStatus.ASKING.value,
                mentor_requests.c.deadline <= now,
            )
            .order_by(mentor_requests.c.deadline)
        )
        return [_request(row) for row in rows.all()]

    async def count_left_out(self, request_ids: Sequence[int], left_out: bool) -> None:
        ids = list(request_ids)
        for start in range(0, len(ids), 500):
            chosen = and_(self._my_requests(), mentor_requests.c.id.in_(ids[start : start + 500]))
            value = mentor_requests.c.left_out + 1 if left_out else 0
            await self._db.execute(update(mentor_requests).where(chosen).values(left_out=value))

    async def add_pass(
        self, mentee_id: int, mentor_id: int, topic: str, reason: str, now: datetime
    ) -> None:
        await self._db.execute(
            insert_new(
                self._db.dialect,
                mentor_passes,
                ["community_id", "mentee_id", "topic", "mentor_id"],
            ).values(
                community_id=self._community_id,
                mentee_id=mentee_id,
                topic=topic,
                mentor_id=mentor_id,
                reason=reason,
                created_at=now,
            )
        )

    # Matches

    async def add_match(self, request: MentorRequest, mentor_id: int, now: datetime) -> Match:
        match_id = await self._db.scalar(
            insert(matches)
            .values(
                community_id=self._community_id,
                request_id=request.id,
                mentor_id=mentor_id,
                mentee_id=request.mentee_id,
                topic=request.topic,
                started_at=now,
            )
            .returning(matches.c.id)
        )
        found = await self.match(match_id)
        assert found is not None
        return found

    async def match(self, match_id: int) -> Match | None:
        rows = await self._db.execute(
            select(matches).where(
                matches.c.community_id == self._community_id, matches.c.id == match_id
            )
        )
        return _match(rows.rows[0]) if rows.rows else None

    async def matches(self, member_id: int, *, active: bool) -> list[Match]:
        where = [
            matches.c.community_id == self._community_id,
            or_(matches.c.mentor_id == member_id, matches.c.mentee_id == member_id),
        ]
        if active:
            where.append(matches.c.ended_at.is_(None))
        rows = await self._db.execute(select(matches).where(*where).order_by(matches.c.id.desc()))
        return [_match(row) for row in rows.all()]

    async def end_match(self, match_id: int, now: datetime) -> bool:
        changed = await self._db.execute(
            update(matches)
            .where(
                matches.c.community_id == self._community_id,
                matches.c.id == match_id,
                matches.c.ended_at.is_(None),
            )
            .values(ended_at=now)
        )
        return bool(changed.rowcount)

    async def touch_match(self, match_id: int, now: datetime) -> None:
        await self._db.execute(
            update(matches)
            .where(matches.c.community_id == self._community_id, matches.c.id == match_id)
            .values(touched_at=now)
        )

    async def untouched(self, started_before: datetime) -> list[Match]:
        rows = await self._db.execute(
            select(matches)
            .where(
                matches.c.community_id == self._community_id,
                matches.c.ended_at.is_(None),
                matches.c.touched_at.is_(None),
                matches.c.started_at <= started_before,
            )
            .order_by(matches.c.id)
        )
        return [_match(row) for row in rows.all()]

    async def set_space(self, match_id: int, space: MessageRef) -> None:
        await self._db.execute(
            update(matches)
            .where(matches.c.community_id == self._community_id, matches.c.id == match_id)
            .values(channel_id=space.channel_id, thread_id=space.thread_id)
        )

    async def add_feedback(self, feedback: Feedback) -> bool:
        added = await self._db.execute(
            insert_new(self._db.dialect, match_feedback, ["match_id", "member_id"]).values(
                community_id=self._community_id,
                match_id=feedback.match_id,
                member_id=feedback.member_id,
                met=feedback.met,
                rating=feedback.rating,
                changed=feedback.changed or None,
                named=feedback.named,
                created_at=feedback.at,
            )
        )
        return bool(added.rowcount)

    async def stories(self, limit: int) -> list[tuple[Feedback, Match]]:
        f = match_feedback.c
        rows = await self._db.execute(
            select(match_feedback, matches)
            .join(matches, matches.c.id == f.match_id)
            .where(f.community_id == self._community_id, f.changed.is_not(None))
            .order_by(f.created_at.desc(), f.match_id.desc())
            .limit(limit)
        )
        return [
            (
                Feedback(
                    row.match_id,
                    row.member_id,
                    row.met,
                    row.rating,
                    row.created_at,
                    row.changed,
                    row.named,
                ),
                _match(row),
            )
            for row in rows.all()
        ]

    async def stats(self) -> tuple[int, int, float | None]:
        made = await self._db.scalar(
            select(func.count()).where(matches.c.community_id == self._community_id)
        )
        mine = match_feedback.c.community_id == self._community_id
        met = await self._db.scalar(
            select(func.count(match_feedback.c.match_id.distinct())).where(
                mine, match_feedback.c.met.is_(True)
            )
        )
        rating = await self._db.scalar(select(func.avg(match_feedback.c.rating)).where(mine))
        return int(made or 0), int(met or 0), None if rating is None else float(rating)

    # Rounds

    async def add_round(
        self,
        pairs: Sequence[RoundPair],
        left_out: Sequence[int],
        now: datetime,
        edits: RoundEdits | None = None,
    ) -> MatchingRound:
        edits = edits or RoundEdits()
        await self._db.execute(
            update(matching_rounds)
            .where(
                matching_rounds.c.community_id == self._community_id,
                matching_rounds.c.status == "preview",
            )
            .values(status="discarded", updated_at=now)
        )
        round_id = await self._db.scalar(
            insert(matching_rounds)
            .values(
                community_id=self._community_id,
                status="preview",
                pairs=_pairs_json(pairs),
                left_out=json.dumps(list(left_out)),
                edits=_edits_json(edits),
                created_at=now,
                updated_at=now,
            )
            .returning(matching_rounds.c.id)
        )
        return MatchingRound(round_id, "preview", tuple(pairs), tuple(left_out), now, edits)

    async def preview(self) -> MatchingRound | None:
        rows = await self._db.execute(
            select(matching_rounds)
            .where(
                matching_rounds.c.community_id == self._community_id,
                matching_rounds.c.status == "preview",
            )
            .order_by(matching_rounds.c.id.desc())
            .limit(1)
        )
        if not rows.rows:
            return None
        row = rows.rows[0]
        return MatchingRound(
            row.id,
            row.status,
            _pairs(json.loads(row.pairs)),
            tuple(json.loads(row.left_out)),
            row.created_at,
            _edits(row.edits),
        )

    async def preview_edits(self) -> RoundEdits | None:
        rows = await self._db.execute(
            select(matching_rounds.c.edits)
            .where(
                matching_rounds.c.community_id == self._community_id,
                matching_rounds.c.status == "preview",
            )
            .order_by(matching_rounds.c.id.desc())
            .limit(1)
        )
        return _edits(rows.rows[0].edits) if rows.rows else None

    async def save_round(self, matching_round: MatchingRound, now: datetime) -> None:
        await self._db.execute(
            update(matching_rounds)
            .where(
                matching_rounds.c.community_id == self._community_id,
                matching_rounds.c.id == matching_round.id,
            )
            .values(
                status=matching_round.status,
                pairs=_pairs_json(matching_round.pairs),
                left_out=json.dumps(list(matching_round.left_out)),
                edits=_edits_json(matching_round.edits),
                updated_at=now,
            )
        )

    def _my_requests(self) -> Any:
        return mentor_requests.c.community_id == self._community_id

    async def _set_request(self, request_id: int, **values: Any) -> None:
        await self._db.execute(
            update(mentor_requests)
            .where(self._my_requests(), mentor_requests.c.id == request_id)
            .values(**values)
        )


def _request(row: Row[Any]) -> MentorRequest:
    return MentorRequest(
        id=row.id,
        mentee_id=row.mentee_id,
        topic=row.topic,
        note=row.note,
        channel_id=row.channel_id,
        status=_STATUSES[row.status],
        mentor_id=row.mentor_id,
        asked_at=row.asked_at,
        deadline=row.deadline,
        notified=row.notified,
        left_out=row.left_out,
        created_at=row.created_at,
        moved_from=row.moved_from,
        moved_why=None if row.moved_why is None else Moved(row.moved_why),
        goal=row.goal or "",
    )


def _closed(why: Moved) -> dict[str, Any]:
    """A request closing: the mentor it was with (if any) hears why by `moved_from`."""
    return {
        "status": RequestStatus.CANCELLED.value,
        "moved_from": func.coalesce(mentor_requests.c.mentor_id, mentor_requests.c.moved_from),
        "moved_why": why.value,
    }


def _match(row: Row[Any]) -> Match:
    return Match(
        id=row.id,
        request_id=row.request_id,
        mentor_id=row.mentor_id,
        mentee_id=row.mentee_id,
        topic=row.topic,
        started_at=row.started_at,
        ended_at=row.ended_at,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        touched_at=row.touched_at,
    )


def _pairs_json(pairs: Sequence[RoundPair]) -> str:
    return json.dumps(_pair_rows(pairs))


def _pair_rows(pairs: Sequence[RoundPair]) -> list[list[float]]:
    return [[p.request_id, p.mentor_id, p.fit] for p in pairs]


def _pairs(rows: Sequence[Sequence[Any]]) -> tuple[RoundPair, ...]:
    return tuple(RoundPair(int(r), int(m), float(f)) for r, m, f in rows)


def _edits(stored: str | None) -> RoundEdits:
    edits = json.loads(stored) if stored else {}
    return RoundEdits(tuple(edits.get("dropped", ())), _pairs(edits.get("pinned", ())))


def _edits_json(edits: RoundEdits) -> str | None:
    if not edits:
        return None
    return json.dumps({"dropped": list(edits.dropped), "pinned": _pair_rows(edits.pinned)})
