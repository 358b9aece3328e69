"""The composition root: the one place that builds real storage and wires it to the core.

Production and tests both call `open_core`, swapping only the `Chat` and `Clock`.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime

from bot.app import build_catalog
from bot.kernel.catalog import Catalog
from bot.kernel.core import Core
from bot.kernel.ports import Chat, Clock
from bot.mentoring.solver import start_worker, stop_worker
from storage import open_store


class SystemClock:
    """The real time, aware and in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@asynccontextmanager
async def open_core(
    database_url: str, *, chat: Chat, clock: Clock, catalog: Catalog | None = None
) -> AsyncIterator[Core]:
    """A migrated store and a core on it, closed again on leaving."""
    store = await open_store(database_url, clock=clock)
    try:
        yield Core(catalog=catalog or build_catalog(), store=store, chat=chat, clock=clock)
    finally:
        await store.close()


@contextmanager
def serving_process() -> Iterator[None]:
    """A process that serves members: call once, after the imports and before the loop.

    Starts matching rounds' solver process while copbot is small (starting it later from a
    large process pauses the event loop while the memory map is copied), and moves what
    start-up made out of the garbage collector's reach: it lives as long as the process,
    and walking it in every full collection (one a second during large rounds) stalled the
    loop 100-150 ms each time."""
    start_worker()
    gc.freeze()
    try:
        yield
    finally:
        stop_worker()
