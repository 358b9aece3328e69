"""Web sign-in's storage: links and sessions of one community, by their digest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update

from bot.web.model import Holder, Pass, PassKind
from storage.database import Db
from storage.schema import members, web_passes

c = web_passes.c


def _pass(row: Any) -> Pass:
    return Pass(row.member_id, PassKind(row.kind), row.moderator, row.created_at, row.expires_at)


class SqlWebRepository:
    def __init__(self, db: Db, community_id: int) -> None:
        self._db = db
        self._community_id = community_id

    def _mine(self) -> Any:
        return c.community_id == self._community_id

    async def add(self, digest: str, granted: Pass) -> None:
        await self._db.execute(
            insert(web_passes).values(
                community_id=self._community_id,
                member_id=granted.member_id,
                kind=granted.kind.value,
                digest=digest,
                moderator=granted.moderator,
                created_at=granted.created_at,
                expires_at=granted.expires_at,
            )
        )

    async def made_since(self, member_id: int, kind: PassKind, since: datetime) -> int:
        count: int = await self._db.scalar(
            select(func.count()).where(
                self._mine(), c.member_id == member_id, c.kind == kind.value, c.created_at > since
            )
        )
        return count

    async def use_link(self, digest: str, now: datetime) -> Pass | None:
        found = await self._db.execute(
            update(web_passes)
            .where(
                self._mine(),
                c.digest == digest,
                c.kind == PassKind.LINK.value,
                c.used_at.is_(None),
                c.expires_at > now,
            )
            .values(used_at=now)
            .returning(c.member_id, c.kind, c.moderator, c.created_at, c.expires_at)
        )
        rows = found.all()
        return _pass(rows[0]) if rows else None

    async def session(self, digest: str, now: datetime) -> Holder | None:
        found = await self._db.execute(
            select(c.member_id, members.c.user_id, members.c.display_name, c.moderator)
            .join(
                members,
                (members.c.community_id == c.community_id) & (members.c.id == c.member_id),
            )
            .where(
                self._mine(),
                c.digest == digest,
                c.kind == PassKind.SESSION.value,
                c.expires_at > now,
                members.c.erased_at.is_(None),
            )
        )
        rows = found.all()
        return Holder(*rows[0]) if rows else None

    async def opens_moderator_pages(self, member_id: int) -> bool:
        found = await self._db.scalar(
            select(exists().where(self._mine(), c.member_id == member_id, c.moderator.is_(True)))
        )
        return bool(found)

    async def no_longer_moderator(self, member_id: int) -> int:
        done = await self._db.execute(
            update(web_passes)
            .where(self._mine(), c.member_id == member_id, c.moderator.is_(True))
            .values(moderator=False)
        )
        return done.rowcount

    async def end(self, digest: str) -> None:
        await self._db.execute(delete(web_passes).where(self._mine(), c.digest == digest))
