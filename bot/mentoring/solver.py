"""The assignment solver's own process: OR-Tools holds the GIL for its whole run, so a
round solved in copbot's process would stall its event loop (heartbeats, 3-second acks)."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

import numpy as np
from numpy.typing import NDArray

from bot.mentoring.assignment import plan_round
from bot.mentoring.flows import solve_flow
from bot.mentoring.matching import MentorOffer, Plan, Seeker

_worker: ProcessPoolExecutor | None = None


def start_worker() -> ProcessPoolExecutor:
    """The solver's process, started early by the composition root: starting a process
    from a large one pauses it (and its event loop) while the memory map is copied."""
    global _worker
    if _worker is None:
        _worker = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_leave_ctrl_c_to_copbot
        )
        _worker.submit(int).result()  # the process exists now, not at the first round
    return _worker


def _leave_ctrl_c_to_copbot() -> None:
    """Ctrl-C reaches every process of the terminal's foreground group: the worker ignores
    it (instead of printing a traceback of its own) and stops when copbot stops it, or
    ends, however it ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_copbot, name="end-with-copbot", daemon=True).start()


def _end_with_copbot() -> None:
    """A copbot killed outright (SIGKILL, the OOM killer) can't stop its worker, which
    would wait for work for ever: it ends as soon as its parent process has."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(0)


def stop_worker() -> None:
    """Let the solver's process go (at shutdown; the next round starts a new one)."""
    global _worker
    if _worker is not None:
        _worker.shutdown()
        _worker = None


async def plan_round_off_loop(seekers: Sequence[Seeker], mentors: Sequence[MentorOffer]) -> Plan:
    """`plan_round` without stalling the event loop (heartbeats, 3-second acks): scoring in
    a thread (numpy lets the loop run), the solver in a worker process, because OR-Tools
    holds the GIL for its whole run. The community's objects are frozen meanwhile: a full
    garbage collection scanning them all would hold the GIL (and the loop) for a quarter
    of a second at 100,000 requests."""
    gc.freeze()
    try:
        return await asyncio.to_thread(plan_round, seekers, mentors, _assign_in_worker)
    finally:
        gc.unfreeze()


def _assign_in_worker(
    tails: NDArray[np.int64],
    heads: NDArray[np.int64],
    capacities: NDArray[np.int64],
    costs: NDArray[np.int64],
    supply: int,
) -> NDArray[np.int64]:
    # The graph goes through shared memory: pickling tens of megabytes would hold the GIL
    # (and so the event loop) in one piece; numpy copies into the buffer without it.
    graph = (tails.astype(np.int32), heads.astype(np.int32), capacities, costs)
    size = sum(a.nbytes for a in graph)
    memory = shared_memory.SharedMemory(create=True, size=max(1, size))
    try:
        layout = []
        offset = 0
        for array in graph:
            view = np.ndarray(array.shape, array.dtype, buffer=memory.buf, offset=offset)
            view[:] = array
            layout.append((array.dtype.str, len(array), offset))
            offset += array.nbytes
        del view
        solved = start_worker().submit(_assign_shared, memory.name, layout, supply)
        return solved.result()
    finally:
        memory.close()
        memory.unlink()


def _assign_shared(name: str, layout: list[tuple[str, int, int]], supply: int) -> NDArray[np.int64]:
    """`solve_flow` in the worker, on the graph `_assign_in_worker` put in shared memory."""
    memory = shared_memory.SharedMemory(name=name)
    try:
        tails, heads, capacities, costs = (
            np.ndarray((n,), np.dtype(dtype), buffer=memory.buf, offset=offset).copy()
            for dtype, n, offset in layout
        )
        return solve_flow(tails, heads, capacities, costs, supply)
    finally:
        memory.close()
