"""The composition root: the one place that builds real storage and wires it to the core.

Production and tests both call `open_core`, swapping only the `Chat` and `Clock`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from bot.app import build_catalog
from bot.catalog import Catalog
from bot.core import Core
from bot.ports import Chat, Clock
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
