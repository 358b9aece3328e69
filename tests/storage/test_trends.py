"""The health charts' weekly figures (`uow.directory.trends`) on SQLite and PostgreSQL,
against a plain-Python count of what the test did, week by week (driven through the core,
which makes the rows)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.community.charts import BUSY
from bot.community.model import Funnel
from bot.kernel.core import Core
from copbot.bootstrap import open_core
from tests.fakes import FakeChat, ManualClock, Talk
from tests.storage.test_community import ELSEWHERE
from tests.test_community import mentored

WEEKS = 6


@pytest.fixture
async def engine_core(database_url: str) -> AsyncIterator[tuple[Core, FakeChat, ManualClock]]:
    chat, clock = FakeChat(), ManualClock()
    async with open_core(database_url, chat=chat, clock=clock) as core:
        yield core, chat, clock


def week(at: datetime, starts: list[datetime]) -> int:
    """The plain way: the last start at or before `at` (-1: before them all)."""
    return max((i for i, start in enumerate(starts) if start <= at), default=-1)


async def test_weekly_figures_match_a_plain_count(
    engine_core: tuple[Core, FakeChat, ManualClock],
) -> None:
    core, chat, clock = engine_core
    talk, elsewhere = Talk(core), Talk(core, community=ELSEWHERE)
    rng = random.Random(20)
    people = [f"m{n}" for n in range(8)]
    # Two weeks before the charts' first week: counted in the library's size only.
    await talk("m0", "/library add url:https://example.org/old title:Old tags:python")
    clock.advance(timedelta(weeks=2))
    starts = [clock.now() + timedelta(weeks=i) for i in range(WEEKS)]
    saves: list[tuple[str, int]] = []  # (who, week)
    votes: dict[tuple[int, str], int] = {}  # (resource, who): week (a second press unvotes)
    tagged, arrived = Counter({"python": 1}), Counter[int]()  # "Old" is tagged python
    seen, saved = {"m0"}, []
    for step in range(60):
        at = starts[0] + timedelta(minutes=step * WEEKS * 7 * 24 + 7)
        clock.advance(at - clock.now())
        w, who = week(clock.now(), starts), rng.choice(people)
        if who not in seen:
            seen.add(who)
            arrived[w] += 1
        if rng.random() < 0.6 or not saved:
            tags = rng.sample(["python", "go", "sql"], rng.randint(1, 2))
            url = f"https://example.org/{step}"
            reply = await talk(who, f"/library add url:{url} title:T{step} tags:{','.join(tags)}")
            assert not reply.error, reply.text
            saved.append(reply)
            saves.append((who, w))
            tagged.update(tags)
        else:
            n = rng.randrange(len(saved))
            voted = await talk.press(who, "Upvote", on=saved[n])
            if voted.text.startswith("Upvoted"):
                votes[(n, who)] = w
            elif not voted.error:
                del votes[(n, who)]
        await elsewhere(who, f"/library add url:https://example.org/e{step} title:E")
    clock.advance(starts[-1] + timedelta(days=6) - clock.now())
    await talk("m1", "/mentor offer topics:python capacity:2")
    await mentored(talk, chat, "m1", "m2", 4)
    asked = await talk("m3", "/mentor request topic:python")  # m1 is asked, hasn't answered
    assert "asked" in asked.text, asked.text
    arrived[WEEKS - 1] += len({"m1", "m2", "m3"} - seen)
    done = Counter(saves) + Counter((who, w) for (_, who), w in votes.items())
    # A match begun counts for its mentor, a request for its mentee.
    done.update([("m1", WEEKS - 1), ("m2", WEEKS - 1), ("m3", WEEKS - 1)])

    async with core.store.reading(talk.community) as uow:
        trends = await uow.directory.trends(tuple(starts), BUSY, 2)

    levels = [[0] * WEEKS for _ in range(3)]
    for (_, w), n in done.items():
        levels[0 if n < BUSY[0] else 1 if n < BUSY[1] else 2][w] += 1
    assert trends.acting == tuple(zip(*levels, strict=True))
    added = Counter(w for _, w in saves)
    size, growth = 1, []
    for w in range(WEEKS):
        size += added[w]
        growth.append(size)
    assert trends.library == tuple(growth)
    assert trends.tags == tuple(sorted(tagged.items(), key=lambda t: (-t[1], t[0]))[:2])
    # Welcomed on their first command: m0 before the charts' weeks.
    assert trends.welcomed == tuple(arrived[w] for w in range(WEEKS))
    assert trends.first_steps == (0,) * WEEKS  # nobody answered a prompt
    assert trends.funnel == Funnel(requests=2, asked=2, matched=1, met=1, ratings=1, rating_total=4)
    assert trends.postings == () and trends.intros == ()
