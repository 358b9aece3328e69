"""Limits and request ids that belong to a token or a platform, not to a process: shared
through the database when several processes serve together (PostgreSQL), kept in memory
when one process is all there is (SQLite allows one per file)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.kernel.ports import DatabaseBusy, SharedLimits

log = logging.getLogger(__name__)
SLACK = 0.1  # seconds a request may go after its turn: at most 10% more in any second
RETRY = 1.0  # seconds before asking a database that failed again


class Recent:
    """Keys seen within the last `ttl` seconds, `size` of them at most: this process's
    memory."""

    def __init__(self, size: int, ttl: float, *, now: Callable[[], float] = time.monotonic) -> None:
        self._size, self._ttl, self._now = size, ttl, now
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first(self, key: str) -> bool:
        """Whether `key` is new (it is remembered from now on)."""
        now = self._now()
        while self._seen and next(iter(self._seen.values())) <= now - self._ttl:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


class Once:
    """Keys handled once across processes: this process's memory first (a repeat reaching
    the same process costs no round trip), then the shared record, when there is one."""

    def __init__(
        self, recent: Recent, shared: SharedLimits | None, *, scope: str, within: timedelta
    ) -> None:
        self._recent, self._shared = recent, shared
        self._scope, self._within = scope, within

    async def first(self, key: str) -> bool:
        """A database that doesn't answer lets the key through: handling a repeat (which the
        capabilities mostly absorb) beats dropping what a member did."""
        if not self._recent.first(key):
            return False
        if self._shared is None:
            return True
        try:
            return await self._shared.first_seen(self._scope, key, self._within)
        except DatabaseBusy as busy:
            log.warning(
                "could not check %s against the other processes (%s); handling it", key, busy
            )
        except Exception:
            log.exception("could not check %s against the other processes; handling it", key)
        return True


class LocalRate:
    """The same cell rate algorithm as `SharedLimits.turn`, in this process alone."""

    def __init__(
        self, per_second: float, burst: int, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval, self._burst, self._monotonic = 1 / per_second, burst, monotonic
        self._next = 0.0  # when the turn after the last one taken starts

    def turn(self) -> float:
        now = self._monotonic()
        self._next = max(self._next, now) + self._interval
        return max(0.0, self._next - self._burst * self._interval - now)


class Rate:
    """Turns for one bucket's requests (a bot token's): shared through the database when
    there is one for several processes, else this process's own. One question to the
    database at a time per process, so a burst of requests queues here rather than taking
    the pool's connections from the commands.

    A turn is kept only when this process knows to within `SLACK` when it comes: when the
    database took longer than that to answer, or the event loop woke the request later
    than its turn, the turn is let go and another taken. (A request going late crowds the
    ones after it: late by L, up to (1 + L) * per_second + burst go in one second.) While
    the database doesn't answer, the requests wait for it rather than go unshared."""

    def __init__(
        self,
        bucket: str,
        per_second: float,
        burst: int,
        shared: SharedLimits | None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bucket, self.shared = bucket, shared
        self._per_second, self._burst = per_second, burst
        self._sleep, self._monotonic = sleep, monotonic
        self._local = LocalRate(per_second, burst, monotonic=monotonic)
        self._asking = asyncio.Lock()

    async def wait(self) -> None:
        """Until this request's turn."""
        while True:
            asked = self._monotonic()
            delay = await self._turn()
            answered = self._monotonic()
            if delay is None or answered - asked > SLACK:
                continue
            await self._sleep(delay)
            if self._monotonic() - (answered + delay) <= SLACK:
                return

    async def _turn(self) -> float | None:
        """The wait until the next turn; None (after a pause) when the database failed."""
        if self.shared is None:
            return self._local.turn()
        async with self._asking:
            try:
                return await self.shared.turn(self.bucket, self._per_second, self._burst)
            except DatabaseBusy as busy:
                log.warning("no turn for %s (%s); trying again", self.bucket, busy)
            except Exception:
                log.exception("no turn for %s; trying again", self.bucket)
            await self._sleep(RETRY)
            return None
