"""Searches that found nothing (bot.kernel.gaps): one counter per community, topic, week and
kind, upserted so that two processes counting at once both count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from bot.kernel.gaps import Missed, gap_topic, week_of
from storage.database import Db
from storage.schema import search_gaps


class SqlGapRepository:
    def __init__(self, db: Db, community_id: int) -> None:
        self._db = db
        self._community_id = community_id

    async def missed(self, kind: Missed, topic: str, now: datetime) -> None:
        if not (topic := gap_topic(topic)):
            return
        dialect = postgresql if self._db.dialect == "postgresql" else sqlite
        statement = dialect.insert(search_gaps).values(
            community_id=self._community_id,
            topic=topic,
            week=week_of(now),
            kind=kind.value,
            misses=1,
        )
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=["community_id", "topic", "week", "kind"],
                set_={"misses": search_gaps.c.misses + 1},
            )
        )
