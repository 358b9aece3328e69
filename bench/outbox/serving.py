"""The serving process of `bench.outbox`: copbot's real sender, the sends recorded as
capabilities record them, and the faulty platform it delivers to."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench.platform import LoggedChat
from bot.kernel.messages import CommunityKey, Reply
from bot.kernel.outbox import LEASE
from bot.kernel.ports import ChatLimits, Clock
from bot.kernel.sends import Post, Send
from copbot.bootstrap import App, SystemClock, open_app

LIMITS = {  # as the adapters give them to the Pacer
    "discord": ChatLimits(requests_per_second=45.0),
    "slack": ChatLimits(channel_interval=1.0),
}
RATES = {"discord": 36.0, "slack": 100.0}  # sends due a second: ~85% of Discord's pacing
FAILING = 0.01
LATENCY = 0.02  # seconds the platform takes to answer
CHANNELS = 4
TWICE = 20  # every 20th send posts twice
TICK = 0.01
STALL_SHOWN = 0.03


class Unavailable(Exception):
    """A 5xx: worth retrying."""


@dataclass(frozen=True)
class Plan:
    """One run, as both serving processes get it."""

    run: str
    database: str
    log: str
    recorded: str
    sends: int
    communities: int
    rate: float
    platform: str
    t0: str | None = None  # the first process sets it

    def start(self) -> datetime:
        assert self.t0 is not None
        return datetime.fromisoformat(self.t0)

    def due(self, n: int) -> datetime:
        return self.start() + timedelta(seconds=n / self.rate)

    def community(self, n: int) -> str:
        return f"{self.run}-c{n % self.communities}"

    def channel(self, n: int) -> str:
        """Unique across communities, as Discord's and Slack's channel ids are (the Pacer
        keeps each channel's gap by its id)."""
        return f"{self.community(n)}-ch{n // self.communities % CHANNELS}"

    def keys(self, n: int) -> list[str]:
        """The keys its posts carry (`Outbox._post`'s `key#step`)."""
        return [f"{self.run}-{n}#{step}" for step in range(2 if n % TWICE == 0 else 1)]

    def healed(self) -> datetime:
        return self.due(self.sends // 3)

    def down(self) -> str:
        return self.community(0)


class FaultyPlatform(LoggedChat):
    """The shared log's platform, answering after `LATENCY`, failing 1% of calls (half
    of the failed posts after storing the message) and every call of the down community
    until it heals."""

    def __init__(self, plan: Plan, clock: Clock) -> None:
        super().__init__(Path(plan.log), clock, LIMITS[plan.platform])
        self.plan, self.faults = plan, Counter[str]()
        self._random = random.Random(os.getpid())  # not the killed process's faults again

    async def answer(self, community: CommunityKey, call: str) -> None:
        await asyncio.sleep(LATENCY)
        self.faults[f"{call}s"] += 1
        if community.id == self.plan.down() and self.clock.now() < self.plan.healed():
            self.faults[f"{call}s the down community failed"] += 1
            raise Unavailable("503 Service Unavailable")
        if self._random.random() < (FAILING / 2 if call == "post" else FAILING):
            self.faults[f"{call}s failed"] += 1
            raise Unavailable("502 Bad Gateway")

    def stored(self, key: str | None) -> None:
        if self._random.random() < FAILING / 2:
            self.faults["posts stored, then failed"] += 1
            raise Unavailable("504 Gateway Timeout")


class Stall:
    """The lateness of a 10 ms ticker: how long the event loop was kept from it. The
    longest are kept with when they were, the CPU time the loop's thread and the whole
    process used meanwhile, and how long the loop's thread waited for a CPU (the machine
    is shared): `own` is the worst lateness less that wait, the part that was copbot's."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.worst, self.own = clock, 0.0, 0.0
        self.longest = list[tuple[float, str]]()  # lateness, what it was made of and when

    async def watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            began, usage = loop.time(), _usage()
            await asyncio.sleep(TICK)
            late = loop.time() - began - TICK
            thread, process, queued = (b - a for a, b in zip(usage, _usage(), strict=True))
            self.worst, self.own = max(self.worst, late), max(self.own, late - queued)
            if late > STALL_SHOWN:
                said = (
                    f"{late * 1000:.0f} ms at {self.clock.now():%X}: loop ran {thread * 1000:.0f},"
                    f" process {process * 1000:.0f}, loop waited for a CPU {queued * 1000:.0f}"
                )
                self.longest = sorted([*self.longest, (late, said)])[-5:]


def _usage() -> tuple[float, float, float]:
    """The loop thread's CPU time, the process's, and the thread's wait for a CPU."""
    queued = int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    return time.thread_time(), time.process_time(), queued


def send(plan: Plan, n: int) -> Send:
    post = Post(Reply(f"send {n}"), channel_id=plan.channel(n))
    steps = (post, Post(Reply(f"send {n}, again"), into=0)) if n % TWICE == 0 else (post,)
    return Send("notice", f"{plan.run}-{n}", steps)


class Recorded:
    """The keys of the sends a process recorded (committed), kept across the kill so the
    restarted process records only the rest: a send committed before the kill and gone
    after it is then lost, not recorded again."""

    def __init__(self, path: Path) -> None:
        self.keys = set(path.read_text().split()) if path.exists() else set()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def add(self, key: str) -> None:
        os.write(self._fd, f"{key}\n".encode())


async def produce(app: App, plan: Plan) -> None:
    """Each send recorded at its due time in its community's unit of work, as a runner or
    a command records it, and the sender woken after the commit, as the core wakes it."""
    recorded = Recorded(Path(plan.recorded))
    for n in range(plan.sends):
        key = f"{plan.run}-{n}"
        if key in recorded.keys:
            continue
        await asyncio.sleep((plan.due(n) - app.core.clock.now()).total_seconds())
        community = CommunityKey("bench", plan.community(n))
        async with app.core.store.unit_of_work(community) as uow:
            await uow.outbox.add(send(plan, n), app.core.clock.now())
            await uow.commit()
        recorded.add(key)
        app.outbox.wake()


async def serve(plan: Plan, stats: Path) -> None:
    """A serving process: records the plan's sends and delivers them, until every post is
    on the platform or the plan's time is well past."""
    logging.basicConfig(
        filename=stats.with_suffix(".log"),
        level=logging.WARNING,
        format="%(levelname)s %(message)s",
    )
    clock = SystemClock()
    chat, stall = FaultyPlatform(plan, clock), Stall(clock)
    async with open_app(plan.database, chat=chat, clock=clock) as app:
        watching = asyncio.create_task(stall.watch())
        ready = clock.now()
        if plan.t0 is None:
            plan = Plan(**{**asdict(plan), "t0": (ready + timedelta(seconds=1)).isoformat()})
            chat.plan = plan
        producing = asyncio.create_task(produce(app, plan))
        await app.timer.start()
        wanted = {key for n in range(plan.sends) for key in plan.keys(n)}
        end = plan.due(plan.sends) + LEASE + timedelta(seconds=60)
        while True:
            faults = {**chat.faults, "lookups that found the post": chat.found}
            report = {"plan": asdict(plan), "ready": ready.isoformat(), "faults": faults}
            _write(
                stats, {**report, "stall": stall.worst, "own": stall.own, "longest": stall.longest}
            )
            if not wanted - chat.posted().keys() or clock.now() > end:
                break
            await asyncio.sleep(0.5)
        producing.cancel()
        watching.cancel()


def _write(path: Path, data: object) -> None:
    """A line appended (the parent reads the last whole one, even of a killed process);
    not a file replaced, which on ext4 waits for the new file's data to reach the disk:
    on this busy machine that alone stalled the loop 100-400 ms."""
    with path.open("a") as stats:
        stats.write(json.dumps(data) + "\n")
