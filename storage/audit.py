"""The audit log of one community: appended by the core, read by moderators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select

from bot.kernel.repositories import AuditEntry
from storage.database import Db
from storage.schema import audit_log, members


class SqlAuditRepository:
    def __init__(self, db: Db, community_id: int) -> None:
        self._db = db
        self._community_id = community_id

    async def add(self, member_id: int, what: str, detail: str, now: datetime) -> None:
        await self._db.execute(
            insert(audit_log).values(
                community_id=self._community_id,
                member_id=member_id,
                what=what,
                detail=detail,
                created_at=now,
            )
        )

    async def recent(
        self, limit: int | None, offset: int = 0, member_id: int | None = None
    ) -> list[AuditEntry]:
        query = select(audit_log).where(audit_log.c.community_id == self._community_id)
        if member_id is not None:
            query = query.where(audit_log.c.member_id == member_id)
        rows = await self._db.execute(
            query.order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
        )
        return [
            AuditEntry(row.id, row.member_id, row.what, row.detail, row.created_at)
            for row in rows.all()
        ]

    async def moderators(self, limit: int) -> list[int]:
        latest = func.max(audit_log.c.id)
        rows = await self._db.execute(
            select(audit_log.c.member_id)
            .join(
                members,
                (members.c.community_id == audit_log.c.community_id)
                & (members.c.id == audit_log.c.member_id),
            )
            .where(audit_log.c.community_id == self._community_id, members.c.erased_at.is_(None))
            .group_by(audit_log.c.member_id)
            .order_by(latest.desc())
            .limit(limit)
        )
        return rows.scalars()
