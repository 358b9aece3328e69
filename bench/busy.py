"""A third process keeping one core busy for a benchmark's length (`--busy-core`): figures
on a machine where copbot is not alone, as on a small shared server."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager


def _spin(parent: int) -> None:
    """Pure-Python arithmetic: one core's worth of CPU, no memory, no I/O. In a session of
    its own, as another program would be: Linux's autogroups share the CPU between
    sessions first, so the busy process doesn't compete inside the benchmark's own group
    (against copbot's niced round worker) as no neighbour on a real machine would. It
    ends once the benchmark has, however it ended (not in the benchmark's process group
    any more, a kill of that group misses it)."""
    os.setsid()
    n = 0
    while os.getppid() == parent:
        for _ in range(100_000):
            n = (n * 1_103_515_245 + 12_345) % 2_147_483_648


@contextmanager
def busy_core(enabled: bool = True) -> Iterator[None]:
    """One CPU-bound process while the block runs (none when not `enabled`), stopped on
    exit however the block ends."""
    if not enabled:
        yield
        return
    spawn = multiprocessing.get_context("spawn")
    spinner = spawn.Process(target=_spin, args=(os.getpid(),), name="busy-core", daemon=True)
    spinner.start()
    try:
        yield
    finally:
        spinner.terminate()
        spinner.join()
