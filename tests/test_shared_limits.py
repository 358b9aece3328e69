"""The kernel's side of shared limits (bot/kernel/shared.py): memory in front of the shared
record, the in-process rate, and what happens when the database doesn't answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.kernel.ports import DatabaseBusy
from bot.kernel.shared import LocalRate, Once, Rate, Recent


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


async def test_a_shared_turn_is_waited_for_and_a_failing_one_falls_back_to_the_local_pace() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    shared = FakeShared()
    shared.waits = [0.0, 0.25]
    rate = Rate("discord x", 10.0, 1, shared, sleep=sleep)
    await rate.wait()
    await rate.wait()
    assert slept == [0.25]
    shared.down = True
    await rate.wait()  # the local pace's first turn: at once
    await rate.wait()
    assert len(slept) == 2 and 0.09 < slept[1] <= 0.1
