"""The `Store`: one unit of work per command, scoped to one community."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, exists, func, select, text

from bot.kernel.messages import CommunityKey
from bot.kernel.personal import Departure
from bot.kernel.ports import Clock
from bot.mentoring.model import RequestStatus
from storage import expertise
from storage.audit import SqlAuditRepository
from storage.communities import (
    communities_here,
    communities_left_before,
    departure_of,
    erase_community,
    record_back,
    record_left,
)
from storage.community import SqlCommunityRepository
from storage.database import Database, Db, PoolUse, open_database
from storage.gaps import SqlGapRepository
from storage.intros import SqlIntrosRepository
from storage.library import SqlLibraryRepository
from storage.members import SqlMemberRepository
from storage.mentoring import SqlMentoringRepository
from storage.migrate import migrate
from storage.newcomers import SqlNewcomersRepository
from storage.outbox import FINISHED, SENDING, WAITING, SqlOutboxRepository, due
from storage.personal import PERSONAL_TABLES, SqlPersonalDataRepository
from storage.prompts import SqlPromptRepository
from storage.schema import (
    communities,
    community_settings,
    insert_new,
    intro_programmes,
    matches,
    mentor_requests,
    outbox,
    prompt_schedules,
    round_schedules,
)
from storage.settings import SqlSettingsRepository
from storage.shared import SqlSharedLimits
from storage.web import SqlWebRepository


@dataclass(frozen=True)
class Backlog:
    platform: str
    unfinished: int  # waiting or being sent
    oldest_due: datetime | None  # the due time of the oldest one due now, if any is


class SqlUnitOfWork:
    def __init__(self, db: Db, community: CommunityKey, community_id: int):
        self.community = community
        self.members = SqlMemberRepository(db, community_id, community.platform)
        self.library = SqlLibraryRepository(db, community_id, community.platform)
        self.settings = SqlSettingsRepository(db, community_id)
        self.prompts = SqlPromptRepository(db, community_id, community.platform)
        self.mentoring = SqlMentoringRepository(db, community_id, community.platform)
        self.intros = SqlIntrosRepository(db, community_id, community.platform)
        self.audit = SqlAuditRepository(db, community_id)
        self.directory = SqlCommunityRepository(db, community_id, community.platform)
        self.newcomers = SqlNewcomersRepository(db, community_id)
        self.web = SqlWebRepository(db, community_id)
        self.outbox = SqlOutboxRepository(db, community_id)
        self.gaps = SqlGapRepository(db, community_id)
        self.personal = SqlPersonalDataRepository(db, community_id, community.platform)
        self._db = db
        self._community_id = community_id

    @property
    def changed(self) -> bool:
        return self._db.changed

    @property
    def started(self) -> bool:
        return self._db.started

    async def commit(self) -> None:
        if self._db.changed:  # what the writes changed of who knows what, with them
            await expertise.refresh(self._db, self._community_id)
        await self._db.commit()


class SqlStore:
    def __init__(self, database: Database, *, clock: Clock) -> None:
        self.database = database
        self._clock = clock
        self._community_ids: dict[CommunityKey, int] = {}
        # SQLite is one process's (`storage.database`): nothing to share with another.
        self.shared = SqlSharedLimits(database, clock) if database.dialect == "postgresql" else None

    @asynccontextmanager
    async def unit_of_work(self, community: CommunityKey) -> AsyncIterator[SqlUnitOfWork]:
        community_id = await self._community_id(community)
        async with self.database.transaction() as db:
            yield SqlUnitOfWork(db, community, community_id)
            # Leaving the block without commit() rolls the transaction back.

    @asynccontextmanager
    async def reading(self, community: CommunityKey) -> AsyncIterator[SqlUnitOfWork]:
        community_id = await self._community_id(community)
        async with self.database.reading() as db:
            yield SqlUnitOfWork(db, community, community_id)

    @asynccontextmanager
    async def snapshot(self, community: CommunityKey) -> AsyncIterator[SqlUnitOfWork]:
        community_id = await self._community_id(community)
        async with self.database.snapshot() as db:
            yield SqlUnitOfWork(db, community, community_id)

    async def _community_id(self, community: CommunityKey) -> int:
        """Known communities come from memory; a new one is added in its own transaction,
        so a command that fails later cannot roll back a key that is already cached."""
        known = self._community_ids.get(community)
        if known is not None:
            return known
        match = (communities.c.platform == community.platform) & (
            communities.c.external_id == community.id
        )
        async with self.database.transaction() as db:
            await db.execute(
                insert_new(db.dialect, communities, ["platform", "external_id"]).values(
                    platform=community.platform,
                    external_id=community.id,
                    created_at=self._clock.now(),
                )
            )
            found: int = await db.scalar(select(communities.c.id).where(match))
            await db.commit()
        self._community_ids[community] = found
        return found

    async def communities_with_schedules(self) -> list[CommunityKey]:
        return await self._communities_having(
            prompt_schedules.c.community_id == communities.c.id,
            prompt_schedules.c.paused.is_(False),
            prompt_schedules.c.removed_at.is_(None),
        )

    async def communities_asking_mentors(self) -> list[CommunityKey]:
        return await self._communities_having(
            mentor_requests.c.community_id == communities.c.id,
            mentor_requests.c.status == RequestStatus.ASKING.value,
        )

    async def communities_with_matches(self) -> list[CommunityKey]:
        return await self._communities_having(
            matches.c.community_id == communities.c.id, matches.c.ended_at.is_(None)
        )

    async def communities_with_intros(self) -> list[CommunityKey]:
        return await self._communities_having(intro_programmes.c.community_id == communities.c.id)

    async def communities_with_setting(self, key: str) -> list[CommunityKey]:
        return await self._communities_having(
            community_settings.c.community_id == communities.c.id,
            community_settings.c.key == key,
            community_settings.c.value != "null",
        )

    async def _communities_having(self, *row: ColumnElement[bool]) -> list[CommunityKey]:
        """Communities with a row meeting `row`'s conditions: where a runner has work."""
        async with self.database.transaction() as db:
            rows = await db.execute(
                select(communities.c.platform, communities.c.external_id)
                .where(exists().where(*row))
                .order_by(communities.c.id)
            )
        return [CommunityKey(platform, external) for platform, external in rows.all()]

    async def communities_with_round_schedules(self) -> list[CommunityKey]:
        async with self.database.transaction() as db:
            rows = await db.execute(
                select(communities.c.platform, communities.c.external_id)
                .join(round_schedules, round_schedules.c.community_id == communities.c.id)
                .order_by(communities.c.id)
            )
        return [CommunityKey(platform, external) for platform, external in rows.all()]

    async def communities_with_due_sends(
        self, now: datetime, lease: timedelta, platform: str | None = None
    ) -> list[CommunityKey]:
        query = (
            select(communities.c.platform, communities.c.external_id)
            .where(exists().where(outbox.c.community_id == communities.c.id, due(now, lease)))
            .order_by(communities.c.id)
        )
        if platform is not None:
            query = query.where(communities.c.platform == platform)
        async with self.database.transaction() as db:
            rows = await db.execute(query)
        return [CommunityKey(platform, external) for platform, external in rows.all()]

    async def prune_sends(self, before: datetime) -> int:
        async with self.database.transaction() as db:
            pruned = await db.execute(
                delete(outbox).where(outbox.c.status.in_(FINISHED), outbox.c.finished_at < before)
            )
            await db.commit()
        return pruned.rowcount

    async def close(self) -> None:
        await self.database.dispose()

    # For whoever runs copbot (copbot/ops.py): over every community, no member's data.

    async def reachable(self) -> None:
        """Raises `DatabaseBusy` when the database doesn't answer a ping in time."""
        async with self.database.reading() as db:
            await db.scalar(text("SELECT 1"))

    async def outbox_backlog(self, now: datetime) -> list[Backlog]:
        """Per platform, the sends not finished yet and when the oldest one due fell due."""
        due_yet = case((outbox.c.due_at <= now, outbox.c.due_at))
        async with self.database.reading() as db:
            rows = await db.execute(
                select(communities.c.platform, func.count(), func.min(due_yet))
                .join(communities, communities.c.id == outbox.c.community_id)
                .where(outbox.c.status.in_((WAITING, SENDING)))
                .group_by(communities.c.platform)
            )
        return [Backlog(platform, waiting, oldest) for platform, waiting, oldest in rows.all()]

    def pool_use(self) -> PoolUse:
        return self.database.pool_use()

    async def scrub(self) -> None:
        await self.database.scrub(PERSONAL_TABLES)

    # Communities that removed copbot: storage/communities.py

    async def community_left(self, community: CommunityKey, now: datetime) -> None:
        await record_left(self.database, community, now)

    async def community_back(self, community: CommunityKey, now: datetime) -> bool:
        return await record_back(self.database, community, now)

    async def departure(self, community: CommunityKey) -> Departure:
        return await departure_of(self.database, community)

    async def communities_left_before(self, moment: datetime) -> list[CommunityKey]:
        return await communities_left_before(self.database, moment)

    async def communities_here(self, platform: str) -> list[str]:
        return await communities_here(self.database, platform)

    async def erase_community(
        self, community: CommunityKey, now: datetime, *, left_before: datetime | None = None
    ) -> bool:
        return await erase_community(self.database, community, now, left_before)


async def open_store(url: str, *, clock: Clock) -> SqlStore:
    """Connect and bring the schema up to date (migrations run at every start)."""
    database = open_database(url)
    await migrate(database)
    return SqlStore(database, clock=clock)
