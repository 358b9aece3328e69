"""How late the event loop runs: a ticker sleeps a millisecond at a time and keeps the
worst lateness, which is how long anything else (a heartbeat, an ack) would have waited."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

TICK_S = 0.001


@dataclass
class Stall:
    worst_ms: float = 0.0


@contextlib.asynccontextmanager
async def watched(tick_s: float = TICK_S) -> AsyncIterator[Stall]:
    """The worst stall of the loop while the block runs, ticking every `tick_s`."""
    stall = Stall()

    async def tick() -> None:
        while True:
            began = time.perf_counter()
            await asyncio.sleep(tick_s)
            stall.worst_ms = max(stall.worst_ms, (time.perf_counter() - began - tick_s) * 1000)

    ticker = asyncio.create_task(tick())
    try:
        yield stall
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
