"""The kernel's side of shared limits (bot/kernel/shared.py): memory in front of the shared
record, the in-process rate, and what happens when the database doesn't answer."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import Awaitable
from datetime import timedelta

import pytest

from bot.kernel.ports import DatabaseBusy
from bot.kernel.shared import AHEAD, RETRY, LocalRate, Once, Rate, Recent, in_background


class FakeShared:
    """Records what was asked; `down` makes every call fail as a busy database would."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.asked: list[str] = []
        self.down = False

    async def first_seen(self, scope: str, key: str, within: timedelta) -> bool:
        self.asked.append(key)
        if self.down:
            raise DatabaseBusy("the database didn't answer")
        new = (scope, key) not in self.seen
        self.seen.add((scope, key))
        return new

    async def turns(self, bucket: str, per_second: float, burst: int, count: int) -> list[float]:
        raise NotImplementedError  # `SlowShared` has turns


def once(shared: FakeShared | None) -> Once:
    return Once(Recent(100, 600), shared, scope="slack", within=timedelta(minutes=10))


async def test_a_repeat_to_the_same_process_asks_no_one_and_another_process_record_counts() -> None:
    shared = FakeShared()
    here, there = once(shared), once(shared)
    assert await here.first("event Ev1")
    assert not await here.first("event Ev1")
    assert shared.asked == ["event Ev1"]  # the second answer came from memory
    assert not await there.first("event Ev1")  # the other process's memory was empty
    assert await once(None).first("event Ev1")  # with nothing shared, memory alone


async def test_a_database_that_does_not_answer_lets_the_request_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    shared = FakeShared()
    shared.down = True
    assert await once(shared).first("event Ev1")
    assert "could not check event Ev1 against the other processes" in caplog.text


def test_the_local_rate_lets_a_burst_go_then_spaces_the_rest() -> None:
    now = [0.0]
    rate = LocalRate(10.0, 2, monotonic=lambda: now[0])
    waits = rate.turns(3) + rate.turns(2)
    assert [round(w, 3) for w in waits] == [0.0, 0.0, 0.1, 0.2, 0.3]
    now[0] = 10.0  # long idle: a full burst again, not a debt
    assert [round(w, 3) for w in rate.turns(3)] == [0.0, 0.0, 0.1]


class Time:
    """A monotonic clock that moves only when every task is waiting: then to the earliest
    sleeper's moment (or further, by the next of `oversleep`, as a busy event loop wakes a
    task late). The database's answers may take time too (`SlowShared`)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.oversleep: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        late = self.oversleep.pop(0) if self.oversleep else 0.0
        woken = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds + late, next(self._order), woken))
        await woken

    async def run(self, *work: Awaitable[None]) -> list[float]:
        """Runs `work` together; when each was let go (its request's moment)."""
        went: list[float] = [math.nan] * len(work)

        async def timed(n: int, one: Awaitable[None]) -> None:
            await one
            went[n] = self.now

        tasks = [asyncio.ensure_future(timed(n, one)) for n, one in enumerate(work)]
        while not all(task.done() for task in tasks):
            for _ in range(50):  # everything that can run, runs
                await asyncio.sleep(0)
            if self._sleepers:
                at, _, woken = heapq.heappop(self._sleepers)
                self.now = max(self.now, at)
                woken.set_result(None)
        for task in tasks:
            task.result()
        return went


class SlowShared(FakeShared):
    """Each answer takes `delays`' next value, on `time`; turns spaced by `per_second`."""

    def __init__(self, time: Time, delays: list[float] | None = None) -> None:
        super().__init__()
        self.time, self.delays = time, delays or []
        self.asked_for: list[int] = []
        self.local = LocalRate(10.0, 1, monotonic=time.monotonic)

    async def turns(self, bucket: str, per_second: float, burst: int, count: int) -> list[float]:
        self.asked_for.append(count)
        if self.delays:
            self.time.now += self.delays.pop(0)
        if self.down:
            raise DatabaseBusy("the database didn't answer")
        return self.local.turns(count)


def rate(shared: FakeShared | None, time: Time) -> Rate:
    return Rate("discord x", 10.0, 1, shared, sleep=time.sleep, monotonic=time.monotonic)


async def test_requests_take_the_shared_turns_in_few_questions() -> None:
    """Twelve requests at once: a tenth of a second apart, from one question per few turns
    (never more than `AHEAD` held before they come)."""
    time = Time()
    shared = SlowShared(time)
    limited = rate(shared, time)
    went = await time.run(*(limited.wait() for _ in range(12)))
    assert [round(w, 3) for w in went] == [round(n * 0.1, 3) for n in range(12)]
    assert max(shared.asked_for) == AHEAD and sum(shared.asked_for) == 12
    assert len(shared.asked_for) < 12


async def test_a_members_request_goes_before_the_outboxs_backlog() -> None:
    """Ten outbox requests wait; a command's request made after them takes the next turn."""
    time = Time()
    limited = rate(SlowShared(time), time)

    async def outbox() -> None:
        in_background()
        await limited.wait()

    async def command() -> None:
        await time.sleep(0.15)  # comes while the backlog waits
        await limited.wait()

    went = await time.run(*(outbox() for _ in range(10)), command())
    assert round(went[-1], 3) == 0.2  # the next turn after it came, not the eleventh
    assert sorted(round(w, 3) for w in went[:-1]) == [0.0, 0.1, *(n / 10 for n in range(3, 11))]


async def test_a_cancelled_request_leaves_its_turn_to_the_next() -> None:
    time = Time()
    limited = rate(SlowShared(time), time)
    first = asyncio.ensure_future(limited.wait())
    await asyncio.sleep(0)
    first.cancel()
    went = await time.run(limited.wait())
    assert went == [0.0] and first.cancelled()


async def test_turns_known_too_late_are_let_go_and_others_taken() -> None:
    """The database answered after 0.3 s: when the turns come is known to 0.3 s only."""
    time = Time()
    shared = SlowShared(time, [0.3])
    went = await time.run(rate(shared, time).wait())
    assert went == [pytest.approx(0.4)]
    assert shared.asked_for == [1, 1]  # one late answer alone takes no spare turns


async def test_a_database_slow_every_time_slows_the_requests_but_never_starves_them() -> None:
    time = Time()
    shared = SlowShared(time, [0.3] * 20)
    limited = rate(shared, time)
    went = await time.run(*(limited.wait() for _ in range(6)))
    assert len(went) == 6 and max(went) < 10  # each answer moves time on by 0.3 s here
    assert max(shared.asked_for) > AHEAD  # spare turns were taken with them


async def test_a_request_woken_late_takes_another_turn() -> None:
    time = Time()
    time.oversleep = [0.5]
    shared = SlowShared(time)
    went = await time.run(rate(shared, time).wait())
    assert shared.asked_for == [1, 1]  # the first turn, reached 0.5 s late, was let go
    assert went == [0.5]  # the second is due at once: the rate has room by then


async def test_while_the_database_fails_requests_wait_for_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    time = Time()
    shared = SlowShared(time)
    shared.down = True

    async def back_after_a_pause() -> None:
        await time.sleep(RETRY / 2)
        shared.down = False  # the database answers again

    went = await time.run(rate(shared, time).wait(), back_after_a_pause())
    assert went[0] == RETRY  # waited, asked again, went
    assert "no turn for discord x" in caplog.text
