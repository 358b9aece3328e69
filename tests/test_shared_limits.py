"""The kernel's side of shared limits (bot/kernel/shared.py): memory in front of the shared
record, the in-process rate, and what happens when the database doesn't answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.kernel.ports import DatabaseBusy
from bot.kernel.shared import RETRY, LocalRate, Once, Rate, Recent


class FakeShared:
    """Records what was asked; `down` makes every call fail as a busy database would."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.asked: list[str] = []
        self.waits: list[float] = []
        self.down = False

    async def first_seen(self, scope: str, key: str, within: timedelta) -> bool:
        self.asked.append(key)
        if self.down:
            raise DatabaseBusy("the database didn't answer")
        new = (scope, key) not in self.seen
        self.seen.add((scope, key))
        return new

    async def turn(self, bucket: str, per_second: float, burst: int) -> float:
        if self.down:
            raise DatabaseBusy("the database didn't answer")
        return self.waits.pop(0)


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
    waits = [rate.turn() for _ in range(5)]
    assert [round(w, 3) for w in waits] == [0.0, 0.0, 0.1, 0.2, 0.3]
    now[0] = 10.0  # long idle: a full burst again, not a debt
    assert [rate.turn(), rate.turn(), round(rate.turn(), 3)] == [0.0, 0.0, 0.1]


class Time:
    """A monotonic clock that moves only when slept on, or when the database is slow; an
    oversleep makes one sleep end late, as a busy event loop does."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.oversleep: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds + (self.oversleep.pop(0) if self.oversleep else 0.0)


class SlowShared(FakeShared):
    """Each answer takes `delays`' next value, on `time`."""

    def __init__(self, time: Time, delays: list[float]) -> None:
        super().__init__()
        self.time, self.delays, self.turns = time, delays, 0

    async def turn(self, bucket: str, per_second: float, burst: int) -> float:
        self.turns += 1
        self.time.now += self.delays.pop(0) if self.delays else 0.0
        return await super().turn(bucket, per_second, burst)


def rate(shared: FakeShared | None, time: Time) -> Rate:
    return Rate("discord x", 10.0, 1, shared, sleep=time.sleep, monotonic=time.monotonic)


async def test_a_shared_turn_is_waited_for() -> None:
    time = Time()
    shared = SlowShared(time, [])
    shared.waits = [0.0, 0.25]
    await rate(shared, time).wait()
    await rate(shared, time).wait()
    assert time.slept == [0.0, 0.25]


async def test_a_turn_known_too_late_is_let_go_and_another_taken() -> None:
    """The database answered after 0.3 s: when the turn comes is known to 0.3 s only."""
    time = Time()
    shared = SlowShared(time, [0.3])
    shared.waits = [0.0, 0.1]
    await rate(shared, time).wait()
    assert shared.turns == 2 and time.slept == [0.1]


async def test_a_request_woken_late_takes_another_turn() -> None:
    time = Time()
    time.oversleep = [0.5]
    limited = rate(None, time)
    await limited.wait()  # the first turn, at once, but the loop woke it 0.5 s late
    assert time.slept == [0.0, 0.0] and time.now == 0.5


async def test_while_the_database_fails_requests_wait_for_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    time = Time()
    shared = SlowShared(time, [])
    shared.down = True
    shared.waits = [0.0]

    async def back_after_a_pause(seconds: float) -> None:
        await Time.sleep(time, seconds)
        shared.down = False  # the database answers again

    limited = Rate("discord x", 10.0, 1, shared, sleep=back_after_a_pause, monotonic=time.monotonic)
    await limited.wait()
    assert time.slept == [RETRY, 0.0]  # waited, asked again, went
    assert "no turn for discord x" in caplog.text
