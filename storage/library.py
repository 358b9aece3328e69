"""The library, always within one community: records, votes, pins and the search index
(the search SQL itself is `storage.library_search`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    column,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)

from bot.kernel.messages import MessageRef
from bot.library.model import Found, Mirror, NewResource, Resource
from storage.database import Db
from storage.library_search import ranked_page, search_columns
from storage.schema import (
    insert_new,
    members,
    resource_mirrors,
    resource_tags,
    resource_votes,
    resources,
)

_saver = members.alias("saver")
_author = members.alias("writer")
# A resource's tags with their places, as a JSON list of [position, tag] pairs: read in
# the same statement as the resource (SQLite 3.40 has no ordered aggregate).
_TAGS: dict[bool, Any] = {
    sqlite: literal_column(
        f"(SELECT {pairs} FROM resource_tags t WHERE t.community_id = resources.community_id"
        " AND t.resource_id = resources.id)"
    ).label("tags")
    for sqlite, pairs in (
        (True, "json_group_array(json_array(t.position, t.tag))"),
        (False, "json_agg(json_build_array(t.position, t.tag))::text"),
    )
}


def _rows(sqlite: bool, *extra: Any) -> Any:
    """Resources with the names of who saved and who wrote them, and their tags."""
    return select(
        resources.c.id,
        resources.c.url,
        resources.c.title,
        resources.c.note,
        resources.c.saved_by,
        resources.c.votes,
        resources.c.created_at,
        _saver.c.display_name.label("saver_name"),
        _author.c.display_name.label("author_name"),
        _TAGS[sqlite],
        *extra,
    )


def _named(rows: Any) -> Any:
    return rows.outerjoin(
        _saver,
        and_(
            _saver.c.community_id == resources.c.community_id, _saver.c.id == resources.c.saved_by
        ),
    ).outerjoin(
        _author,
        and_(
            _author.c.community_id == resources.c.community_id, _author.c.id == resources.c.author
        ),
    )


class SqlLibraryRepository:
    def __init__(self, db: Db, community_id: int, platform: str) -> None:
        self._db = db
        self._community_id = community_id
        self._platform = platform
        self._sqlite = db.dialect == "sqlite"

    async def get(self, resource_id: int) -> Resource | None:
        found = await self._load([resource_id])
        return found[0] if found else None

    async def by_url(self, url: str) -> Resource | None:
        resource_id = await self._db.scalar(
            select(resources.c.id).where(self._mine(), resources.c.url == url)
        )
        return await self.get(resource_id) if resource_id is not None else None

    async def add(self, new: NewResource, now: datetime) -> Resource:
        resource_id = await self._db.scalar(
            insert(resources)
            .values(
                community_id=self._community_id,
                url=new.url,
                title=new.title,
                note=new.note,
                saved_by=new.saved_by,
                author=new.author,
                created_at=now,
                updated_at=now,
                **search_columns(new.title, new.tags, new.note),
            )
            .returning(resources.c.id)
        )
        assert resource_id is not None
        await self._write_tags(resource_id, new.tags)
        await self._index(resource_id, new.title, new.tags, new.note)
        found = await self.get(resource_id)
        assert found is not None
        return found

    async def update(self, resource: Resource, now: datetime) -> Resource:
        await self._db.execute(
            update(resources)
            .where(self._mine(), resources.c.id == resource.id)
            .values(
                title=resource.title,
                note=resource.note,
                updated_at=now,
                **search_columns(resource.title, resource.tags, resource.note),
            )
        )
        await self._write_tags(resource.id, resource.tags)
        await self._index(resource.id, resource.title, resource.tags, resource.note)
        return resource

    async def remove(self, resource_id: int) -> None:
        await self._db.execute(delete(resources).where(self._mine(), resources.c.id == resource_id))
        await self._unindex([resource_id])

    async def vote(self, resource_id: int, member_id: int, now: datetime) -> bool:
        added = await self._db.execute(
            insert_new(
                self._db.dialect, resource_votes, ["community_id", "resource_id", "member_id"]
            ).values(
                community_id=self._community_id,
                resource_id=resource_id,
                member_id=member_id,
                created_at=now,
            )
        )
        if added.rowcount != 1:
            return False
        await self._db.execute(
            update(resources)
            .where(self._mine(), resources.c.id == resource_id)
            .values(votes=resources.c.votes + 1)
        )
        return True

    async def unvote(self, resource_id: int, member_id: int) -> bool:
        removed = await self._db.execute(
            delete(resource_votes).where(
                resource_votes.c.community_id == self._community_id,
                resource_votes.c.resource_id == resource_id,
                resource_votes.c.member_id == member_id,
            )
        )
        if removed.rowcount != 1:
            return False
        await self._db.execute(
            update(resources)
            .where(self._mine(), resources.c.id == resource_id)
            .values(votes=resources.c.votes - 1)
        )
        return True

    async def search(self, words: list[str], tag: str | None, limit: int, offset: int) -> Found:
        """One statement: the page's place in the ranking and its total come from
        `ranked_page`, the rows and their tags from the same statement."""
        query, params = ranked_page(self._sqlite, self._community_id, words, tag, limit, offset)
        ranked = (
            text(query)
            .bindparams(**params)
            .columns(*(column(name, Integer) for name in ("id", "score", "votes", "total")))
            .subquery("ranked")
        )
        page = (
            _rows(self._sqlite, ranked.c.total)
            .select_from(_named(ranked.join(resources, resources.c.id == ranked.c.id)))
            .order_by(ranked.c.score.desc(), ranked.c.votes.desc(), ranked.c.id.desc())
        )
        rows = (await self._db.execute(page)).all()
        return Found([_resource(row) for row in rows], rows[0].total if rows else 0)

    async def browse(self, tag: str | None, top: bool, limit: int, offset: int) -> list[Resource]:
        query = select(resources.c.id).where(self._browsed(tag))
        order = (
            (resources.c.votes.desc(), resources.c.id.desc()) if top else (resources.c.id.desc(),)
        )
        ids = await self._db.execute(query.order_by(*order).limit(limit).offset(offset))
        return await self._load(list(ids.scalars()))

    async def count(self, tag: str | None) -> int:
        # A tag's count from its own index: a resource has each tag once. Checking every
        # resource for the tag instead took 140 ms at 100,000.
        counted = (
            select(func.count()).where(
                resource_tags.c.community_id == self._community_id, resource_tags.c.tag == tag
            )
            if tag
            else select(func.count()).where(self._mine())
        )
        return int(await self._db.scalar(counted) or 0)

    async def tag_counts(self, limit: int) -> list[tuple[str, int]]:
        count = func.count()
        rows = await self._db.execute(
            select(resource_tags.c.tag, count)
            .where(resource_tags.c.community_id == self._community_id)
            .group_by(resource_tags.c.tag)
            .order_by(count.desc(), resource_tags.c.tag)
            .limit(limit)
        )
        return [(tag, n) for tag, n in rows.all()]

    async def everything(self) -> list[Resource]:
        ids = await self._db.execute(
            select(resources.c.id).where(self._mine()).order_by(resources.c.id)
        )
        return await self._load(list(ids.scalars()))

    async def mirrors(self, channel_id: str) -> list[Mirror]:
        return await self._mirrors(resource_mirrors.c.channel_id == channel_id)

    async def mirrors_of(self, resource_id: int) -> list[Mirror]:
        return await self._mirrors(resource_mirrors.c.resource_id == resource_id)

    async def _mirrors(self, condition: Any) -> list[Mirror]:
        rows = await self._db.execute(
            select(resource_mirrors)
            .where(resource_mirrors.c.community_id == self._community_id, condition)
            .order_by(resource_mirrors.c.created_at, resource_mirrors.c.message_id)
        )
        return [
            Mirror(
                row.resource_id,
                MessageRef(self._platform, row.channel_id, row.message_id),
                row.created_at,
            )
            for row in rows.all()
        ]

    async def add_mirror(self, resource_id: int, ref: MessageRef, now: datetime) -> None:
        await self._db.execute(
            insert(resource_mirrors).values(
                community_id=self._community_id,
                channel_id=ref.channel_id,
                message_id=ref.message_id,
                resource_id=resource_id,
                created_at=now,
            )
        )

    async def remove_mirror(self, ref: MessageRef) -> None:
        await self._db.execute(
            delete(resource_mirrors).where(
                resource_mirrors.c.community_id == self._community_id,
                resource_mirrors.c.channel_id == ref.channel_id,
                resource_mirrors.c.message_id == ref.message_id,
            )
        )

    def _mine(self) -> Any:
        return resources.c.community_id == self._community_id

    def _browsed(self, tag: str | None) -> Any:
        return and_(self._mine(), self._tagged(tag)) if tag else self._mine()

    def _tagged(self, tag: str) -> Any:
        return exists().where(
            resource_tags.c.community_id == resources.c.community_id,
            resource_tags.c.resource_id == resources.c.id,
            resource_tags.c.tag == tag,
        )

    async def _load(self, ids: list[int]) -> list[Resource]:
        """Full records for `ids`, in that order, with their tags (one statement)."""
        if not ids:
            return []
        rows = await self._db.execute(
            _rows(self._sqlite)
            .select_from(_named(resources))
            .where(self._mine(), resources.c.id.in_(ids))
        )
        by_id = {row.id: _resource(row) for row in rows.all()}
        return [by_id[i] for i in ids if i in by_id]

    async def _write_tags(self, resource_id: int, tags: Sequence[str]) -> None:
        await self._db.execute(
            delete(resource_tags).where(
                resource_tags.c.community_id == self._community_id,
                resource_tags.c.resource_id == resource_id,
            )
        )
        if tags:
            await self._db.execute(
                insert(resource_tags),
                [
                    {
                        "community_id": self._community_id,
                        "resource_id": resource_id,
                        "tag": tag,
                        "position": position,
                    }
                    for position, tag in enumerate(tags)
                ],
            )

    async def _index(self, resource_id: int, title: str, tags: Sequence[str], note: str) -> None:
        """SQLite's FTS5 copy; PostgreSQL's tsvector is a generated column."""
        if not self._sqlite:
            return
        await self._unindex([resource_id])
        columns = search_columns(title, tags, note)
        await self._db.execute(
            text(
                "INSERT INTO resource_search (rowid, scope, title, tags, note) "
                "VALUES (:id, :scope, :title, :tags, :note)"
            ),
            {
                "id": resource_id,
                "scope": f"c{self._community_id}",
                "title": columns["search_title"],
                "tags": columns["search_tags"],
                "note": columns["search_note"],
            },
        )

    async def _unindex(self, ids: list[int]) -> None:
        if self._sqlite and ids:
            await self._db.execute(
                text("DELETE FROM resource_search WHERE rowid = :id"), [{"id": i} for i in ids]
            )

    async def unindex_all(self) -> None:
        """Drop the community's entries from SQLite's FTS5 copy (erasing the community)."""
        if self._sqlite:
            await self._db.execute(
                text(
                    "DELETE FROM resource_search WHERE rowid IN "
                    "(SELECT id FROM resources WHERE community_id = :cid)"
                ),
                {"cid": self._community_id},
            )


def _resource(row: Any) -> Resource:
    tags = [tag for _, tag in sorted(json.loads(row.tags or "[]"))]
    return Resource(
        id=row.id,
        url=row.url,
        title=row.title,
        note=row.note,
        tags=tuple(tags),
        created_at=row.created_at,
        votes=row.votes,
        saved_by=row.saved_by,
        saved_by_name=row.saver_name,
        author_name=row.author_name,
    )
