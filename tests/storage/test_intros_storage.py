"""Intros' storage on SQLite and PostgreSQL: a round claimed once per programme and due
time (its draft too), groups kept in order as history, ignored intros counted, and one
community never seeing another's; and two processes racing for one round."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.common.cadence import Cadence
from bot.intros.records import Answer, Participant, RoundStatus
from bot.intros.runner import IntroRunner
from bot.kernel.messages import CommunityKey, MessageRef
from copbot.bootstrap import open_core
from storage.store import SqlStore, open_store
from tests.fakes import FakeChat, ManualClock, Talk
from tests.test_intros import DUE, intros, programme

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOME, AWAY = CommunityKey("test", "home"), CommunityKey("test", "away")
WEEKLY = Cadence(0, 10, 0, "UTC")


@pytest.fixture
async def store(database_url: str) -> SqlStore:
    opened = await open_store(database_url, clock=ManualClock())
    yield opened  # type: ignore[misc]
    await opened.close()


async def _members(store: SqlStore, *users: str) -> list[int]:
    async with store.unit_of_work(HOME) as uow:
        ids = [(await uow.members.add(u, u.title(), None, NOW)).id for u in users]
        await uow.commit()
    return ids


async def test_a_round_is_claimed_once_and_its_draft_becomes_it(store: SqlStore) -> None:
    a, b, c, d = await _members(store, "alice", "bob", "carol", "dave")
    async with store.unit_of_work(HOME) as uow:
        made = await uow.intros.add_programme("intros", "c1", True, WEEKLY, 2, 12, NOW)
        draft = await uow.intros.save_draft(
            made.id, DUE, [((a, b), 5, False), ((c, d), 3, True)], NOW
        )
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        [first, second] = await uow.intros.groups(draft.id, dropped=True)
        assert (first.member_ids, first.number, second.dropped) == ((a, b), 1, True)
        assert [g.member_ids for g in await uow.intros.groups(draft.id)] == [(a, b)]
        claimed = await uow.intros.claim_round(made.id, DUE, RoundStatus.PUBLISHED, NOW)
        assert claimed is not None and claimed.id == draft.id
        assert await uow.intros.claim_round(made.id, DUE, RoundStatus.PUBLISHED, NOW) is None
        assert (await uow.intros.programme(made.id)).last_due == DUE  # type: ignore[union-attr]
        later = DUE + timedelta(weeks=1)
        assert await uow.intros.claim_round(made.id, later, RoundStatus.MISSED, NOW) is not None
        assert await uow.intros.draft(made.id) is None
        await uow.commit()


async def test_groups_are_history_and_answers_count_ignored_intros(store: SqlStore) -> None:
    a, b, c = await _members(store, "alice", "bob", "carol")
    async with store.unit_of_work(HOME) as uow:
        made = await uow.intros.add_programme("intros", "c1", True, WEEKLY, 2, 12, NOW)
        claimed = await uow.intros.claim_round(made.id, DUE, RoundStatus.PUBLISHED, NOW)
        assert claimed is not None
        [trio] = await uow.intros.set_groups(claimed.id, [((c, a, b), 7, False)])
        await uow.intros.publish(
            claimed.id, 1, DUE, DUE + timedelta(days=3), DUE + timedelta(weeks=1)
        )
        await uow.intros.space_opened(trio.id, MessageRef("test", "c1", "", "t9"))
        assert await uow.intros.answer(trio.id, a, Answer.MET, NOW)
        assert not await uow.intros.answer(trio.id + 99, a, Answer.MET, NOW)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        history = sorted((x, y) for x, y, _ in await uow.intros.history(made.id, NOW))
        assert history == sorted(
            [(min(a, b), max(a, b)), (min(a, c), max(a, c)), (min(b, c), max(b, c))]
        )
        assert await uow.intros.answers(claimed.id) == {a: Answer.MET, b: None, c: None}
        assert (await uow.intros.group(trio.id)).space_thread == "t9"  # type: ignore[union-attr]
        assert await uow.intros.last_weights(made.id) == {a: 7, b: 7, c: 7}
        assert [r.id for r in await uow.intros.due_follow_ups(DUE + timedelta(days=3))] == [
            claimed.id
        ]
        assert await uow.intros.claim_follow_up(claimed.id)
        assert not await uow.intros.claim_follow_up(claimed.id)
        assert await uow.intros.due_follow_ups(DUE + timedelta(days=9)) == []
        for member in (a, b, c):
            await uow.intros.save_participant(
                Participant(made.id, member, 1, None, False, 0, None, NOW)
            )
        assert await uow.intros.count_ignored(made.id, [b, c], [a], 2) == []
        assert await uow.intros.count_ignored(made.id, [b], [a, c], 2) == [b]
        found = {p.member_id: p for p in await uow.intros.participants(made.id)}
        assert (found[a].ignored, found[b].ghosted, found[c].ignored) == (0, True, 0)
        stats = await uow.intros.stats(made.id, NOW)
        assert (stats.rounds, stats.intros, stats.taking_part, stats.paused) == (1, 1, 2, 1)
        assert stats.answers == {"met": 1, "none": 2}
        await uow.commit()
    async with store.unit_of_work(AWAY) as uow:  # another community sees none of it
        assert await uow.intros.programmes() == []
        assert await uow.intros.programme(made.id) is None
        assert await uow.intros.groups(claimed.id) == []
        assert await uow.intros.history(made.id, NOW) == []
        assert not await uow.intros.claim_follow_up(claimed.id)


async def test_a_removed_programme_takes_its_members_rounds_and_history(store: SqlStore) -> None:
    a, b = await _members(store, "alice", "bob")
    async with store.unit_of_work(HOME) as uow:
        made = await uow.intros.add_programme("intros", "c1", True, WEEKLY, 2, 12, NOW)
        kept = await uow.intros.add_programme("other", "c2", True, WEEKLY, 2, 12, NOW)
        for programme in (made, kept):
            claimed = await uow.intros.claim_round(programme.id, DUE, RoundStatus.PUBLISHED, NOW)
            assert claimed is not None
            [pair] = await uow.intros.set_groups(claimed.id, [((a, b), 7, False)])
            await uow.intros.publish(claimed.id, 1, DUE, DUE + timedelta(days=3), DUE)
            assert await uow.intros.answer(pair.id, a, Answer.MET, NOW)
            for member in (a, b):
                await uow.intros.save_participant(
                    Participant(programme.id, member, 1, None, False, 0, None, NOW)
                )
        await uow.commit()
    async with store.unit_of_work(AWAY) as uow:  # another community's remove reaches nothing
        await uow.intros.remove_programme(made.id)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        assert len(await uow.intros.history(made.id, NOW)) == 1
        await uow.intros.remove_programme(made.id)
        await uow.commit()
    async with store.unit_of_work(HOME) as uow:
        assert [p.name for p in await uow.intros.programmes()] == ["other"]
        assert await uow.intros.history(made.id, NOW) == []
        assert await uow.intros.participants(made.id) == []
        assert await uow.intros.participant(made.id, a) is None
        assert len(await uow.intros.history(kept.id, NOW)) == 1
        assert len(await uow.intros.participants(kept.id)) == 2


@pytest.mark.postgres
async def test_two_processes_publish_a_due_round_once(postgres_url: str) -> None:
    chat, clock = FakeChat(), ManualClock()
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as first,
        open_core(postgres_url, chat=chat, clock=clock) as second,
    ):
        talk = Talk(first)
        await programme(talk, "alice", "bob", "carol", "dave", "erin", "frank")
        clock._now = DUE + timedelta(seconds=5)
        runners = [IntroRunner(core.store, clock, core.outbox.wake) for core in (first, second)]  # type: ignore[union-attr]
        done = await asyncio.gather(*(r.run_due() for r in runners))
        await talk.settle()
        await Talk(second).settle()
    assert sorted(done) == [0, 1]
    assert sorted(m for members, _ in intros(chat) for m in members) == [
        "alice",
        "bob",
        "carol",
        "dave",
        "erin",
        "frank",
    ]
