"""Background work: each capability contributes a runner (`Catalog.runner`), the
composition root builds one of each per process with the `Services` they share, and the
timer runs them (the outbox's sender among them). A capability's runner is the only place
it does work nobody asked for."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.common.cadence import Cadence
from bot.kernel.messages import CommunityKey
from bot.kernel.observer import UNOBSERVED, Observer
from bot.kernel.ports import Clock, Store

log = logging.getLogger(__name__)

GRACE = timedelta(hours=6)  # work due longer ago than this is recorded as missed, not done


class Runner(Protocol):
    """Idempotent: a doubled or late run, or two processes running at once, do nothing
    twice. The timer runs it at start-up, every `every`, and at each of its `alarms`."""

    @property
    def every(self) -> timedelta: ...

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        """Do what is due; what fell due longer than `grace` ago is recorded as missed
        (None: nothing is, as when the console moves its clock on). Returns how much was
        done, for the log."""
        ...

    async def alarms(self) -> Mapping[str, Cadence]:
        """Times to wake at exactly (prompt schedules), by keys that stay the same from one
        call to the next."""
        ...


@dataclass(frozen=True)
class Services:
    """What every runner of one process is built with. What a runner records to send goes
    out through the outbox, which `wake` hurries once the runner's unit of work commits;
    `observer` hears of the rounds it plans."""

    store: Store
    clock: Clock
    wake: Callable[[], None]
    observer: Observer = UNOBSERVED


RunnerFactory = Callable[[Services], Runner]


async def in_each(
    communities: Iterable[CommunityKey],
    work: Callable[[CommunityKey], Awaitable[int | None]],
    what: str,
) -> int:
    """`work` in each community, and the sum of what it returns: one community's failure is
    logged and the others go on (the runner's next run tries it again)."""
    total = 0
    for community in communities:
        try:
            total += await work(community) or 0
        except Exception:
            log.exception("%s in %s/%s failed", what, community.platform, community.id)
    return total
