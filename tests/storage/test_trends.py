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
from bot.kernel.messages import MessageRef
from copbot.bootstrap import open_core
from tests.fakes import FakeChat, ManualClock, Talk
from tests.storage.test_community import ELSEWHERE
from tests.test_community import mentored
from tests.test_prompts import runner, setup

WEEKS = 6


@pytest.fixture
async def engine_core(database_url: str) -> AsyncIterator[tuple[Core, FakeChat, ManualClock]]:
    chat, clock = FakeChat(), ManualClock()
    async with open_core(database_url, chat=chat, clock=clock) as core:
        yield core, chat, clock


async def answer_a_prompt(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock, who: str
) -> None:
    """A prompt posted the next Monday (on time), and `who` answering it."""
    await setup(talk, "What did you learn this week?", schedule="weekly monday 09:00 UTC")
    days = (7 - clock.now().weekday()) % 7 or 7
    monday = clock.now().replace(hour=9, minute=1) + timedelta(days=days)
    clock.advance(monday - clock.now())
    await runner(core, chat, clock).run_due()
    posted = next(s for s in chat.sent if s.to == "#weekly")
    assert posted.ref is not None
    thread = f"t{posted.ref.message_id}"
    await core.member_posted(talk.actor(who), MessageRef("test", "weekly", "a1", thread))


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
    tagged = Counter({"python": 1})  # "Old" is tagged python
    arrived: dict[str, int] = {"m0": -1}  # the week each member first talked to copbot
    saved = []
    for step in range(60):
        at = starts[0] + timedelta(minutes=step * WEEKS * 7 * 24 + 7)
        clock.advance(at - clock.now())
        w, who = week(clock.now(), starts), rng.choice(people)
        arrived.setdefault(who, w)
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
    await talk("m2", "/profile set skills:python")  # m2's first step; the request was the third
    await answer_a_prompt(core, talk, chat, clock, "m2")  # the second
    for who in ("m1", "m2", "m3", "mod"):
        arrived.setdefault(who, WEEKS - 1)
    done = Counter(saves) + Counter((who, w) for (_, who), w in votes.items())
    # A match begun counts for its mentor, a request for its mentee, an answer for its author.
    done.update([("m1", WEEKS - 1), ("m2", WEEKS - 1), ("m3", WEEKS - 1), ("m2", WEEKS - 1)])

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
    welcomed = Counter(arrived.values())
    assert trends.welcomed == tuple(welcomed[w] for w in range(WEEKS))
    assert trends.first_steps == tuple(int(w == arrived["m2"]) for w in range(WEEKS))
    assert trends.funnel == Funnel(requests=2, asked=2, matched=1, met=1, ratings=1, rating_total=4)
    [posting] = trends.postings
    assert (posting.members, posting.answers) == (1, 1) and trends.intros == ()
