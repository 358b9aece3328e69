"""Search ranks alike on SQLite and PostgreSQL: one fixture, the same answers from both."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.library.model import NewResource
from bot.library.search import query_words
from storage.store import SqlStore, open_store
from tests.fakes import HOME, START, ManualClock

FIXTURE = [
    ("https://a.org", "Postgres indexing in depth", ("postgresql", "performance"), "B-trees"),
    ("https://b.org", "Python for data people", ("python", "data"), "pandas and friends"),
    ("https://c.org", "Écrire du SQL lisible", ("sql",), "Naming, CTEs, formatting"),
    ("https://d.org", "Node.js streams", ("node.js", "javascript"), "backpressure explained"),
    ("https://e.org", "C++ move semantics", ("c++",), "rvalues; std::move"),
    ("https://f.org", "Data pipelines with Python", ("python", "etl"), "Airflow, Dagster"),
    ("https://g.org", "Indexes: the missing manual", ("sql", "postgresql"), "covering indexes"),
    ("https://h.org", "Kubernetes for developers", ("kubernetes",), "pods, python services"),
    ("https://i.org", "Pair programming", ("practice",), "postgres team retro notes"),
    ("https://j.org", "日本語の資料", ("japanese",), "リソース"),
    ("https://k.org", "Python 3.13 what's new", ("python",), "free-threading"),
    ("https://l.org", "Python packaging 2024", ("python", "packaging"), "pyproject, uv"),
]
VOTES = {2: 3, 6: 1, 11: 2}
QUERIES = [
    ("python", None),
    ("pyth", None),
    ("python data", None),
    ("postgres", None),
    ("index", "sql"),
    ("ecrire", None),
    ("c", None),
    ("node js", None),
    ("3", None),
    ("日本語の資料", None),
    ("python", "etl"),
    ("retro", None),
    ("nothing here", None),
    ("streams", "node.js"),
    ("streams", "node"),
    ("python", "py"),
]


async def load(store: SqlStore) -> None:
    clock = ManualClock()
    async with store.unit_of_work(HOME) as uow:
        saver = await uow.members.add("curator", "Curator", None, START)
        voters = [await uow.members.add(f"v{i}", f"V{i}", None, START) for i in range(3)]
        for n, (url, title, tags, note) in enumerate(FIXTURE):
            clock.advance(timedelta(minutes=n))
            await uow.library.add(NewResource(url, title, note, tags, saver.id), clock.now())
        for resource_id, count in VOTES.items():
            for voter in voters[:count]:
                await uow.library.vote(resource_id, voter.id, START)
        await uow.commit()


async def answers(url: str) -> list[list[int]]:
    store = await open_store(url, clock=ManualClock())
    try:
        await load(store)
        async with store.unit_of_work(HOME) as uow:
            found = []
            for q, tag in QUERIES:
                page = await uow.library.search(query_words(q), tag, 20, 0)
                ids = [r.id for r in page.resources]
                assert page.total == len(ids), q
                found.append(ids)
            assert await uow.library.count("python") == 4
            assert await uow.library.count(None) == len(FIXTURE)
            return found
    finally:
        await store.close()


@pytest.mark.postgres
async def test_both_engines_find_and_order_the_same(sqlite_url: str, postgres_url: str) -> None:
    on_sqlite = await answers(sqlite_url)
    assert on_sqlite == await answers(postgres_url)
    by_query = dict(zip(QUERIES, on_sqlite, strict=True))
    # Title matches first (by votes, then newest), then tags, then notes.
    assert by_query[("python", None)] == [2, 11, 6, 12, 8]
    assert by_query[("pyth", None)] == by_query[("python", None)]
    assert by_query[("postgres", None)] == [1, 7, 9]
    assert by_query[("index", "sql")] == [7]
    assert by_query[("ecrire", None)] == [3]
    assert by_query[("c", None)] == [5]
    assert by_query[("nothing here", None)] == []
    assert by_query[("streams", "node.js")] == [4]
    assert by_query[("streams", "node")] == []  # a tag filter is exact
