"""The traffic of the end-to-end benchmarks: what the members of a community with a large
library do in a day, one mix that the Discord and the Slack bench both send.

Why a mix of its own: a bench of mostly `/help` over a few hundred resources times the
adapter and little else. Here most commands search, page through, save or vote on a library
of `RESOURCES` resources (bench.library's synthetic library and loader, loaded before the
timed part), and the rest read and change profiles and ask for mentors in the community of
the matching round that runs alongside; `/help` is a small share.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from rich.table import Table

from bench.library import TOPICS, WORDS, load, query_mix, synthetic
from bot.kernel.messages import CommunityKey
from bot.library.search import query_words
from storage.store import SqlStore

RESOURCES = 100_000
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Africa/Lagos")
MENTOR_TOPICS = 12  # the most asked topics of bench.matching's community (`t0`, `t1`, ...)


@dataclass(frozen=True)
class Step:
    """One member's move: the command `path` with `options`, or, when `press` is given, a
    press of one of copbot's buttons (`path` is then the core's action id and `press` its
    value). `user` and `other` (a member the command names) index the bench's members."""

    user: int
    path: str
    options: Mapping[str, str | int] = field(default_factory=dict)
    press: str | None = None
    other: int | None = None


def _search(rng: random.Random, user: int, members: int) -> Step:
    query, tag, offset = query_mix(1, rng)[0]  # bench.library's shapes of search
    if offset:  # its later pages, as the member presses "Next"
        return _page(user, query, tag, offset)
    return Step(user, "library search", {"query": query, **({"tag": tag} if tag else {})})


def _page(user: int, query: str, tag: str | None, offset: int) -> Step:
    return Step(
        user, "library.search", press=f"{offset}|{tag or ''}|{' '.join(query_words(query))}"
    )


def _next_page(rng: random.Random, user: int, members: int) -> Step:
    tag = rng.choice((None, rng.choice(TOPICS[:10])))
    return _page(user, rng.choice(TOPICS[:8] + WORDS), tag, rng.choice((5, 10, 15)))


def _save(rng: random.Random, user: int, members: int) -> Step:
    """A new link three times in four, else one the library holds (its tags merge)."""
    tags = ", ".join(rng.sample(TOPICS, rng.randint(1, 3)))
    n = rng.randrange(RESOURCES) if rng.random() < 0.25 else RESOURCES + rng.randrange(10**9)
    title = f"{rng.choice(WORDS).capitalize()} with {tags.split(',')[0]}"
    return Step(
        user, "library add", {"url": f"https://example.org/{n}", "title": title, "tags": tags}
    )


def _show(rng: random.Random, user: int, members: int) -> Step:
    return Step(user, "library show", {"id": rng.randint(1, RESOURCES)})


def _vote(rng: random.Random, user: int, members: int) -> Step:
    """Upvote on a resource's card (pressed again by the same member, the vote goes back)."""
    return Step(user, "library.upvote", press=str(rng.randint(1, RESOURCES)))


def _browse(rng: random.Random, user: int, members: int) -> Step:
    return Step(user, "library list", {"tag": rng.choice(TOPICS[:12]), "sort": "new"})


def _profile_show(rng: random.Random, user: int, members: int) -> Step:
    return Step(user, "profile show", other=rng.randrange(members) if rng.random() < 0.3 else None)


def _profile_set(rng: random.Random, user: int, members: int) -> Step:
    skills = ", ".join(rng.sample(TOPICS[:20], 2))
    return Step(user, "profile set", {"skills": skills, "timezone": rng.choice(ZONES)})


def _mentor_request(rng: random.Random, user: int, members: int) -> Step:
    topic = f"t{min(int(rng.paretovariate(1.1)) - 1, MENTOR_TOPICS - 1)}"
    return Step(user, "mentor request", {"topic": topic})


def _plain(path: str) -> Callable[[random.Random, int, int], Step]:
    return lambda rng, user, members: Step(user, path)


MIX: tuple[tuple[int, Callable[[random.Random, int, int], Step]], ...] = (
    (30, _search),  # with and without a tag, some of its later pages
    (10, _next_page),
    (8, _save),
    (5, _show),
    (8, _vote),
    (3, _browse),
    (1, _plain("library tags")),
    (16, _profile_show),
    (7, _profile_set),
    (3, _mentor_request),
    (3, _plain("mentor requests")),
    (3, _plain("mentor topics")),
    (3, _plain("help")),
)  # shares in 100


def traffic(count: int, members: int, rng: random.Random) -> list[Step]:
    """`count` moves of members drawn at random, in `MIX`'s shares."""
    weights, makers = zip(*MIX, strict=True)
    return [
        maker(rng, rng.randrange(members), members)
        for maker in rng.choices(makers, weights, k=count)
    ]


def introductions(members: int) -> list[Step]:
    """A `/help` from each member: their first contact, made before the timed part."""
    return [Step(user, "help") for user in range(members)]


async def load_library(store: SqlStore, where: CommunityKey) -> float:
    """bench.library's synthetic library of `RESOURCES` resources, bulk-loaded into `where`;
    the seconds it took."""
    library = synthetic(RESOURCES, random.Random(42))
    began = time.perf_counter()
    await load(store, library, where)
    return time.perf_counter() - began


async def settle(store: SqlStore) -> None:
    """What the bulk loads wrote, put in place before the timed part: on SQLite the -wal
    (some 90 MB after the library and the round's community) checkpointed into the database
    file. Otherwise the first commits of the timed part each copy part of it, on the one
    writer, and every write of the first 10-20 s waited seconds behind them."""
    if store.database.dialect == "sqlite":
        await store.database.scrub(())  # no table to scrub: the checkpoint alone


def by_move(paths: Sequence[str], answered_ms: Sequence[float]) -> Table:
    """Time to the answer for each kind of move (`Step.path`: a press by its action id), slowest p99
    first: where the time goes, as a member sees it. An answer that never came is infinite."""
    times: dict[str, list[float]] = defaultdict(list)
    for path, ms in zip(paths, answered_ms, strict=True):
        times[path].append(ms)
    table = Table(title="time to the answer, by move (ms)")
    for column in ("move", "count", "p50", "p99", "unanswered"):
        table.add_column(column, justify="right")
    for path, values in sorted(times.items(), key=lambda item: -_rank(item[1], 0.99)):
        table.add_row(
            path,
            str(len(values)),
            f"{_rank(values, 0.5):.0f}",
            f"{_rank(values, 0.99):.0f}",
            str(values.count(math.inf)),
        )
    return table


def _rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]
