"""The SQLite connections' thread: work runs in the order handed over, its errors reach
the caller, and stopping waits for what was handed over before."""

from __future__ import annotations

import threading
import time

import pytest

from storage.lane import Lane


async def test_work_runs_in_order_on_the_lanes_own_thread() -> None:
    lane, ran = Lane("test-lane"), []

    def job(n: int) -> str:
        time.sleep(0.001 * (3 - n))  # the first takes longest: order is the lane's, not luck's
        ran.append(n)
        return threading.current_thread().name

    names = [lane.call(lambda n=n: job(n)) for n in range(3)]
    assert {await name for name in names} == {"test-lane"}
    assert ran == [0, 1, 2]
    await lane.stop()


async def test_an_error_reaches_the_caller_and_the_lane_goes_on() -> None:
    lane = Lane("test-lane")

    def fail() -> None:
        raise ValueError("no such row")

    with pytest.raises(ValueError, match="no such row"):
        await lane.call(fail)
    assert await lane.call(lambda: 42) == 42
    await lane.stop()


async def test_stopping_waits_for_what_was_handed_over_before() -> None:
    lane, ran = Lane("test-lane"), []
    pending = lane.call(lambda: (time.sleep(0.05), ran.append("slow")))
    await lane.stop()
    assert ran == ["slow"]
    await pending
