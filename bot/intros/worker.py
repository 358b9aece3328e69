"""A round off the event loop, as mentor rounds are planned: the arrays are built and the
reasons written in threads (plain Python loops let the loop run between them), and the
solvers run in a worker process, because rustworkx and OR-Tools hold the GIL for their
whole run. Only numpy arrays cross to the worker: pickling them copies memory in one
short step, where pickling every participant would hold the loop for the whole list."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Sequence
from concurrent.futures import Executor

from bot.common.collector import full_collections_held
from bot.intros.model import Participant, Round, Rules, assemble
from bot.intros.reasons import describe
from bot.intros.weights import Crowd, encode


async def plan_round_off_loop(
    participants: Sequence[Participant], rules: Rules, *, worker: Executor
) -> Round:
    """`plan_round` without stalling the event loop; `worker` is a process pool. Full
    garbage collections are held meanwhile (bot/common/collector.py)."""
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    with full_collections_held():
        crowd = await asyncio.to_thread(encode, participants, rules)
        groups = await loop.run_in_executor(worker, _planned, crowd, rules.size)
        described = await asyncio.to_thread(describe, participants, crowd, groups)
    return assemble(participants, described, started)


def in_background() -> None:
    """The worker process's first step: the lowest CPU priority (on a busy machine the
    serving process's replies come first), deaf to the terminal's Ctrl-C (copbot stops it
    at shutdown)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(19)


def _planned(crowd: Crowd, size: int) -> list[tuple[int, ...]]:
    """`grouping.plan`, imported in the worker: the serving process never loads the
    solvers (rustworkx, OR-Tools: half a second of its start-up)."""
    from bot.intros.grouping import plan

    return plan(crowd, size)
