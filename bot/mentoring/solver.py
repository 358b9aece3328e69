"""A round planned in its own process (`bot/mentoring/worker.py`): scoring, building the
graph and OR-Tools' min-cost flow are CPU-bound and mostly hold the GIL, so in copbot's
process they would stall its event loop (heartbeats, 3-second acks). copbot only sends
the round's input and turns the assignment that comes back into pairs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Sequence

from bot.mentoring.matching import POINT, MentorOffer, Plan, Seeker
from bot.mentoring.model import RoundPair
from bot.mentoring.wire import Assignment, read_frame, round_frame, write_frame
from bot.mentoring.worker import ONE_THREAD

_worker: subprocess.Popen[bytes] | None = None
_turn = threading.Lock()  # one round at a time in the pipe


def start_worker() -> subprocess.Popen[bytes]:
    """The round's process, started early by the composition root: starting a process
    from a large one pauses it (and its event loop) while the memory map is copied. It
    ends when its stdin closes: at `stop_worker`, or when copbot ends however it ends."""
    global _worker
    if _worker is None:
        _worker = subprocess.Popen(
            [sys.executable, "-m", "bot.mentoring.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, **ONE_THREAD},
        )
    return _worker


def stop_worker() -> None:
    """Let the round's process go (at shutdown; the next round starts a new one)."""
    global _worker
    if _worker is not None:
        worker, _worker = _worker, None
        assert worker.stdin is not None and worker.stdout is not None
        with contextlib.suppress(BrokenPipeError):  # it has ended already: nothing to tell
            worker.stdin.close()
        worker.wait()
        worker.stdout.close()


async def plan_round_off_loop(seekers: Sequence[Seeker], mentors: Sequence[MentorOffer]) -> Plan:
    """The round's assignment (`bot/mentoring/assignment.py`) planned in the worker, the
    pipe written and read from a thread: the loop runs meanwhile."""
    return await asyncio.to_thread(_plan_in_worker, seekers, mentors)


def _plan_in_worker(seekers: Sequence[Seeker], mentors: Sequence[MentorOffer]) -> Plan:
    request = round_frame(seekers, mentors)
    with _turn:
        worker = start_worker()
        assert worker.stdin is not None and worker.stdout is not None
        try:
            write_frame(worker.stdin, request)
            reply = read_frame(worker.stdout)
        except BrokenPipeError:
            reply = None
        if reply is None:
            stop_worker()  # the next round starts a new one
            raise RuntimeError("the round's worker process ended during a round")
    if "error" in reply.meta:
        raise RuntimeError(f"the round's worker failed: {reply.meta['error']}")
    return plan_of(Assignment.of(reply))


def plan_of(assignment: Assignment) -> Plan:
    """The assignment as the pairs and left-out requests copbot stores."""
    pairs = tuple(
        RoundPair(request, mentor, points / POINT)
        for request, mentor, points in zip(
            assignment.requests.tolist(),
            assignment.mentors.tolist(),
            assignment.points.tolist(),
            strict=True,
        )
    )
    return Plan(pairs, tuple(assignment.left_out.tolist()), assignment.seconds)
