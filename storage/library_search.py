"""The library's search SQL, one statement per page on each engine.

Ranking is copbot's own and portable: every query word must match (as a prefix) in the
title, tags or note; resources with every word in the title come first, then in the tags,
then in the note; ties go to votes, then to the newest. SQLite finds the word matches in
an FTS5 table, PostgreSQL in one tsvector per field (GIN indexes, migration 0014); both
index the words `bot.library.search` produced, so both match and order alike.

A search ranks candidates, not every match: the newest `CANDIDATES` matches of the title,
of the tags, of the note and of all three, which each index finds without reading every
match of a word found in half the library. The page, its position and how many candidates
there are come from one statement (`ranked_page`), so a search is one round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.library.search import search_text
from bot.library.search import words as search_words

_FIELDS = (("title", 4), ("tags", 2), ("note", 1))
CANDIDATES = 500  # newest matches per field that a search ranks
RECENT = 5000  # ids PostgreSQL reads backwards before it asks the index for every match


def ranked_page(
    sqlite: bool, community_id: int, words: list[str], tag: str | None, limit: int, offset: int
) -> tuple[str, dict[str, Any]]:
    """SQL (with :named parameters) for the `id`, `score` and `votes` of one page, best
    first, and `total`: how many candidates were ranked.

    The candidates are scored by the same LIKE tests on the indexed words on both engines;
    they are found once and counted where they are ranked.
    """
    candidates, params = search_candidates(sqlite, community_id, words, tag)
    params |= {"limit": limit, "offset": offset}
    score = []
    for field, points in _FIELDS:
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
        else "resources r WHERE r.id = ANY(ARRAY(SELECT id FROM c))"
    )
    query = (
        f"WITH c AS ({candidates}) SELECT r.id, {' + '.join(score)} AS score, r.votes, "
        f"(SELECT count(*) FROM c) AS total FROM {scored} "
        "ORDER BY score DESC, r.votes DESC, r.id DESC LIMIT :limit OFFSET :offset"
    )
    return query, params


def search_candidates(
    sqlite: bool, community_id: int, words: list[str], tag: str | None
) -> tuple[str, dict[str, Any]]:
    """The ids a search ranks (SQL with :named parameters).

    One word needs no "all three" part: a resource among the newest matches anywhere
    matches some field, and fewer of that field's matches than of all matches are newer,
    so it is already among that field's newest."""
    fields = [field for field, _ in _FIELDS] + (["all"] if len(words) > 1 else [])
    # SQLite's index reads one community's words only (`scope`); the tag test reads rows.
    params: dict[str, Any] = {"cid": community_id} if tag or not sqlite else {}
    if tag:
        params["tag"] = tag
    parts = []
    for field in fields:
        if sqlite:
            parts.append(_fts_part(params, community_id, field, words, tag))
        else:
            parts.append(_ts_part(params, field, words, tag))
    return " UNION ".join(parts), params


def _tagged(resource_id: str) -> str:
    """The exact tag: the index only narrows to the tag's words."""
    return (
        " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.community_id = :cid "
        f"AND t.resource_id = {resource_id} AND t.tag = :tag)"
    )


def _fts_part(
    params: dict[str, Any], community_id: int, field: str, words: list[str], tag: str | None
) -> str:
    columns = "{title tags note}" if field == "all" else field
    match = f"scope : c{community_id} AND {_fts_terms(words, columns)}"
    if tag:
        match += ' AND tags : ("' + " ".join(search_words(tag)) + '")'
    params[field] = match
    tagged = _tagged("resource_search.rowid") if tag else ""
    return (
        f"SELECT * FROM (SELECT rowid AS id FROM resource_search WHERE resource_search "
        f"MATCH :{field}{tagged} ORDER BY rowid DESC LIMIT {CANDIDATES})"
    )


def _ts_part(params: dict[str, Any], field: str, words: list[str], tag: str | None) -> str:
    """The newest matches of one field, read the cheaper of two ways, both exact: backwards
    through the newest `RECENT` ids, which ends as soon as enough match (a common word);
    otherwise every match from the field's GIN index, sorted (a rarer word, so few). The
    planner can't tell which a prefix needs; left to it, a word rare in one field had it
    scan the whole table backwards."""
    params["terms"] = _ts_terms(words)
    tagged = ""
    if tag:
        params["tag_words"] = " <-> ".join(search_words(tag))
        tagged = " AND tags_terms @@ to_tsquery('simple', :tag_words)" + _tagged("resources.id")
    column = "search" if field == "all" else f"{field}_terms"
    matching = f"community_id = :cid AND {column} @@ to_tsquery('simple', :terms){tagged}"
    newest = f"(SELECT max(id) FROM resources WHERE community_id = :cid) - {RECENT}"
    return (
        f"(WITH recent AS MATERIALIZED (SELECT id FROM resources WHERE {matching} "
        f"AND id > {newest} ORDER BY id DESC LIMIT {CANDIDATES}) "
        "SELECT id FROM recent UNION ALL SELECT id FROM ("
        # `id + 0`: no walk of the primary key, which is what `recent` already did
        f"SELECT id FROM resources WHERE {matching} ORDER BY id + 0 DESC LIMIT {CANDIDATES}"
        f") AS older WHERE (SELECT count(*) FROM recent) < {CANDIDATES})"
    )


def search_columns(title: str, tags: Sequence[str], note: str) -> dict[str, str]:
    """The indexed words of a resource, as `resources` keeps them."""
    return {
        "search_title": search_text(title),
        "search_tags": search_text(" ".join(tags)),
        "search_note": search_text(note),
    }


def _fts_terms(words: list[str], columns: str) -> str:
    """FTS5 syntax built only from plain words (`bot.library.search`), never from raw input."""
    terms = " AND ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in words)
    return f"{columns} : ({terms})"


def _ts_terms(words: list[str]) -> str:
    """A tsquery built only from plain words."""
    return " & ".join(f"{w}:*" if len(w) > 1 else w for w in words)
