"""Per-community settings: small JSON values by key."""

from __future__ import annotations

import json

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.database import Db
from storage.schema import community_settings

_GET = select(community_settings.c.value).where(
    community_settings.c.community_id == bindparam("cid"),
    community_settings.c.key == bindparam("key"),
)


class SqlSettingsRepository:
    def __init__(self, db: Db, community_id: int) -> None:
        self._db = db
        self._community_id = community_id

    async def get(self, key: str) -> object | None:
        value = await self._db.scalar(_GET, {"cid": self._community_id, "key": key})
        return None if value is None else json.loads(value)

    async def put(self, key: str, value: object) -> None:
        """An upsert: two processes writing one key at once both succeed, the last wins."""
        dialect = postgresql if self._db.dialect == "postgresql" else sqlite
        statement = dialect.insert(community_settings).values(
            community_id=self._community_id, key=key, value=json.dumps(value)
        )
        self._db.later(
            statement.on_conflict_do_update(
                index_elements=["community_id", "key"], set_={"value": statement.excluded.value}
            )
        )
