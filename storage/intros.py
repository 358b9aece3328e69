"""Intros' storage: programmes, participants, rounds and their groups (bot/intros/ports.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.orm import aliased

from bot.common.cadence import Cadence
from bot.common.offload import off_loop
from bot.intros.ports import PlannedGroup
from bot.intros.records import (
    Answer,
    IntroGroup,
    IntroRound,
    Participant,
    Programme,
    ProgrammeStats,
    RoundStatus,
)
from bot.kernel.messages import MessageRef
from storage.database import Db
from storage.schema import (
    insert_new,
    intro_group_members,
    intro_groups,
    intro_participants,
    intro_programmes,
    intro_rounds,
    mentor_avoid,
)

_CHUNK = 500  # ids in one IN list
_ANSWERS = {a.value: a for a in Answer}


class SqlIntrosRepository:
    def __init__(self, db: Db, community_id: int, platform: str) -> None:
        self._db = db
        self._community_id = community_id
        self._platform = platform

    # Programmes

    async def programmes(self) -> list[Programme]:
        rows = await self._db.execute(
            select(intro_programmes)
            .where(intro_programmes.c.community_id == self._community_id)
            .order_by(intro_programmes.c.id)
        )
        return [_programme(row) for row in rows.all()]

    async def programme(self, programme_id: int) -> Programme | None:
        rows = await self._db.execute(
            select(intro_programmes).where(
                intro_programmes.c.community_id == self._community_id,
                intro_programmes.c.id == programme_id,
            )
        )
        return _programme(rows.rows[0]) if rows.rows else None

    async def add_programme(
        self,
        name: str,
        channel_id: str,
        whole_community: bool,
        cadence: Cadence,
        size: int,
        repeat_weeks: int,
        now: datetime,
    ) -> Programme:
        programme_id = await self._db.scalar(
            insert(intro_programmes)
            .values(
                community_id=self._community_id,
                name=name,
                last_due=now,
                created_at=now,
                **_settings(channel_id, whole_community, cadence, size, repeat_weeks, False),
            )
            .returning(intro_programmes.c.id)
        )
        found = await self.programme(programme_id)
        assert found is not None
        return found

    async def save_programme(self, programme: Programme) -> None:
        await self._db.execute(
            update(intro_programmes)
            .where(
                intro_programmes.c.community_id == self._community_id,
                intro_programmes.c.id == programme.id,
            )
            .values(
                **_settings(
                    programme.channel_id,
                    programme.whole_community,
                    programme.cadence,
                    programme.size,
                    programme.repeat_weeks,
                    programme.paused,
                ),
                last_due=programme.last_due,
            )
        )

    async def remove_programme(self, programme_id: int) -> None:
        # Its participants, rounds, groups and their members go with it (ON DELETE CASCADE).
        await self._db.execute(
            delete(intro_programmes).where(
                intro_programmes.c.community_id == self._community_id,
                intro_programmes.c.id == programme_id,
            )
        )

    # Who takes part

    async def participant(self, programme_id: int, member_id: int) -> Participant | None:
        rows = await self._db.execute(
            select(intro_participants).where(
                intro_participants.c.community_id == self._community_id,
                intro_participants.c.programme_id == programme_id,
                intro_participants.c.member_id == member_id,
            )
        )
        return _participant(rows.rows[0]) if rows.rows else None

    async def save_participant(self, participant: Participant) -> None:
        key = {
            "community_id": self._community_id,
            "programme_id": participant.programme_id,
            "member_id": participant.member_id,
        }
        values = {
            "every_rounds": participant.every_rounds,
            "paused_until": participant.paused_until,
            "ghosted": participant.ghosted,
            "ignored": participant.ignored,
            "last_seq": participant.last_seq,
            "joined_at": participant.joined_at,
            "left_at": participant.left_at,
        }
        changed = await self._db.execute(
            update(intro_participants)
            .where(*(intro_participants.c[k] == v for k, v in key.items()))
            .values(**values)
        )
        if not changed.rowcount:
            await self._db.execute(insert(intro_participants).values(**key, **values))

    async def participants(self, programme_id: int) -> list[Participant]:
        rows = await self._db.execute(
            select(intro_participants)
            .where(
                intro_participants.c.community_id == self._community_id,
                intro_participants.c.programme_id == programme_id,
            )
            .order_by(intro_participants.c.member_id)
        )
        return await off_loop(lambda: [_participant(row) for row in rows.all()], len(rows.rows))

    async def memberships(self, member_id: int) -> list[Participant]:
        rows = await self._db.execute(
            select(intro_participants)
            .where(
                intro_participants.c.community_id == self._community_id,
                intro_participants.c.member_id == member_id,
            )
            .order_by(intro_participants.c.programme_id)
        )
        return [_participant(row) for row in rows.all()]

    async def grouped(self, programme_id: int, member_ids: Sequence[int], seq: int) -> None:
        await self._participants_update(programme_id, member_ids, last_seq=seq)

    async def count_ignored(
        self, programme_id: int, ignored: Sequence[int], answered: Sequence[int], ghost_after: int
    ) -> list[int]:
        p = intro_participants.c
        await self._participants_update(programme_id, answered, ignored=0)
        await self._participants_update(programme_id, ignored, ignored=p.ignored + 1)
        mine = (p.community_id == self._community_id, p.programme_id == programme_id)
        ghosts = await self._db.execute(
            select(p.member_id).where(
                *mine, p.ignored >= ghost_after, p.ghosted.is_(False), p.left_at.is_(None)
            )
        )
        found = ghosts.scalars()
        await self._participants_update(programme_id, found, ghosted=True)
        return found

    async def _participants_update(
        self, programme_id: int, member_ids: Sequence[int], **values: Any
    ) -> None:
        p = intro_participants.c
        wanted = sorted(set(member_ids))
        for start in range(0, len(wanted), _CHUNK):
            await self._db.execute(
                update(intro_participants)
                .where(
                    p.community_id == self._community_id,
                    p.programme_id == programme_id,
                    p.member_id.in_(wanted[start : start + _CHUNK]),
                )
                .values(**values)
            )

    # Rounds

    async def claim_round(
        self, programme_id: int, due: datetime, status: RoundStatus, now: datetime
    ) -> IntroRound | None:
        r = intro_rounds.c
        round_id = await self._db.scalar(
            insert_new(self._db.dialect, intro_rounds, ["programme_id", "due_at"])
            .values(**self._new_round(programme_id, due, status, now))
            .returning(r.id)
        )
        if round_id is None:  # a draft of this round, or someone else's claim
            taken = await self._db.execute(
                update(intro_rounds)
                .where(
                    r.community_id == self._community_id,
                    r.programme_id == programme_id,
                    r.due_at == due,
                    r.status == RoundStatus.DRAFT.value,
                )
                .values(status=status.value)
                .returning(r.id)
            )
            round_id = taken.scalar()
        if round_id is None:
            return None
        await self._db.execute(
            update(intro_programmes)
            .where(
                intro_programmes.c.community_id == self._community_id,
                intro_programmes.c.id == programme_id,
                intro_programmes.c.last_due < due,
            )
            .values(last_due=due)
        )
        return IntroRound(round_id, programme_id, due, status, None, None)

    def _new_round(
        self, programme_id: int, due: datetime, status: RoundStatus, now: datetime
    ) -> dict[str, Any]:
        return {
            "community_id": self._community_id,
            "programme_id": programme_id,
            "due_at": due,
            "status": status.value,
            "followed_up": False,
            "closed": False,
            "created_at": now,
        }

    async def draft(self, programme_id: int) -> IntroRound | None:
        found = await self._rounds(
            intro_rounds.c.programme_id == programme_id,
            intro_rounds.c.status == RoundStatus.DRAFT.value,
        )
        return found[-1] if found else None

    async def save_draft(
        self, programme_id: int, due: datetime, groups: Sequence[PlannedGroup], now: datetime
    ) -> IntroRound:
        r = intro_rounds.c
        await self._db.execute(
            delete(intro_rounds).where(
                r.community_id == self._community_id,
                r.programme_id == programme_id,
                r.status == RoundStatus.DRAFT.value,
            )
        )
        round_id = await self._db.scalar(
            insert(intro_rounds)
            .values(**self._new_round(programme_id, due, RoundStatus.DRAFT, now))
            .returning(r.id)
        )
        await self.set_groups(round_id, groups)
        return IntroRound(round_id, programme_id, due, RoundStatus.DRAFT, None, None)

    async def set_groups(self, round_id: int, groups: Sequence[PlannedGroup]) -> list[IntroGroup]:
        g = intro_groups.c
        mine = (g.community_id == self._community_id, g.round_id == round_id)
        old = select(g.id).where(*mine)
        await self._db.execute(
            delete(intro_group_members).where(
                intro_group_members.c.community_id == self._community_id,
                intro_group_members.c.group_id.in_(old),
            )
        )
        await self._db.execute(delete(intro_groups).where(*mine))
        if not groups:
            return []
        await self._db.execute(
            insert(intro_groups),
            [
                {
                    "community_id": self._community_id,
                    "round_id": round_id,
                    "number": number,
                    "dropped": dropped,
                    "weight": weight,
                }
                for number, (_, weight, dropped) in enumerate(groups, 1)
            ],
        )
        ids = await self._db.execute(select(g.number, g.id).where(*mine))
        by_number = dict(ids.all())
        await self._db.execute(
            insert(intro_group_members),
            [
                {
                    "community_id": self._community_id,
                    "group_id": by_number[number],
                    "member_id": member_id,
                    "position": position,
                }
                for number, (members, _, _) in enumerate(groups, 1)
                for position, member_id in enumerate(members)
            ],
        )
        return await self.groups(round_id, dropped=True)

    async def groups(self, round_id: int, *, dropped: bool = False) -> list[IntroGroup]:
        return await self._groups(
            intro_groups.c.round_id == round_id,
            *(() if dropped else (intro_groups.c.dropped.is_(False),)),
        )

    async def group(self, group_id: int) -> IntroGroup | None:
        found = await self._groups(intro_groups.c.id == group_id)
        return found[0] if found else None

    async def _groups(self, *where: Any) -> list[IntroGroup]:
        g, m = intro_groups.c, intro_group_members.c
        rows = await self._db.execute(
            select(g.id, g.round_id, g.number, g.weight, g.dropped, g.channel_id, g.thread_id)
            .add_columns(m.member_id)
            .join(
                intro_group_members,
                and_(m.community_id == g.community_id, m.group_id == g.id),
            )
            .where(g.community_id == self._community_id, *where)
            .order_by(g.number, g.id, m.position)
        )

        def convert() -> list[IntroGroup]:
            members: dict[int, list[int]] = {}
            first: dict[int, Any] = {}
            for row in rows.all():
                members.setdefault(row.id, []).append(row.member_id)
                first.setdefault(row.id, row)
            return [
                IntroGroup(
                    row.id,
                    row.round_id,
                    row.number,
                    tuple(members[group_id]),
                    row.weight,
                    row.dropped,
                    row.channel_id,
                    row.thread_id,
                )
                for group_id, row in first.items()
            ]

        return await off_loop(convert, len(rows.rows))

    async def publish(
        self, round_id: int, seq: int, now: datetime, follow_up_at: datetime, closes_at: datetime
    ) -> None:
        await self._db.execute(
            update(intro_rounds)
            .where(intro_rounds.c.community_id == self._community_id, intro_rounds.c.id == round_id)
            .values(
                status=RoundStatus.PUBLISHED.value,
                seq=seq,
                published_at=now,
                follow_up_at=follow_up_at,
                closes_at=closes_at,
            )
        )

    async def last_seq(self, programme_id: int) -> int:
        found = await self._db.scalar(
            select(func.max(intro_rounds.c.seq)).where(
                intro_rounds.c.community_id == self._community_id,
                intro_rounds.c.programme_id == programme_id,
            )
        )
        return int(found or 0)

    async def due_follow_ups(self, now: datetime) -> list[IntroRound]:
        r = intro_rounds.c
        return await self._rounds(
            r.status == RoundStatus.PUBLISHED.value, r.followed_up.is_(False), r.follow_up_at <= now
        )

    async def claim_follow_up(self, round_id: int) -> bool:
        return await self._flip(round_id, intro_rounds.c.followed_up, followed_up=True)

    async def due_closings(self, now: datetime) -> list[IntroRound]:
        r = intro_rounds.c
        return await self._rounds(
            r.status == RoundStatus.PUBLISHED.value, r.closed.is_(False), r.closes_at <= now
        )

    async def claim_closing(self, round_id: int) -> bool:
        return await self._flip(round_id, intro_rounds.c.closed, closed=True)

    async def _flip(self, round_id: int, flag: Any, **values: bool) -> bool:
        flipped = await self._db.execute(
            update(intro_rounds)
            .where(
                intro_rounds.c.community_id == self._community_id,
                intro_rounds.c.id == round_id,
                flag.is_(False),
            )
            .values(**values)
        )
        return bool(flipped.rowcount)

    async def _rounds(self, *where: Any) -> list[IntroRound]:
        r = intro_rounds.c
        rows = await self._db.execute(
            select(r.id, r.programme_id, r.due_at, r.status, r.seq, r.published_at)
            .where(r.community_id == self._community_id, *where)
            .order_by(r.id)
        )
        return [
            IntroRound(
                row.id,
                row.programme_id,
                row.due_at,
                RoundStatus(row.status),
                row.seq,
                row.published_at,
            )
            for row in rows.all()
        ]

    async def answers(self, round_id: int) -> dict[int, Answer | None]:
        g, m = intro_groups.c, intro_group_members.c
        rows = await self._db.execute(
            select(m.member_id, m.answer)
            .join(intro_groups, and_(g.community_id == m.community_id, g.id == m.group_id))
            .where(
                g.community_id == self._community_id, g.round_id == round_id, g.dropped.is_(False)
            )
        )
        return {member: _ANSWERS.get(answer) if answer else None for member, answer in rows.all()}

    async def answer(self, group_id: int, member_id: int, answer: Answer, now: datetime) -> bool:
        m = intro_group_members.c
        changed = await self._db.execute(
            update(intro_group_members)
            .where(
                m.community_id == self._community_id,
                m.group_id == group_id,
                m.member_id == member_id,
            )
            .values(answer=answer.value, answered_at=now)
        )
        return bool(changed.rowcount)

    async def space_opened(self, group_id: int, space: MessageRef) -> None:
        await self._db.execute(
            update(intro_groups)
            .where(intro_groups.c.community_id == self._community_id, intro_groups.c.id == group_id)
            .values(channel_id=space.channel_id, thread_id=space.thread_id)
        )

    # What a round plans with

    async def history(self, programme_id: int, since: datetime) -> list[tuple[int, int, datetime]]:
        g, r = intro_groups.c, intro_rounds.c
        a, b = aliased(intro_group_members), aliased(intro_group_members)
        rows = await self._db.execute(
            select(a.c.member_id, b.c.member_id, func.max(r.published_at))
            .select_from(intro_rounds)
            .join(intro_groups, and_(g.community_id == r.community_id, g.round_id == r.id))
            .join(a, and_(a.c.community_id == g.community_id, a.c.group_id == g.id))
            .join(
                b,
                and_(
                    b.c.community_id == g.community_id,
                    b.c.group_id == g.id,
                    b.c.member_id > a.c.member_id,
                ),
            )
            .where(
                r.community_id == self._community_id,
                r.programme_id == programme_id,
                r.status == RoundStatus.PUBLISHED.value,
                r.published_at >= since,
                g.dropped.is_(False),
            )
            .group_by(a.c.member_id, b.c.member_id)
        )
        return [(first, second, when) for first, second, when in rows.all()]

    async def last_weights(self, programme_id: int) -> dict[int, int]:
        seq = await self.last_seq(programme_id)
        g, r, m = intro_groups.c, intro_rounds.c, intro_group_members.c
        rows = await self._db.execute(
            select(m.member_id, g.weight)
            .select_from(intro_rounds)
            .join(intro_groups, and_(g.community_id == r.community_id, g.round_id == r.id))
            .join(intro_group_members, and_(m.community_id == g.community_id, m.group_id == g.id))
            .where(
                r.community_id == self._community_id,
                r.programme_id == programme_id,
                r.seq == seq,
                g.dropped.is_(False),
            )
        )
        return dict(rows.all())

    async def avoided(self) -> list[tuple[int, int]]:
        rows = await self._db.execute(
            select(mentor_avoid.c.member_id, mentor_avoid.c.other_id).where(
                mentor_avoid.c.community_id == self._community_id
            )
        )
        return [(member, other) for member, other in rows.all()]

    async def met_in(self, member_id: int, limit: int) -> list[tuple[str, datetime, int]]:
        g, r, p = intro_groups.c, intro_rounds.c, intro_programmes.c
        mine, other = aliased(intro_group_members), aliased(intro_group_members)
        rows = await self._db.execute(
            select(p.name, r.published_at, other.c.member_id)
            .select_from(mine)
            .join(
                intro_groups, and_(g.community_id == mine.c.community_id, g.id == mine.c.group_id)
            )
            .join(intro_rounds, and_(r.community_id == g.community_id, r.id == g.round_id))
            .join(intro_programmes, and_(p.community_id == r.community_id, p.id == r.programme_id))
            .join(
                other,
                and_(
                    other.c.community_id == g.community_id,
                    other.c.group_id == g.id,
                    other.c.member_id != mine.c.member_id,
                ),
            )
            .where(
                mine.c.community_id == self._community_id,
                mine.c.member_id == member_id,
                r.status == RoundStatus.PUBLISHED.value,
                g.dropped.is_(False),
            )
            .order_by(r.published_at.desc(), other.c.member_id)
            .limit(limit)
        )
        return [(name, when, other_id) for name, when, other_id in rows.all()]

    async def stats(self, programme_id: int, now: datetime) -> ProgrammeStats:
        r, g, m = intro_rounds.c, intro_groups.c, intro_group_members.c
        published = (
            r.community_id == self._community_id,
            r.programme_id == programme_id,
            r.status == RoundStatus.PUBLISHED.value,
        )
        rounds = await self._db.scalar(select(func.count()).where(*published))
        intros = await self._db.scalar(
            select(func.count())
            .select_from(intro_groups)
            .join(intro_rounds, and_(r.community_id == g.community_id, r.id == g.round_id))
            .where(*published, g.dropped.is_(False))
        )
        answered = await self._db.execute(
            select(m.answer, func.count())
            .select_from(intro_group_members)
            .join(intro_groups, and_(g.community_id == m.community_id, g.id == m.group_id))
            .join(intro_rounds, and_(r.community_id == g.community_id, r.id == g.round_id))
            .where(*published, g.dropped.is_(False))
            .group_by(m.answer)
        )
        people = await self.participants(programme_id)
        now_paused = [
            x
            for x in people
            if x.left_at is None
            and (x.ghosted or (x.paused_until is not None and x.paused_until > now))
        ]
        return ProgrammeStats(
            rounds=int(rounds or 0),
            intros=int(intros or 0),
            taking_part=sum(x.left_at is None for x in people) - len(now_paused),
            paused=len(now_paused),
            left=sum(x.left_at is not None for x in people),
            answers={answer or "none": int(count) for answer, count in answered.all()},
        )


def _settings(
    channel_id: str,
    whole_community: bool,
    cadence: Cadence,
    size: int,
    repeat_weeks: int,
    paused: bool,
) -> dict[str, Any]:
    return {
        "channel_id": channel_id,
        "whole_community": whole_community,
        "weekday": cadence.weekday,
        "hour": cadence.hour,
        "minute": cadence.minute,
        "timezone": cadence.timezone,
        "every_weeks": cadence.every,
        "week_of_month": cadence.week_of_month,
        "starts_on": cadence.start,
        "size": size,
        "repeat_weeks": repeat_weeks,
        "paused": paused,
    }


def _programme(row: Any) -> Programme:
    cadence = Cadence(
        row.weekday,
        row.hour,
        row.minute,
        row.timezone,
        row.every_weeks,
        row.week_of_month,
        row.starts_on,
    )
    return Programme(
        row.id,
        row.name,
        row.channel_id,
        row.whole_community,
        cadence,
        row.size,
        row.repeat_weeks,
        row.paused,
        row.last_due,
    )


def _participant(row: Any) -> Participant:
    return Participant(
        row.programme_id,
        row.member_id,
        row.every_rounds,
        row.paused_until,
        row.ghosted,
        row.ignored,
        row.last_seq,
        row.joined_at,
        row.left_at,
    )
