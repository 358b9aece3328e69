"""Weekly prompts, always within one community; the occurrence row is the exactly-once record."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.common.cadence import Cadence
from bot.kernel.messages import MessageRef
from bot.prompts.model import Occurrence, Outcome, Prompt, PromptStats, PromptStatus, Schedule
from storage.database import Db
from storage.schema import (
    DIALECTS,
    communities,
    insert_new,
    members,
    prompt_answer_messages,
    prompt_answers,
    prompt_occurrences,
    prompt_schedules,
    prompts,
)

_PROMPTS = select(prompts, members.c.display_name.label("author_name")).select_from(
    prompts.outerjoin(
        members,
        and_(members.c.community_id == prompts.c.community_id, members.c.id == prompts.c.author),
    )
)

# An occurrence with its schedule's mention and the name of whoever suggested its prompt
# (none once they erased their data: the prompt's author is then NULL).
_OCCURRENCES = select(
    prompt_occurrences,
    members.c.display_name.label("author_name"),
    prompt_schedules.c.mention,
).select_from(
    prompt_occurrences.join(
        prompt_schedules,
        and_(
            prompt_schedules.c.community_id == prompt_occurrences.c.community_id,
            prompt_schedules.c.id == prompt_occurrences.c.schedule_id,
        ),
    )
    .outerjoin(
        prompts,
        and_(
            prompts.c.community_id == prompt_occurrences.c.community_id,
            prompts.c.id == prompt_occurrences.c.prompt_id,
        ),
    )
    .outerjoin(
        members,
        and_(members.c.community_id == prompts.c.community_id, members.c.id == prompts.c.author),
    )
)


# What posting each occurrence runs, built once (building a statement costs more than
# SQLite takes to run it): parameters by name, the community always among them.
_SCHEDULE = select(prompt_schedules).where(
    prompt_schedules.c.community_id == bindparam("cid"),
    prompt_schedules.c.removed_at.is_(None),
    prompt_schedules.c.id == bindparam("schedule_id"),
)
_SCHEDULES = (
    select(prompt_schedules)
    .where(
        prompt_schedules.c.community_id == bindparam("cid"),
        prompt_schedules.c.removed_at.is_(None),
    )
    .order_by(prompt_schedules.c.id)
)
_SAVE_SCHEDULE = (
    update(prompt_schedules)
    .where(
        prompt_schedules.c.community_id == bindparam("cid"),
        prompt_schedules.c.id == bindparam("schedule_id"),
    )
    .values(
        paused=bindparam("b_paused"),
        skip_due=bindparam("b_skip_due"),
        last_due=bindparam("b_last_due"),
    )
)
_QUEUE = _PROMPTS.where(
    prompts.c.community_id == bindparam("cid"),
    prompts.c.status == PromptStatus.QUEUED.value,
).order_by(prompts.c.position, prompts.c.id)
_QUEUED_COUNT = select(func.count()).where(
    prompts.c.community_id == bindparam("cid"),
    prompts.c.status == PromptStatus.QUEUED.value,
)
_BANK_LAST_USED = (
    select(prompt_occurrences.c.bank_index, func.max(prompt_occurrences.c.claimed_at))
    .where(
        prompt_occurrences.c.community_id == bindparam("cid"),
        prompt_occurrences.c.bank_index.is_not(None),
        prompt_occurrences.c.outcome.in_([Outcome.CLAIMED.value, Outcome.POSTED.value]),
    )
    .group_by(prompt_occurrences.c.bank_index)
)
_CLAIM = {
    dialect: insert_new(dialect, prompt_occurrences, ["schedule_id", "due_at"]).returning(
        prompt_occurrences.c.id
    )
    for dialect in DIALECTS
}
_LAST_POSTED = (
    _OCCURRENCES.where(
        prompt_occurrences.c.community_id == bindparam("cid"),
        prompt_occurrences.c.schedule_id == bindparam("schedule_id"),
        prompt_occurrences.c.outcome == Outcome.POSTED.value,
        prompt_occurrences.c.due_at < bindparam("before"),
    )
    .order_by(prompt_occurrences.c.due_at.desc())
    .limit(1)
)
_BY_THREAD = (
    _OCCURRENCES.where(
        prompt_occurrences.c.community_id == bindparam("cid"),
        prompt_occurrences.c.channel_id == bindparam("channel_id"),
        prompt_occurrences.c.thread_id == bindparam("thread_id"),
    )
    .order_by(prompt_occurrences.c.id)
    .limit(1)
)
_RECORD = update(prompt_occurrences).where(
    prompt_occurrences.c.community_id == bindparam("cid"),
    prompt_occurrences.c.id == bindparam("occurrence_id"),
)


class SqlPromptRepository:
    def __init__(self, db: Db, community_id: int, platform: str) -> None:
        self._db = db
        self._community_id = community_id
        self._platform = platform
        self._cid = {"cid": community_id}

    async def add(
        self, text: str, status: PromptStatus, author: int | None, now: datetime
    ) -> Prompt:
        position = await self._end_of_queue() if status is PromptStatus.QUEUED else None
        prompt_id = await self._db.scalar(
            insert(prompts)
            .values(
                community_id=self._community_id,
                text=text,
                status=status.value,
                position=position,
                author=author,
                created_at=now,
                updated_at=now,
            )
            .returning(prompts.c.id)
        )
        found = await self.get(prompt_id)
        assert found is not None
        return found

    async def get(self, prompt_id: int) -> Prompt | None:
        rows = await self._db.execute(_PROMPTS.where(self._mine(), prompts.c.id == prompt_id))
        return _prompt(rows.rows[0]) if rows.rows else None

    async def hold(self) -> None:
        # SQLite needs nothing: one process, whose units of work already take turns.
        # FOR NO KEY UPDATE: other units of work's foreign-key checks on this community
        # (KEY SHARE) don't wait for it, so it can't close a deadlock with them.
        if self._db.dialect == "postgresql":
            await self._db.execute(
                select(communities.c.id)
                .where(communities.c.id == self._community_id)
                .with_for_update(key_share=True)
            )

    async def queued_count(self) -> int:
        return int(await self._db.scalar(_QUEUED_COUNT, self._cid) or 0)

    async def listed(self, status: PromptStatus) -> list[Prompt]:
        if status is PromptStatus.QUEUED:
            return [_prompt(row) for row in (await self._db.execute(_QUEUE, self._cid)).all()]
        rows = await self._db.execute(
            _PROMPTS.where(self._mine(), prompts.c.status == status.value).order_by(
                prompts.c.id.desc()
            )
        )
        return [_prompt(row) for row in rows.all()]

    async def edit(self, prompt_id: int, text: str, now: datetime) -> None:
        await self._db.execute(
            update(prompts)
            .where(self._mine(), prompts.c.id == prompt_id)
            .values(text=text, updated_at=now)
        )

    async def set_status(self, prompt_id: int, status: PromptStatus, now: datetime) -> None:
        position = await self._end_of_queue() if status is PromptStatus.QUEUED else None
        await self._db.execute(
            update(prompts)
            .where(self._mine(), prompts.c.id == prompt_id)
            .values(status=status.value, position=position, updated_at=now)
        )

    async def move(self, prompt_id: int, position: int) -> None:
        await self.hold()  # the queue as it is, not as another move leaves it halfway
        queue = [p.id for p in await self.listed(PromptStatus.QUEUED) if p.id != prompt_id]
        queue.insert(position - 1, prompt_id)
        for n, each in enumerate(queue, 1):
            await self._db.execute(
                update(prompts).where(self._mine(), prompts.c.id == each).values(position=n)
            )

    async def remove(self, prompt_id: int) -> None:
        await self._db.execute(delete(prompts).where(self._mine(), prompts.c.id == prompt_id))

    async def add_schedule(
        self, channel_id: str, cadence: Cadence, mention: str | None, now: datetime
    ) -> Schedule:
        schedule_id = await self._db.scalar(
            insert(prompt_schedules)
            .values(
                community_id=self._community_id,
                channel_id=channel_id,
                weekday=cadence.weekday,
                hour=cadence.hour,
                minute=cadence.minute,
                timezone=cadence.timezone,
                every_weeks=cadence.every,
                week_of_month=cadence.week_of_month,
                starts_on=cadence.start,
                mention=mention,
                paused=False,
                last_due=now,
                created_at=now,
            )
            .returning(prompt_schedules.c.id)
        )
        found = await self.schedule(schedule_id)
        assert found is not None
        return found

    async def schedule(self, schedule_id: int) -> Schedule | None:
        rows = await self._db.execute(_SCHEDULE, {**self._cid, "schedule_id": schedule_id})
        return _schedule(rows.rows[0]) if rows.rows else None

    async def schedules(self) -> list[Schedule]:
        return [_schedule(row) for row in (await self._db.execute(_SCHEDULES, self._cid)).all()]

    async def remove_schedule(self, schedule_id: int, now: datetime) -> None:
        await self._db.execute(
            update(prompt_schedules)
            .where(self._live(), prompt_schedules.c.id == schedule_id)
            .values(removed_at=now)
        )

    async def save_schedule(self, schedule: Schedule) -> None:
        self._db.later(
            _SAVE_SCHEDULE,
            {
                **self._cid,
                "schedule_id": schedule.id,
                "b_paused": schedule.paused,
                "b_skip_due": schedule.skip_due,
                "b_last_due": schedule.last_due,
            },
        )

    async def claim(self, occurrence: Occurrence) -> Occurrence | None:
        occurrence_id = await self._db.scalar(
            _CLAIM[self._db.dialect],
            {
                "community_id": self._community_id,
                "schedule_id": occurrence.schedule_id,
                "due_at": occurrence.due_at,
                "outcome": occurrence.outcome.value,
                "text": occurrence.text,
                "prompt_id": occurrence.prompt_id,
                "bank_index": occurrence.bank_index,
                "claim": occurrence.claim,
                "claimed_at": occurrence.claimed_at,
                "recapped": occurrence.recapped,
            },
        )
        return None if occurrence_id is None else replace(occurrence, id=occurrence_id)

    async def record(
        self, occurrence_id: int, outcome: Outcome, message: MessageRef | None, now: datetime
    ) -> None:
        where = (
            {
                "channel_id": message.channel_id,
                "message_id": message.message_id,
                "thread_id": message.thread_id,
                "url": message.url,
            }
            if message
            else {}
        )
        self._db.later(
            _RECORD,
            {**self._cid, "occurrence_id": occurrence_id, "outcome": outcome.value}
            | {"posted_at": now, **where},
        )

    async def last_posted(self, schedule_id: int, before: datetime) -> Occurrence | None:
        rows = await self._db.execute(
            _LAST_POSTED, {**self._cid, "schedule_id": schedule_id, "before": before}
        )
        return self._occurrence(rows.rows[0]) if rows.rows else None

    async def mark_recapped(self, occurrence_id: int) -> None:
        await self._db.execute(
            update(prompt_occurrences)
            .where(self._occurrences(), prompt_occurrences.c.id == occurrence_id)
            .values(recapped=True)
        )

    async def by_thread(self, channel_id: str, thread_id: str) -> Occurrence | None:
        rows = await self._db.execute(
            _BY_THREAD, {**self._cid, "channel_id": channel_id, "thread_id": thread_id}
        )
        return self._occurrence(rows.rows[0]) if rows.rows else None

    async def count_answer(self, occurrence_id: int, member_id: int, message_id: str) -> None:
        first_time = await self._db.execute(
            insert_new(
                self._db.dialect,
                prompt_answer_messages,
                ["community_id", "occurrence_id", "message_id"],
            ).values(
                community_id=self._community_id,
                occurrence_id=occurrence_id,
                message_id=message_id,
                member_id=member_id,
            )
        )
        if not first_time.rowcount:
            return
        dialect = postgresql if self._db.dialect == "postgresql" else sqlite
        statement = dialect.insert(prompt_answers).values(
            community_id=self._community_id,
            occurrence_id=occurrence_id,
            member_id=member_id,
            answers=1,
        )
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=["community_id", "occurrence_id", "member_id"],
                set_={"answers": prompt_answers.c.answers + 1},
            )
        )

    async def answers(self, occurrence_id: int) -> tuple[int, int]:
        rows = await self._db.execute(
            select(func.coalesce(func.sum(prompt_answers.c.answers), 0), func.count()).where(
                prompt_answers.c.community_id == self._community_id,
                prompt_answers.c.occurrence_id == occurrence_id,
            )
        )
        total, people = rows.rows[0]
        return int(total), int(people)

    async def bank_last_used(self) -> dict[int, datetime]:
        rows = await self._db.execute(_BANK_LAST_USED, self._cid)
        return {index: when for index, when in rows.all()}

    async def stats(self) -> list[PromptStats]:
        answered = (
            select(
                prompt_answers.c.occurrence_id,
                func.sum(prompt_answers.c.answers).label("answers"),
                func.count().label("members"),
            )
            .where(prompt_answers.c.community_id == self._community_id)
            .group_by(prompt_answers.c.occurrence_id)
            .subquery()
        )
        rows = await self._db.execute(
            select(
                prompt_occurrences.c.due_at,
                prompt_occurrences.c.text,
                answered.c.answers,
                answered.c.members,
            )
            .select_from(
                prompt_occurrences.outerjoin(
                    answered, answered.c.occurrence_id == prompt_occurrences.c.id
                )
            )
            .where(self._occurrences(), prompt_occurrences.c.outcome == Outcome.POSTED.value)
        )
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for due, text, answers, people in rows.all():
            bucket = totals[(f"{due:%Y-%m}", text)]
            bucket[0] += 1
            bucket[1] += answers or 0
            bucket[2] += people or 0
        return [
            PromptStats(month, text, *counts)
            for (month, text), counts in sorted(totals.items(), reverse=True)
        ]

    def _mine(self) -> Any:
        return prompts.c.community_id == self._community_id

    def _occurrences(self) -> Any:
        return prompt_occurrences.c.community_id == self._community_id

    def _live(self) -> Any:
        """This community's schedules that weren't removed."""
        return and_(
            prompt_schedules.c.community_id == self._community_id,
            prompt_schedules.c.removed_at.is_(None),
        )

    async def _end_of_queue(self) -> int:
        """The next position, with the queue held until commit: prompts added at the same
        moment get one each."""
        await self.hold()
        last = await self._db.scalar(
            select(func.max(prompts.c.position)).where(
                self._mine(), prompts.c.status == PromptStatus.QUEUED.value
            )
        )
        return (last or 0) + 1

    def _occurrence(self, row: Any) -> Occurrence:
        message = (
            MessageRef(self._platform, row.channel_id, row.message_id, row.thread_id, row.url)
            if (row.message_id)
            else None
        )
        return Occurrence(
            id=row.id,
            schedule_id=row.schedule_id,
            due_at=row.due_at,
            outcome=Outcome(row.outcome),
            text=row.text,
            prompt_id=row.prompt_id,
            bank_index=row.bank_index,
            claim=row.claim,
            claimed_at=row.claimed_at,
            message=message,
            recapped=row.recapped,
            author_name=row.author_name,
            mention=row.mention,
        )


def _prompt(row: Any) -> Prompt:
    return Prompt(
        id=row.id,
        text=row.text,
        status=PromptStatus(row.status),
        position=row.position or 0,
        author=row.author,
        author_name=row.author_name,
        created_at=row.created_at,
    )


def _schedule(row: Any) -> Schedule:
    cadence = Cadence(
        row.weekday,
        row.hour,
        row.minute,
        row.timezone,
        row.every_weeks,
        row.week_of_month,
        row.starts_on,
    )
    return Schedule(
        id=row.id,
        channel_id=row.channel_id,
        cadence=cadence,
        mention=row.mention,
        paused=row.paused,
        skip_due=row.skip_due,
        last_due=row.last_due,
    )
