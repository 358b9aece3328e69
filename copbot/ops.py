"""What whoever runs copbot sees of one process: `GET /healthz` and Prometheus `GET /metrics`,
served by a small aiohttp server beside the platforms (`[ops]` in the config).

The core and the outbox report through the kernel's `Observer` port, which `Metrics`
implements here with prometheus_client; what only the database knows (the outbox's
backlog, the pool) is read when Prometheus scrapes, so a scrape costs a query and a
command costs a few counter increments.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.kernel.observer import Outcome
from bot.kernel.ports import Clock
from storage.database import PoolUse
from storage.store import Backlog

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # a health check that takes longer counts as down
LAG_EVERY = 0.25  # seconds between the loop-lag sampler's wake-ups
# Command latency: a command answers in milliseconds; Discord and Slack give up at 3 s.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

Check = Callable[[], Awaitable[bool]]  # whether one platform's connection is up


class Watched(Protocol):
    """What the metrics and the health check read of a store (storage's `SqlStore`)."""

    async def reachable(self) -> None: ...

    async def outbox_backlog(self, now: datetime) -> list[Backlog]: ...

    def pool_use(self) -> PoolUse: ...


class Metrics:
    """The process's metrics, in a registry of its own (a test may run several apps)."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.commands = Counter(
            "copbot_commands",
            "Calls to the core (commands, buttons and forms, message actions, reactions)",
            ["kind", "path", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "copbot_command_seconds",
            "How long the core took to answer, by command",
            ["kind", "path"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.sends = Counter(
            "copbot_sends",
            "Attempts at sends by the outbox (sent, failed and retried, refused, dropped)",
            ["platform", "outcome"],
            registry=registry,
        )
        self.queued = Gauge(
            "copbot_outbox_unfinished",
            "Sends recorded and not finished yet (waiting or being sent), in the database",
            ["platform"],
            registry=registry,
        )
        self.outbox_age = Gauge(
            "copbot_outbox_oldest_due_seconds",
            "How long ago the oldest send due now fell due (0: none is)",
            ["platform"],
            registry=registry,
        )
        self.rounds = Counter(
            "copbot_rounds_planned", "Scheduled rounds planned", ["kind"], registry=registry
        )
        self.round_seconds = Histogram(
            "copbot_round_planning_seconds", "How long planning a round took", ["kind"],
            buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120), registry=registry,
        )  # fmt: skip
        self.loop_lag = Histogram(
            "copbot_event_loop_lag_seconds",
            f"How late the event loop woke a task that slept {LAG_EVERY} s",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.pool_in_use = Gauge(
            "copbot_database_connections_in_use", "Database connections taken", registry=registry
        )
        self.pool_size = Gauge(
            "copbot_database_connections", "Database connections there may be", registry=registry
        )
        self._handled: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        self._platforms: set[str] = set()

    # The kernel's Observer

    def handled(self, kind: str, path: str, outcome: Outcome, seconds: float) -> None:
        children = self._handled.get((kind, path, outcome))
        if children is None:  # each label set once: `labels()` takes a lock and a lookup
            counter = self.commands.labels(kind, path, outcome.value)
            children = self._handled[(kind, path, outcome)] = (
                counter,
                self.latency.labels(kind, path),
            )
        children[0].inc()
        children[1].observe(seconds)

    def delivered(self, platform: str, outcome: str) -> None:
        self.sends.labels(platform, outcome).inc()

    def round_planned(self, kind: str, seconds: float) -> None:
        self.rounds.labels(kind).inc()
        self.round_seconds.labels(kind).observe(seconds)

    # Read at a scrape

    async def read_stores(self, stores: list[Watched], now: datetime) -> None:
        """The pools, and the outbox's backlog (one database: the first store says it)."""
        uses = [store.pool_use() for store in stores]
        self.pool_in_use.set(sum(use.in_use for use in uses))
        self.pool_size.set(sum(use.size for use in uses))
        if stores:
            backlogs = await stores[0].outbox_backlog(now)
            for platform in self._platforms:  # a platform with none left shows 0, not stale
                self.queued.labels(platform).set(0)
                self.outbox_age.labels(platform).set(0)
            for backlog in backlogs:
                self._platforms.add(backlog.platform)
                self.queued.labels(backlog.platform).set(backlog.unfinished)
                age = (now - backlog.oldest_due).total_seconds() if backlog.oldest_due else 0
                self.outbox_age.labels(backlog.platform).set(max(0.0, age))


class Operations:
    """One process's operator view: the metrics every app reports to, the stores they
    opened and each platform's connection check."""

    def __init__(self, clock: Clock | None = None) -> None:
        """`clock`: the time the outbox's due times are compared with (the system's)."""
        self.clock = clock
        self.metrics = Metrics()
        self.stores: list[Watched] = []
        self.checks: dict[str, Check] = {}

    def watch(self, store: Watched) -> None:
        self.stores.append(store)

    def forget(self, store: Watched) -> None:
        if store in self.stores:
            self.stores.remove(store)

    def check(self, platform: str, connected: Check) -> None:
        self.checks[platform] = connected

    async def health(self) -> tuple[bool, dict[str, object]]:
        """Whether everything is up, and what each part said."""
        database = "ok" if self.stores else "not open"
        for store in self.stores:
            if not await _passes(store.reachable):
                database = "unreachable"
        platforms = {
            name: "connected" if await _passes(connected) else "disconnected"
            for name, connected in self.checks.items()
        }
        healthy = database == "ok" and all(v == "connected" for v in platforms.values())
        return healthy, {
            "status": "ok" if healthy else "down",
            "database": database,
            "platforms": platforms,
        }

    async def healthz(self, request: web.Request) -> web.Response:
        healthy, body = await self.health()
        return web.json_response(body, status=200 if healthy else 503)

    async def scrape(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                now = self.clock.now() if self.clock else datetime.now(UTC)
                await self.metrics.read_stores(self.stores, now)
        except Exception:  # the counters still answer; the gauges keep their last value
            log.warning("reading the database for /metrics failed", exc_info=True)
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    @asynccontextmanager
    async def serving(self, host: str, port: int) -> AsyncIterator[int | None]:
        """`/healthz` and `/metrics` on `host:port` (0: any free port, yielded), and the
        loop-lag sampler, until the block ends. A port that is taken is logged and yields
        None: copbot serves its members without them rather than not at all."""
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.scrape)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sampler = asyncio.get_running_loop().create_task(sample_loop_lag(self.metrics.loop_lag))
        try:
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as error:
                log.error("can't serve /healthz and /metrics on %s:%d: %s", host, port, error)
                yield None
                return
            bound = runner.addresses[0][1]
            log.debug("serving /healthz and /metrics on %s:%d", host, bound)
            yield bound
        finally:
            sampler.cancel()
            await runner.cleanup()


async def _passes(check: Callable[[], Awaitable[object]]) -> bool:
    """Whether `check` answers in time, without raising, and not False."""
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            return await check() is not False
    except Exception:  # a failed check is the answer: down
        log.info("a health check failed", exc_info=True)
        return False


class Observes(Protocol):
    def observe(self, amount: float) -> None: ...


async def sample_loop_lag(into: Observes, every: float = LAG_EVERY) -> None:
    """How late the loop wakes a task that sleeps `every` seconds: what every command
    waited on top of its own work meanwhile."""
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(every)
        into.observe(max(0.0, time.perf_counter() - asked - every))
