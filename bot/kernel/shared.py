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
from typing import Protocol

log = logging.getLogger(__name__)


class SharedLimits(Protocol):
    """What the processes on one database keep together."""

    async def first_seen(self, scope: str, key: str, within: timedelta) -> bool:
        """Whether no process saw `key` in `scope` during the last `within`: one caller
        gets True, however many ask at once; it is seen from then on."""
        ...

    async def turn(self, bucket: str, per_second: float, burst: int) -> float:
        """Seconds to wait before one more request of `bucket` goes out, so that all the
        processes' requests together keep to `per_second`, `burst` of them at once at most:
        each call takes the next free turn (a generic cell rate algorithm on one row, by the
        database's clock, so the processes' own clocks don't matter)."""
        ...


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
    the pool's connections from the commands."""

    def __init__(
        self,
        bucket: str,
        per_second: float,
        burst: int,
        shared: SharedLimits | None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bucket, self.shared = bucket, shared
        self._per_second, self._burst, self._sleep = per_second, burst, sleep
        self._local = LocalRate(per_second, burst)
        self._asking = asyncio.Lock()

    async def wait(self) -> None:
        """Until this request's turn. A database that doesn't answer falls back to this
        process's own pace for the request (logged), rather than failing it."""
        delay: float | None = None
        if self.shared is not None:
            async with self._asking:
                try:
                    delay = await self.shared.turn(self.bucket, self._per_second, self._burst)
                except Exception:
                    log.exception("no shared turn for %s; pacing this process alone", self.bucket)
        if delay is None:
            delay = self._local.turn()
        if delay > 0:
            await self._sleep(delay)
