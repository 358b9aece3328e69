"""The library, always within one community, searched the same way on both engines.

Ranking is copbot's own and portable: every query word must match (as a prefix) in the
title, tags or note; resources with every word in the title come first, then in the tags,
then in the note; ties go to votes, then to the newest. SQLite answers the word matches
from an FTS5 table, PostgreSQL from a weighted tsvector with a GIN index; both index the
words `bot.library.search` produced, so both match and order alike (see `ranked_search`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, select, text, update

from bot.kernel.messages import MessageRef
from bot.library.model import Mirror, NewResource, Resource
from bot.library.search import search_text
from bot.library.search import words as search_words
from storage.database import Db
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
_ROWS = select(
    resources.c.id,
    resources.c.url,
    resources.c.title,
    resources.c.note,
    resources.c.saved_by,
    resources.c.votes,
    resources.c.created_at,
    _saver.c.display_name.label("saver_name"),
    _author.c.display_name.label("author_name"),
).select_from(
    resources.outerjoin(
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
)
_WEIGHTS = (("title", "A", 4), ("tags", "B", 2), ("note", "C", 1))
CANDIDATES = 500  # newest matches per field that a search ranks


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
                **_search_columns(new.title, new.tags, new.note),
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
                **_search_columns(resource.title, resource.tags, resource.note),
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

    async def search(
        self, words: list[str], tag: str | None, limit: int, offset: int
    ) -> list[Resource]:
        query, params = ranked_search(self._sqlite, self._community_id, words, tag, limit, offset)
        ids = (await self._db.execute(text(query), params)).scalars()
        return await self._load(list(ids))

    async def search_count(self, words: list[str], tag: str | None) -> int:
        candidates, params = search_candidates(self._sqlite, self._community_id, words, tag)
        query = f"WITH c AS ({candidates}) SELECT count(*) FROM c"
        return int(await self._db.scalar(text(query), params) or 0)

    async def browse(self, tag: str | None, top: bool, limit: int, offset: int) -> list[Resource]:
        query = select(resources.c.id).where(self._browsed(tag))
        order = (
            (resources.c.votes.desc(), resources.c.id.desc()) if top else (resources.c.id.desc(),)
        )
        ids = await self._db.execute(query.order_by(*order).limit(limit).offset(offset))
        return await self._load(list(ids.scalars()))

    async def count(self, tag: str | None) -> int:
        return int(await self._db.scalar(select(func.count()).where(self._browsed(tag))) or 0)

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
        """Full records for `ids`, in that order, with their tags (two queries in all)."""
        if not ids:
            return []
        rows = (await self._db.execute(_ROWS.where(self._mine(), resources.c.id.in_(ids)))).all()
        tags: dict[int, list[str]] = {}
        tag_rows = await self._db.execute(
            select(resource_tags.c.resource_id, resource_tags.c.tag)
            .where(
                resource_tags.c.community_id == self._community_id,
                resource_tags.c.resource_id.in_(ids),
            )
            .order_by(resource_tags.c.resource_id, resource_tags.c.position)
        )
        for resource_id, tag in tag_rows.all():
            tags.setdefault(resource_id, []).append(tag)
        by_id = {row.id: _resource(row, tags.get(row.id, [])) for row in rows}
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
        columns = _search_columns(title, tags, note)
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


def ranked_search(
    sqlite: bool, community_id: int, words: list[str], tag: str | None, limit: int, offset: int
) -> tuple[str, dict[str, Any]]:
    """The ranked ids query (SQL with :named parameters) for one engine.

    The candidates (`search_candidates`) are scored by the same LIKE tests on the indexed
    words on both engines. Broad queries (a word in half the library) thus rank among
    recent matches, and stay fast.
    """
    candidates, params = search_candidates(sqlite, community_id, words, tag)
    params |= {"limit": limit, "offset": offset}
    score = []
    for field, _, points in _WEIGHTS:
        tests = []
        for n, word in enumerate(words):
            params[f"{field}{n}"] = f"% {word}%" if len(word) > 1 else f"% {word} %"
            tests.append(f"(' ' || r.search_{field} || ' ') LIKE :{field}{n}")
        score.append(f"CASE WHEN {' AND '.join(tests)} THEN {points} ELSE 0 END")
    # PostgreSQL's planner would hash-join the few candidates against a scan of the whole
    # table; as an id array they are fetched by primary key.
    scored = (
        "c JOIN resources r ON r.id = c.id"
        if sqlite
        else ("resources r WHERE r.id = ANY(ARRAY(SELECT id FROM c))")
    )
    query = (
        f"WITH c AS ({candidates}) SELECT r.id FROM {scored} "
        f"ORDER BY ({' + '.join(score)}) DESC, r.votes DESC, r.id DESC "
        "LIMIT :limit OFFSET :offset"
    )
    return query, params


def search_candidates(
    sqlite: bool, community_id: int, words: list[str], tag: str | None
) -> tuple[str, dict[str, Any]]:
    """The ids a search ranks (SQL with :named parameters): the newest `CANDIDATES` matches
    of the title, of the tags, of the note and of all three, which each engine's index
    finds without reading every match."""
    params: dict[str, Any] = {"cid": community_id}
    tagged, fts_tag, ts_tag = "", "", ""
    if tag:
        # The index narrows to the tag's words; EXISTS then insists on the exact tag.
        params["tag"] = tag
        tagged = (
            " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.community_id = :cid "
            "AND t.resource_id = {id} AND t.tag = :tag)"
        )
        fts_tag = ' AND tags : ("' + " ".join(search_words(tag)) + '")'
        ts_tag = " & (" + " <-> ".join(f"{w}:B" for w in search_words(tag)) + ")"
    candidates = []
    for field, weight, _ in (*_WEIGHTS, ("all", "", 0)):
        if sqlite:
            columns = "{title tags note}" if field == "all" else field
            params[field] = f"scope : c{community_id} AND " + _fts_terms(words, columns) + fts_tag
            candidates.append(
                f"SELECT * FROM (SELECT rowid AS id FROM resource_search WHERE resource_search "
                f"MATCH :{field}{tagged.format(id='resource_search.rowid')} "
                f"ORDER BY rowid DESC LIMIT {CANDIDATES})"
            )
        else:
            params[field] = _ts_terms(words, weight) + ts_tag
            candidates.append(
                f"(SELECT id FROM resources WHERE community_id = :cid AND search @@ "
                f"to_tsquery('simple', :{field}){tagged.format(id='resources.id')} "
                f"ORDER BY id DESC LIMIT {CANDIDATES})"
            )
    return " UNION ".join(candidates), params


def _search_columns(title: str, tags: Sequence[str], note: str) -> dict[str, str]:
    return {
        "search_title": search_text(title),
        "search_tags": search_text(" ".join(tags)),
        "search_note": search_text(note),
    }


def _fts_terms(words: list[str], columns: str) -> str:
    """FTS5 syntax built only from plain words (`bot.library.search`), never from raw input."""
    terms = " AND ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in words)
    return f"{columns} : ({terms})"


def _ts_terms(words: list[str], weight: str) -> str:
    """A tsquery built only from plain words; `weight` limits it to one field."""
    return " & ".join(
        f"{w}:*{weight}" if len(w) > 1 else f"{w}:{weight}" if weight else w for w in words
    )


def _resource(row: Any, tags: list[str]) -> Resource:
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
