"""The composition root: the one place that builds real storage, the catalog, the core,
every capability's runner and the timer, for every kind of process (the console, Discord,
Slack, benchmarks and tests alike, swapping only the `Chat` and the `Clock`).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import types
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.app import build_catalog
from bot.intros.planner import use_worker
from bot.intros.worker import in_background
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
from copbot.config import Settings
from copbot.ops import Operations
from storage.slack_installs import SlackStores, slack_stores
from storage.store import SqlStore, open_store


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
    ops: Operations


@asynccontextmanager
async def open_app(
    database_url: str,
    *,
    chat: Chat,
    clock: Clock,
    catalog: Catalog | None = None,
    grace: timedelta = GRACE,
    ops: Operations | None = None,
    platform: str | None = None,
) -> AsyncIterator[App]:
    """A migrated store and everything on it; closed again (the timer stopped) on leaving.
    `ops`: the process's operator view, which it reports to (a new one if not given).
    `platform`: the one `chat` posts to, whose communities' sends this app delivers (the
    database may hold other platforms' too); None: every community's."""
    store = await open_store(database_url, clock=clock)
    catalog = catalog or build_catalog()
    ops = ops or Operations(clock)
    observer = ops.metrics
    outbox = Outbox(
        store=store,
        chat=chat,
        clock=clock,
        pacer=Pacer(chat.limits),
        deliveries=catalog.deliveries,
        observer=observer,
        platform=platform,
    )
    services = Services(store=store, clock=clock, wake=outbox.wake, observer=observer)
    runners = [outbox, *(build(services) for build in catalog.runners)]
    core = Core(
        catalog=catalog, store=store, chat=chat, clock=clock, outbox=outbox, observer=observer
    )
    timer = Timer(runners, grace=grace)
    ops.watch(store)
    try:
        yield App(core, outbox, timer, ops)
    finally:
        timer.shutdown()
        await outbox.stop()
        ops.forget(store)
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
    ops: Operations | None = None,
    platform: str | None = None,
) -> AsyncIterator[Core]:
    """The core with its timer running, for a platform whose chat can post at once."""
    opened = open_app(
        database_url,
        chat=chat,
        clock=clock,
        catalog=catalog,
        grace=grace,
        ops=ops,
        platform=platform,
    )
    async with opened as app:
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


def slack_installs(core: Core, client_id: str) -> SlackStores:
    """Slack's installation and OAuth state stores (installed by OAuth), on the database
    the core's store has open: SQLite allows one writer per process."""
    store = core.store
    assert isinstance(store, SqlStore)  # open_app built it
    return slack_stores(store.database, client_id)


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
    threads), one BLAS thread, the lowest CPU priority. Not waited for: it loads its
    imports while copbot starts (the child is launched, with this environment, within
    `submit`)."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=in_background,
    )
    saved = {name: os.environ.get(name) for name in ONE_THREAD}
    os.environ.update(ONE_THREAD)  # read by the child's libraries as they load
    # Ctrl-C ignored from its first instruction (a terminal's reaches the whole process
    # group, the child still importing too): Python keeps an inherited SIG_IGN. Only the
    # main thread may set it; started elsewhere (tests), `in_background` does it later.
    main = threading.current_thread() is threading.main_thread()
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        with _no_main_module():
            pool.submit(os.getpid)
    finally:
        if main:
            signal.signal(signal.SIGINT, interrupt)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return pool


@contextmanager
def _no_main_module() -> Iterator[None]:
    """A spawned child first imports the parent's `__main__` (copbot's entry point, so the
    whole application: 125 MB for a process that needs only the grouping engine); shown an
    empty one while it is launched, it imports only what its work needs."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def log_to_terminal(settings: Settings) -> None:
    """A serving process's log, on stderr (JSON lines with `log_format = "json"`), without
    the libraries that narrate every step, and without the config's secrets."""
    from copbot.logs import configure

    configure(
        settings.log_level, json_lines=settings.log_format == "json", secrets=settings.secrets()
    )
