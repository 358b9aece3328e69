"""The community's reads across members, mentoring and the library, and its thanks: the
same answers on SQLite and PostgreSQL (driven through the core, which makes the rows)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.community.expertise import score
from bot.community.model import Gap, MentorRoom, NewThanks, Signals
from bot.kernel.core import Core
from bot.kernel.gaps import week_of
from bot.kernel.messages import CommunityKey, MessageRef
from bot.mentoring.model import RequestStatus
from copbot.bootstrap import open_core
from storage.schema import thanks
from tests.fakes import START, FakeChat, ManualClock, Talk
from tests.test_community import listed, mentored

ELSEWHERE = CommunityKey("test", "elsewhere")


@pytest.fixture
async def engine_core(database_url: str) -> AsyncIterator[tuple[Core, FakeChat]]:
    chat = FakeChat()
    async with open_core(database_url, chat=chat, clock=ManualClock()) as core:
        yield core, chat


async def test_knowers_count_every_sign_for_listed_members_only(
    engine_core: tuple[Core, FakeChat],
) -> None:
    core, chat = engine_core
    talk = Talk(core)
    await talk("mod", "/prompt moderators #mods")
    await listed(talk, "bob", "skills:python, sql timezone:Europe/Berlin")
    await talk("bob", "/mentor offer topics:python capacity:3")
    await talk("alice", "/profile set interests:python listed:no")
    await talk("erin", "/profile set interests:python listed:no")
    await mentored(talk, chat, "bob", "alice", 5)
    await mentored(talk, chat, "bob", "erin", 2)
    await talk("alice", "/mentor request topic:python")  # bob is asked: not a match yet
    saved = await talk("bob", '/library add url:https://example.org/a title:"A" tags:python')
    await talk.press("alice", "Upvote", on=saved)
    await talk.press("erin", "Upvote", on=saved)
    await talk("bob", '/library add url:https://example.org/b title:"B" tags:"python, sql"')
    await talk("bob", '/library add url:https://example.org/c title:"C" tags:sql')
    await talk("alice", "/thanks @bob topic:python")
    await talk("erin", "/thanks @bob topic:sql")
    await talk("carol", "/profile set skills:python listed:no")  # unlisted: never returned
    await Talk(core, community=ELSEWHERE)("bob", "/profile set skills:python listed:yes")
    async with core.store.reading(talk.community) as uow:
        [bob], total = await uow.directory.knowers("python", 10, 0)
        nobody = await uow.directory.knowers("rust", 10, 0)
    assert (bob.display_name, bob.timezone) == ("Bob", "Europe/Berlin")
    assert bob.signals == Signals(
        teaches=True,
        mentors=True,
        matches=2,
        ratings=2,
        rating_total=7,  # the mentees' ratings only
        saved=2,
        votes=2,
        thanked=1,
    )
    assert bob.room == MentorRoom(capacity=3, active=0, paused=False, paused_until=None)
    assert total == 1 and nobody == ([], 0)


async def test_pages_are_ranked_in_sql_as_the_scoring_rule_ranks(
    engine_core: tuple[Core, FakeChat],
) -> None:
    """The SQL ranking is `expertise.score`, ties going to whoever is here longest."""
    core, chat = engine_core
    talk = Talk(core)
    await talk("mod", "/prompt moderators #mods")
    for n in range(7):
        await listed(talk, f"m{n}", "timezone:UTC")
    await talk("m0", "/profile set skills:python")  # 3
    await talk("m1", "/mentor offer topics:python capacity:1")  # 2
    for n in range(3):  # 3 * 0.5 + 2 votes * 0.25 = 2, as m1: m1 is older
        saved = await talk("m2", f'/library add url:https://e.org/{n} title:"{n}" tags:python')
        if n < 2:
            await talk.press("m6", "Upvote", on=saved)
    await talk("m3", "/profile set skills:python")  # 3 + 1.5 thanks, as m4's
    await talk("x", "/thanks @m3 topic:python")
    await talk("x", "/thanks @m4 topic:python")  # 1.5
    await talk("y", "/thanks @m4 topic:python")  # 3: as m0, who is older
    await talk("m5", "/mentor offer topics:python capacity:2")
    await talk("z", "/profile set interests:python listed:no")
    await mentored(talk, chat, "m5", "z", 5)  # 2 + 2 * 5/3
    async with core.store.reading(talk.community) as uow:
        first, total = await uow.directory.knowers("python", 4, 0)
        rest, _ = await uow.directory.knowers("python", 4, 4)
    ranked = first + rest
    assert total == 6 and len(rest) == 2
    assert [k.display_name for k in ranked] == ["M5", "M3", "M0", "M4", "M1", "M2"]
    by_rule = sorted(ranked, key=lambda k: (-score(k.signals), k.member_id))
    assert ranked == by_rule
    assert score(ranked[0].signals) == pytest.approx(2 + 2 * 5 / 3)


async def test_topics_and_the_directory_on_both_engines(
    engine_core: tuple[Core, FakeChat],
) -> None:
    core, _ = engine_core
    talk = Talk(core)
    await listed(talk, "bob", "skills:python, sql")
    await listed(talk, "carol", "skills:python")
    await talk("carol", "/mentor offer topics:python, pytest capacity:1")
    await talk("dave", "/profile set skills:python, rust listed:no")
    await talk("dave", '/library add url:https://example.org/x title:"X" tags:python')
    async with core.store.reading(talk.community) as uow:
        topics = await uow.directory.topics("py", 10)
        first, total = await uow.directory.directory(2, 0)
        rest, _ = await uow.directory.directory(2, 2)
        beyond = await uow.directory.directory(2, 10)
    assert topics == [("python", 5), ("pytest", 1)]  # 3 skills, 1 offer, 1 resource
    assert (first, total) == ([("python", 2), ("pytest", 1)], 3)  # carol counted once
    assert rest == [("sql", 1)]
    assert beyond == ([], 0)


async def test_two_thanks_of_one_pair_at_once_make_one(
    engine_core: tuple[Core, FakeChat],
) -> None:
    """Two processes at the same moment: both read no earlier thanks, the day's unique key
    makes the second a conflict, and run again it is refused by the once-a-day rule."""
    core, chat = engine_core
    talk = Talk(core)
    await talk("alice", "/profile set skills:python")
    await talk("bob", "/profile set skills:python")
    replies = await asyncio.gather(*(talk("alice", "/thanks @bob") for _ in range(2)))
    assert sorted(r.error for r in replies) == [False, True]
    assert "once a day" in next(r.text for r in replies if r.error)
    async with core.store.reading(talk.community) as uow:
        bob = await uow.members.by_user("bob")
        assert bob is not None and await uow.directory.thanks_received(bob.id) == 1
    assert len([s for s in chat.sent if s.reply.text.startswith("🙏")]) == 1


async def test_thanks_record_their_note_and_pair(engine_core: tuple[Core, FakeChat]) -> None:
    core, _ = engine_core
    talk = Talk(core)
    await talk("alice", "/profile set skills:python")
    await talk("bob", "/profile set skills:python")
    async with core.store.unit_of_work(talk.community) as uow:
        alice, bob = await uow.members.by_user("alice"), await uow.members.by_user("bob")
        assert alice is not None and bob is not None
        message = MessageRef("test", "general", "m1")
        first = await uow.directory.thank(
            NewThanks(alice.id, bob.id, "python", "thanks!", "general", message), START
        )
        later = START + timedelta(days=1)  # one pair thanks once a day (unique by day)
        await uow.directory.thank(NewThanks(alice.id, bob.id, None, "", "general"), later)
        await uow.directory.noted(first, MessageRef("test", "kudos", "n1"))
        await uow.commit()
    async with core.store.unit_of_work(talk.community) as uow:
        assert await uow.directory.last_thanked(alice.id, bob.id) == later
        assert await uow.directory.last_thanked(bob.id, alice.id) is None
        assert await uow.directory.thanks_received(bob.id) == 2
        assert await uow.directory.thanks_received(alice.id) == 0
    async with core.store.database.transaction() as db:  # type: ignore[attr-defined]
        found = await db.execute(
            select(thanks.c.note_channel_id, thanks.c.note_id, thanks.c.message_id).order_by(
                thanks.c.id
            )
        )
        assert found.all() == [("kudos", "n1", "m1"), (None, None, None)]
    async with core.store.unit_of_work(ELSEWHERE) as uow:
        assert await uow.directory.last_thanked(alice.id, bob.id) is None
        assert await uow.directory.thanks_received(bob.id) == 0


async def test_a_mentor_request_refused_for_want_of_a_mentor_counts_in_the_gap_map(
    engine_core: tuple[Core, FakeChat],
) -> None:
    core, _ = engine_core
    talk = Talk(core)
    await talk("mod", "/profile set skills:python")
    refused = await talk("alice", "/mentor request topic:cobol")
    assert refused.error and refused.ephemeral
    assert refused.text.startswith("Nobody here mentors or lists “cobol” yet.")
    assert (await talk("bob", "/mentor request topic:COBOL note:please")).error
    async with core.store.reading(talk.community) as uow:
        # The refusal changed nothing else: no request, not even the members' first contact.
        assert await uow.mentoring.requests(list(RequestStatus)) == []
        assert await uow.members.by_user("alice") is None
        assert await uow.members.by_user("bob") is None
        [gap] = await uow.directory.gaps(week_of(START), 10)
    assert gap == Gap("cobol", searches=0, unmatched=2, waiting=0, mentors=0, resources=0)
    health = await talk("mod", "/community health")
    shown = next(c.body for c in health.cards if c.title == "Gap map")
    assert "• cobol: 2 mentor requests found nobody free (no mentor, no resource)" in shown
    elsewhere = await Talk(core, community=ELSEWHERE)("mod", "/community health")
    assert "No gaps" in next(c.body for c in elsewhere.cards if c.title == "Gap map")
