"""Limits and request ids that belong to a token or a platform, not to a process: shared
through the database when several processes serve together (PostgreSQL), kept in memory
when one process is all there is (SQLite allows one per file)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import timedelta

from bot.kernel.ports import DatabaseBusy, SharedLimits

log = logging.getLogger(__name__)
SLACK = 0.1  # seconds a request may go after its turn: at most 10% more in any second
RETRY = 1.0  # seconds before asking a database that failed again
AHEAD = 5  # turns a process holds before they come, at most: an eighth of a second at 40/s
LATENESS_SEEN = 20  # the latest answers whose time sizes the spare turns (all but the worst)
MOST_SPARE = 0.5  # seconds of spare turns a question takes, at most


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
    """The same cell rate algorithm as `SharedLimits.turns`, in this process alone."""

    def __init__(
        self, per_second: float, burst: int, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval, self._burst, self._monotonic = 1 / per_second, burst, monotonic
        self._next = 0.0  # when the turn after the last one taken starts

    def turns(self, count: int) -> list[float]:
        waits = []
        for _ in range(count):
            now = self._monotonic()
            self._next = max(self._next, now) + self._interval
            waits.append(max(0.0, self._next - self._burst * self._interval - now))
        return waits


def _nearly_most(seen: deque[float]) -> float:
    """The second worst: one stall of the event loop alone doesn't slow every question."""
    return sorted(seen)[-2] if len(seen) > 1 else 0.0


def in_background() -> None:
    """What the current task sends from now on is copbot's own (the outbox's): its requests
    take their turns after those of anyone waiting for an answer (a command's, an event's)."""
    _background.set(True)


_background: ContextVar[bool] = ContextVar("copbot_background_requests", default=False)


class Rate:
    """Turns for one bucket's requests (a bot token's): shared through the database when
    there is one for several processes, else this process's own.

    One task asks for the turns of every request waiting in this process, several in one
    statement, and holds `AHEAD` at most before they come: no request queues for another's
    answer, and the process books no more of the shared turns than it can use at once.
    Each turn, when it comes, goes to the request waiting longest among those someone waits
    on (a command's, an event's), and only when none does to the outbox's
    (`in_background`): a member's command waits for this process's next turn, never behind
    the turns a posting backlog took.

    A request goes late by what the database's answer took and by how late the event loop
    reaches its turn, never early; late by L, it crowds the turns after it (up to
    (1 + L) * per_second + burst in one second). So each question also takes spare turns,
    left unused after the batch, as many as the recent answers' time past `SLACK` fills:
    late by up to `SLACK` plus their length, the batch's requests crowd nobody. A turn
    later than that is let go and another taken: a slow database slows the requests down
    (the next questions take more spare turns, once it isn't one answer alone) rather than
    starving them.
    While the database doesn't answer, the requests wait for it rather than go unshared."""

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
        # Requests waiting for a turn: someone's (False) first, then the outbox's (True).
        self._waiting: dict[bool, deque[asyncio.Future[None]]] = {False: deque(), True: deque()}
        self._held = 0  # turns taken whose moment hasn't come
        self._lateness: deque[float] = deque(maxlen=LATENESS_SEEN)  # the latest answers' time
        self._asker: asyncio.Task[None] | None = None
        self._coming: set[asyncio.Task[None]] = set()

    async def wait(self) -> None:
        """Until this request's turn."""
        turn = asyncio.get_running_loop().create_future()
        self._waiting[_background.get()].append(turn)
        self._ask()
        await turn  # cancelled with the request: a turn that comes then goes to the next

    def _ask(self) -> None:
        if self._wanted() > 0 and (self._asker is None or self._asker.done()):
            self._asker = asyncio.get_running_loop().create_task(self._asking())

    def _wanted(self) -> int:
        waiting = sum(not turn.done() for queue in self._waiting.values() for turn in queue)
        return min(waiting, AHEAD) - self._held

    async def _asking(self) -> None:
        while (wanted := self._wanted()) > 0:
            late = min(_nearly_most(self._lateness), MOST_SPARE)
            spare = math.ceil(max(0.0, late - SLACK) * self._per_second)
            within = SLACK + spare / self._per_second  # how late the batch may go
            asked = self._monotonic()
            waits = await self._turns(wanted + spare)
            answered = self._monotonic()
            took = answered - asked
            if waits is None:
                continue
            self._lateness.append(took)
            if took > within:
                continue
            for wait in waits[:wanted]:
                self._held += 1
                turn = self._comes(answered + wait, took, within)
                coming = asyncio.get_running_loop().create_task(turn)
                self._coming.add(coming)
                coming.add_done_callback(self._coming.discard)

    async def _comes(self, at: float, took: float, within: float) -> None:
        """The turn at `at` (known to `took`), to the first request waiting, if the loop is
        there `within` of it."""
        await self._sleep(max(0.0, at - self._monotonic()))
        self._held -= 1
        if took + max(0.0, self._monotonic() - at) <= within:
            self._give()
        self._ask()

    def _give(self) -> None:
        for queue in self._waiting.values():
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return

    async def _turns(self, count: int) -> list[float] | None:
        """The waits until the next `count` turns; None (after a pause) when the database
        failed."""
        if self.shared is None:
            return self._local.turns(count)
        try:
            return await self.shared.turns(self.bucket, self._per_second, self._burst, count)
        except DatabaseBusy as busy:
            log.warning("no turn for %s (%s); trying again", self.bucket, busy)
        except Exception:
            log.exception("no turn for %s; trying again", self.bucket)
        await self._sleep(RETRY)
        return None
