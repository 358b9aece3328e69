"""Communities copbot left (a Discord guild removed it, a Slack workspace uninstalled it),
came back to, or erased: the dates on the community's row, and the erase itself.

The row outlives an erase: it holds no member data (a platform and its id, and these
dates), and every process may have its id cached (`SqlStore`), so a community that comes
back later keeps its id and starts empty.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from bot.kernel.messages import CommunityKey
from bot.kernel.personal import Departure
from storage.database import Database
from storage.library import SqlLibraryRepository
from storage.personal import SEARCH_INDEX
from storage.schema import communities, expertise_stale, metadata

EVERY_TABLE = (*metadata.tables, SEARCH_INDEX)
_c = communities.c
_PENDING = and_(_c.left_at.is_not(None), _c.back_at.is_(None), _c.erased_at.is_(None))


def _the(community: CommunityKey) -> Any:
    return and_(_c.platform == community.platform, _c.external_id == community.id)


async def record_left(database: Database, community: CommunityKey, now: datetime) -> None:
    async with database.transaction() as db:
        await db.execute(
            update(communities)
            .where(_the(community))
            .values(left_at=now, back_at=None, erased_at=None)  # about this departure only
        )
        await db.commit()


async def record_back(database: Database, community: CommunityKey, now: datetime) -> bool:
    """A read, and a write only when an erase was pending: this runs for every community
    an adapter sees copbot in."""
    async with database.transaction() as db:
        if await db.scalar(select(_c.id).where(_the(community), _PENDING)) is None:
            return False
        changed = await db.execute(
            update(communities).where(_the(community), _PENDING).values(back_at=now)
        )
        await db.commit()
    return bool(changed.rowcount)


async def departure_of(database: Database, community: CommunityKey) -> Departure:
    async with database.transaction() as db:
        found = await db.execute(
            select(_c.left_at, _c.back_at, _c.erased_at).where(_the(community))
        )
    return Departure(*found.rows[0]) if found.rows else Departure()


async def communities_left_before(database: Database, moment: datetime) -> list[CommunityKey]:
    async with database.transaction() as db:
        found = await db.execute(
            select(_c.platform, _c.external_id)
            .where(_PENDING, _c.left_at <= moment)
            .order_by(_c.id)
        )
    return [CommunityKey(platform, external) for platform, external in found.all()]


async def communities_here(database: Database, platform: str) -> list[str]:
    async with database.transaction() as db:
        found = await db.execute(
            select(_c.external_id)
            .where(_c.platform == platform, _c.erased_at.is_(None))
            .where(or_(_c.left_at.is_(None), _c.back_at.is_not(None)))
            .order_by(_c.id)
        )
    return list(found.scalars())


async def erase_community(
    database: Database, community: CommunityKey, now: datetime, left_before: datetime | None
) -> bool:
    """Every row of the community in every table, in one transaction whose first write
    claims it (so of two processes one erases, the other finds it done), then a scrub."""
    claim = [_the(community)]
    if left_before is not None:
        claim += [_PENDING, _c.left_at <= left_before]
    async with database.transaction() as db:
        claimed = await db.execute(
            update(communities).where(*claim).values(erased_at=now).returning(_c.id)
        )
        community_id = claimed.scalar()
        if community_id is None:
            return False
        await SqlLibraryRepository(db, community_id, community.platform).unindex_all()
        for table in reversed(metadata.sorted_tables):  # what refers to a row goes first
            if table is not communities:
                await db.execute(delete(table).where(table.c.community_id == community_id))
        # The deletes' triggers marked members stale again: nobody's left to derive.
        await db.execute(
            delete(expertise_stale).where(expertise_stale.c.community_id == community_id)
        )
        await db.commit()
    await database.scrub(EVERY_TABLE)
    return True
