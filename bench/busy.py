"""A third process keeping one core busy for a benchmark's length (`--busy-core`): figures
on a machine where copbot is not alone, as on a small shared server."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager


def _spin() -> None:
    """Pure-Python arithmetic for ever: one core's worth of CPU, no memory, no I/O."""
    n = 0
    while True:
        n = (n * 1_103_515_245 + 12_345) % 2_147_483_648


@contextmanager
def busy_core(enabled: bool = True) -> Iterator[None]:
    """One CPU-bound process while the block runs (none when not `enabled`), stopped on
    exit however the block ends."""
    if not enabled:
        yield
        return
    spinner = multiprocessing.get_context("spawn").Process(
        target=_spin, name="busy-core", daemon=True
    )
    spinner.start()
    try:
        yield
    finally:
        spinner.terminate()
        spinner.join()
