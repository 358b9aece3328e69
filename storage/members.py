"""Members and their profile tags, always within one community."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, insert, select, update

from bot.common.errors import StaleWrite
from bot.common.offload import off_loop
from bot.kernel.members import Locale, Member
from bot.kernel.messages import MessageRef
from storage.database import Db
from storage.schema import insert_new, member_inboxes, member_tags, members, mentor_avoid

ERASED_NAME = "Former member"
_TAG_KINDS = {"skill": "skills", "interest": "interests", "language": "languages"}
_WITH_TAGS = select(members, member_tags.c.kind, member_tags.c.tag).outerjoin(
    member_tags,
    and_(
        member_tags.c.community_id == members.c.community_id,
        member_tags.c.member_id == members.c.id,
    ),
)
# The hottest query, built once: every command reads its member.
_BY_USER = _WITH_TAGS.where(
    members.c.community_id == bindparam("cid"), members.c.user_id == bindparam("user_id")
).order_by(member_tags.c.kind, member_tags.c.position)
_BY_ID = _WITH_TAGS.where(members.c.community_id == bindparam("cid")).order_by(
    members.c.id, member_tags.c.kind, member_tags.c.position
)
_LOCALES = (
    select(members.c.id, members.c.timezone, member_tags.c.tag)
    .outerjoin(
        member_tags,
        and_(
            member_tags.c.community_id == members.c.community_id,
            member_tags.c.member_id == members.c.id,
            member_tags.c.kind == "language",
        ),
    )
    .where(members.c.community_id == bindparam("cid"))
    .order_by(members.c.id, member_tags.c.position)
)
_DELETE_TAGS = delete(member_tags).where(
    member_tags.c.community_id == bindparam("cid"),
    member_tags.c.member_id == bindparam("member_id"),
)
_INSERT_TAGS = insert(member_tags)
# A profile save, built once; the version it was read at guards against a lost update.
_SAVE = (
    update(members)
    .where(
        members.c.community_id == bindparam("cid"),
        members.c.id == bindparam("member_id"),
        members.c.version == bindparam("read_version"),
    )
    .values(version=members.c.version + 1)
)


class SqlMemberRepository:
    def __init__(self, db: Db, community_id: int, platform: str) -> None:
        self._db = db
        self._community_id = community_id
        self._platform = platform
        # The tags each member had when this unit of work read them: a save that leaves
        # them as they were rewrites none (the version check proves nobody changed them).
        self._tags_read: dict[int, tuple[tuple[str, ...], ...]] = {}

    def _read(self, member: Member) -> Member:
        self._tags_read[member.id] = _tags(member)
        return member

    async def by_user(self, user_id: str) -> Member | None:
        found = await self._db.execute(_BY_USER, {"cid": self._community_id, "user_id": user_id})
        return self._read(_member(found.all())) if found.rows else None

    async def add(
        self, user_id: str, display_name: str, timezone: str | None, now: datetime
    ) -> Member:
        values = {
            "community_id": self._community_id,
            "user_id": user_id,
            "display_name": display_name,
            "timezone": timezone,
            "created_at": now,
            "updated_at": now,
        }
        statement = insert_new(self._db.dialect, members, ["community_id", "user_id"]).values(
            values
        )
        added = await self._db.execute(statement.returning(members.c.id))
        member_id = added.scalar()
        if member_id is None:  # their first two commands raced; the other one added them
            found = await self.by_user(user_id)
            assert found is not None
            return found
        await self._recognise(member_id, user_id)
        return self._read(Member(member_id, user_id, display_name, now, now, timezone=timezone))

    async def _recognise(self, member_id: int, user_id: str) -> None:
        """Someone who erased their data came back: others' confidential don't-match lists
        that named them (by `returning_key` since the erase) name them again."""
        await self._db.execute(
            update(mentor_avoid)
            .where(
                mentor_avoid.c.community_id == self._community_id,
                mentor_avoid.c.other_key == returning_key(self._community_id, user_id),
            )
            .values(other_id=member_id, other_key=None)
        )

    async def save(self, member: Member, now: datetime) -> Member:
        changed = await self._db.execute(
            _SAVE,
            {
                "cid": self._community_id,
                "member_id": member.id,
                "read_version": member.version,
                "display_name": member.display_name,
                "timezone": member.timezone,
                "bio": member.bio,
                "listed": member.listed,
                "updated_at": now,
            },
        )
        if changed.rowcount != 1:
            raise StaleWrite()
        if self._tags_read.get(member.id) != _tags(member):
            self._replace_tags(member)
        return replace(member, version=member.version + 1, updated_at=now)

    async def erase(self, member: Member, now: datetime) -> None:
        """Drop everything personal, keep the row so others' records still point somewhere
        (the profile's part of `/privacy erase`, storage/personal.py)."""
        await self._db.execute(
            update(members)
            .where(members.c.community_id == self._community_id, members.c.id == member.id)
            .values(
                user_id=f"erased:{member.id}",
                display_name=ERASED_NAME,
                timezone=None,
                bio="",
                listed=None,
                version=members.c.version + 1,
                updated_at=now,
                erased_at=now,
            )
        )
        self._replace_tags(replace(member, skills=(), interests=(), languages=()))

    async def by_ids(self, member_ids: Sequence[int]) -> dict[int, Member]:
        found: dict[int, Member] = {}
        wanted = sorted(set(member_ids))
        for start in range(0, len(wanted), 500):
            query = _BY_ID.where(members.c.id.in_(wanted[start : start + 500]))
            rows = (await self._db.execute(query, {"cid": self._community_id})).all()
            found.update(await off_loop(partial(self._members, rows), len(rows)))
        return found

    async def locales(self, member_ids: Sequence[int]) -> dict[int, Locale]:
        found: dict[int, tuple[str | None, list[str]]] = {}
        wanted = sorted(set(member_ids))
        for start in range(0, len(wanted), 500):
            query = _LOCALES.where(members.c.id.in_(wanted[start : start + 500]))
            for member_id, timezone, language in (
                await self._db.execute(query, {"cid": self._community_id})
            ).all():
                languages = found.setdefault(member_id, (timezone, []))[1]
                if language is not None:
                    languages.append(language)
        return {m: Locale(timezone, tuple(spoken)) for m, (timezone, spoken) in found.items()}

    def _members(self, rows: Sequence[Row[Any]]) -> dict[int, Member]:
        """Members from their rows (one per tag), read for a later save."""
        by_member: dict[int, list[Row[Any]]] = {}
        for row in rows:
            by_member.setdefault(row.id, []).append(row)
        return {key: self._read(_member(found)) for key, found in by_member.items()}

    async def inbox(self, member_id: int) -> MessageRef | None:
        rows = await self._db.execute(
            select(member_inboxes.c.channel_id, member_inboxes.c.thread_id).where(
                member_inboxes.c.community_id == self._community_id,
                member_inboxes.c.member_id == member_id,
            )
        )
        found = rows.rows[0] if rows.rows else None
        return None if found is None else MessageRef(self._platform, found[0], "", found[1])

    async def set_inbox(self, member_id: int, space: MessageRef) -> None:
        await self._db.execute(
            insert_new(self._db.dialect, member_inboxes, ["community_id", "member_id"]).values(
                community_id=self._community_id,
                member_id=member_id,
                channel_id=space.channel_id,
                thread_id=space.thread_id,
            )
        )

    async def tags_in_use(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        users = func.count(member_tags.c.member_id.distinct())
        query = (
            select(member_tags.c.tag, users)
            .where(
                member_tags.c.community_id == self._community_id,
                member_tags.c.kind.in_(("skill", "interest")),
                member_tags.c.tag.startswith(prefix, autoescape=True),
            )
            .group_by(member_tags.c.tag)
            .order_by(users.desc(), member_tags.c.tag)
            .limit(limit)
        )
        return [(tag, count) for tag, count in (await self._db.execute(query)).all()]

    def _replace_tags(self, member: Member) -> None:
        self._tags_read[member.id] = _tags(member)
        self._db.later(_DELETE_TAGS, {"cid": self._community_id, "member_id": member.id})
        rows = [
            {
                "community_id": self._community_id,
                "member_id": member.id,
                "kind": kind,
                "tag": tag,
                "position": position,
            }
            for kind, attribute in _TAG_KINDS.items()
            for position, tag in enumerate(getattr(member, attribute))
        ]
        if rows:
            self._db.later(_INSERT_TAGS, rows)


def returning_key(community_id: int, user_id: str) -> str:
    """What others' records keep of an erased member's platform id: a one-way hash, which
    recognises them if they come back but can't be turned back into the id (though anyone
    with the database and a list of the community's ids could test each one)."""
    return hashlib.sha256(f"copbot:{community_id}:{user_id}".encode()).hexdigest()


def _tags(member: Member) -> tuple[tuple[str, ...], ...]:
    return (member.skills, member.interests, member.languages)


def _member(rows: Sequence[Row[Any]]) -> Member:
    first = rows[0]
    tags: dict[str, list[str]] = {attribute: [] for attribute in _TAG_KINDS.values()}
    for row in rows:
        if row.kind is not None:
            tags[_TAG_KINDS[row.kind]].append(row.tag)
    return Member(
        id=first.id,
        user_id=first.user_id,
        display_name=first.display_name,
        created_at=first.created_at,
        updated_at=first.updated_at,
        version=first.version,
        timezone=first.timezone,
        bio=first.bio,
        skills=tuple(tags["skills"]),
        interests=tuple(tags["interests"]),
        languages=tuple(tags["languages"]),
        listed=first.listed,
    )
