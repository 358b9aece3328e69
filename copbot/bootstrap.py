"""The composition root: the one place that builds real storage, the catalog, the core,
every capability's runner and the timer, for every kind of process (the console, Discord,
Slack, benchmarks and tests alike, swapping only the `Chat` and the `Clock`).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.app import build_catalog
from bot.intros.planner import use_worker
from bot.kernel.catalog import Catalog
from bot.kernel.core import Core
from bot.kernel.messages import CommunityKey
from bot.kernel.outbox import Outbox
from bot.kernel.pacer import Pacer
from bot.kernel.ports import Chat, Clock
from bot.kernel.runners import GRACE, Services
from bot.mentoring.solver import start_worker, stop_worker
from bot.mentoring.worker import ONE_THREAD
from bot.timer import Timer
from storage.store import open_store


class SystemClock:
    """The real time, aware and in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class App:
    """One process's copbot: the core, the outbox's sender, and the timer that runs it and
    every capability's runner (started by whoever knows when the chat can post)."""

    core: Core
    outbox: Outbox
    timer: Timer


@asynccontextmanager
async def open_app(
    database_url: str,
    *,
    chat: Chat,
    clock: Clock,
    catalog: Catalog | None = None,
    grace: timedelta = GRACE,
) -> AsyncIterator[App]:
    """A migrated store and everything on it; closed again (the timer stopped) on leaving."""
    store = await open_store(database_url, clock=clock)
    catalog = catalog or build_catalog()
    outbox = Outbox(
        store=store, chat=chat, clock=clock, pacer=Pacer(chat.limits), deliveries=catalog.deliveries
    )
    services = Services(store=store, clock=clock, wake=outbox.wake)
    runners = [outbox, *(build(services) for build in catalog.runners)]
    core = Core(catalog=catalog, store=store, chat=chat, clock=clock, outbox=outbox)
    timer = Timer(runners, grace=grace)
    try:
        yield App(core, outbox, timer)
    finally:
        timer.shutdown()
        await outbox.stop()
        await store.close()


@asynccontextmanager
async def open_core(
    database_url: str, *, chat: Chat, clock: Clock, catalog: Catalog | None = None
) -> AsyncIterator[Core]:
    """The core alone, its timer never started (tests and scripts move time themselves)."""
    async with open_app(database_url, chat=chat, clock=clock, catalog=catalog) as app:
        yield app.core


@asynccontextmanager
async def serving_core(
    database_url: str,
    *,
    chat: Chat,
    clock: Clock,
    catalog: Catalog | None = None,
    grace: timedelta = GRACE,
) -> AsyncIterator[Core]:
    """The core with its timer running, for a platform whose chat can post at once."""
    async with open_app(database_url, chat=chat, clock=clock, catalog=catalog, grace=grace) as app:
        await app.timer.start()
        yield app.core


async def erase_community(database_url: str, community: CommunityKey, *, clock: Clock) -> bool:
    """Everything copbot keeps of one community, erased now (`copbot erase-community`, for
    whoever runs copbot; a community that removed copbot is erased by the privacy runner).
    False when there was nothing of it."""
    store = await open_store(database_url, clock=clock)
    try:
        return await store.erase_community(community, clock.now())
    finally:
        await store.close()


@contextmanager
def serving_process() -> Iterator[None]:
    """A process that serves members: call once, after the imports and before the loop.

    Starts the worker processes of matching and intros rounds at once, so the first round
    doesn't wait for their imports, and moves what start-up made out of the garbage
    collector's reach: it lives as long as the process, and walking it in every full
    collection (one a second during large rounds) stalled the loop 100-150 ms each time."""
    start_worker()
    intros = intros_worker()
    use_worker(intros)
    gc.freeze()
    try:
        yield
    finally:
        use_worker(None)
        intros.shutdown(cancel_futures=True)
        stop_worker()


def intros_worker() -> ProcessPoolExecutor:
    """The process intros rounds are solved in (bot/intros/worker.py), started now, as the
    matching rounds' one is: a fresh interpreter (spawned, not forked from a process with
    threads), one BLAS thread, the lowest CPU priority."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_background,
    )
    saved = {name: os.environ.get(name) for name in ONE_THREAD}
    os.environ.update(ONE_THREAD)  # read by the child's libraries as they load
    try:
        pool.submit(os.getpid).result()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return pool


def _background() -> None:
    """A worker process at the lowest CPU priority (on a busy machine the serving process's
    replies come first), deaf to the terminal's Ctrl-C: copbot stops it at shutdown."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(19)


def log_to_terminal(level: str) -> None:
    """A serving process's log, on stderr, without the libraries that narrate every step."""
    from rich.console import Console
    from rich.logging import RichHandler

    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False)],
    )
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
