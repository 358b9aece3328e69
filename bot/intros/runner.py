"""Intros' background work, run by the timer every minute: rounds that fall due, their
half-way "did you meet?", and their close (ignored intros counted, ghosts paused)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.common.cadence import Cadence
from bot.common.collector import round_work
from bot.intros.publishing import claim_and_publish, close, follow_up, prepare
from bot.intros.records import Programme, RoundStatus
from bot.kernel.catalog import Catalog
from bot.kernel.messages import CommunityKey, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.observer import UNOBSERVED, Observer
from bot.kernel.ports import Clock, Store
from bot.kernel.runners import GRACE, Services, in_each


def register(catalog: Catalog) -> None:
    catalog.runner(intro_runner)


def intro_runner(services: Services) -> IntroRunner:
    return IntroRunner(services.store, services.clock, services.wake, services.observer)


@dataclass
class IntroRunner:
    """Every step is a claim (a unique round per programme and due time, a flag flipped
    once), so two processes running it at once do each thing once; what it sends is
    recorded with the change and goes out through the outbox. One community's trouble
    never holds up another's."""

    store: Store
    clock: Clock
    wake: Callable[[], None] = lambda: None
    observer: Observer = UNOBSERVED  # hears how long each scheduled round took to plan
    every = timedelta(minutes=1)

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        """Returns how many rounds were published."""
        return await in_each(
            await self.store.communities_with_intros(),
            lambda community: self._community(community, grace),
            "intros",
        )

    async def alarms(self) -> Mapping[str, Cadence]:
        return {}  # every minute is exact enough for rounds and follow-ups

    async def _community(self, community: CommunityKey, grace: timedelta | None) -> int:
        now = self.clock.now()
        async with self.store.unit_of_work(community) as uow:
            closings = await uow.intros.due_closings(now)
            follow_ups = await uow.intros.due_follow_ups(now)
            programmes = [p for p in await uow.intros.programmes() if not p.paused]
        for closing in closings:  # before the next round: it plans without the ghosts
            async with self.store.unit_of_work(community) as uow:
                await close(uow, closing, now)
                await uow.commit()
            self.wake()
        for asking in follow_ups:
            async with self.store.unit_of_work(community) as uow:
                await follow_up(uow, asking.id, now)
                await uow.commit()
            self.wake()
        published = 0
        for programme in programmes:
            due = programme.due(now)
            if due is not None:
                published += await self._round(community, programme, due, now, grace)
        return published

    @round_work
    async def _round(
        self,
        community: CommunityKey,
        programme: Programme,
        due: datetime,
        now: datetime,
        grace: timedelta | None,
    ) -> int:
        """The programme's round due at `due`: planned, then published by whichever
        process claims it. One missed by more than `grace` (copbot was down) is recorded
        as missed, not run late; the moderators hear either way."""
        if grace is not None and now - due > grace:
            async with self.store.unit_of_work(community) as uow:
                if await uow.intros.claim_round(programme.id, due, RoundStatus.MISSED, now):
                    await tell_moderators(
                        uow,
                        f"intro-round-{programme.id}-{int(due.timestamp())}",
                        Reply(
                            f"`{programme.name}`'s intros round was skipped: copbot wasn't "
                            "running then. The next one runs as planned."
                        ),
                        now,
                    )
                    await uow.commit()
                    self.wake()
            return 0
        started = time.perf_counter()
        planned = await prepare(self.store, community, programme, due, now)
        self.observer.round_planned("intros", time.perf_counter() - started)
        async with self.store.unit_of_work(community) as uow:
            published = await claim_and_publish(uow, programme, due, planned, now)
            if published is None:
                return 0  # another process ran it
            await uow.commit()
        self.wake()
        return 1
