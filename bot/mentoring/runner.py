"""Mentoring's background work, run by the timer every minute."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.common.cadence import Cadence
from bot.common.collector import round_work
from bot.kernel.messages import CommunityKey, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.observer import UNOBSERVED, Observer
from bot.kernel.ports import Clock, Store, UnitOfWork
from bot.kernel.runners import GRACE, Services, in_each
from bot.mentoring.model import Moved, RequestStatus
from bot.mentoring.notices import ask_feedback
from bot.mentoring.publishing import publish_round
from bot.mentoring.rounds import round_input
from bot.mentoring.rules import offer_waitlist, pass_on, pause_if_silent
from bot.mentoring.settings import CHECKIN_SETTING, CHECKIN_WEEKS, setting
from bot.mentoring.solver import plan_round_off_loop


def mentor_runner(services: Services) -> MentorRunner:
    return MentorRunner(services.store, services.clock, services.wake, services.observer)


@dataclass
class MentorRunner:
    """The timer's mentoring work: pass on requests whose answer time is up, end matches
    nobody touches, and run scheduled rounds. Every step is a conditional update, so two
    processes running it at once do each thing once; what it tells people is recorded with
    the change and goes out through the outbox. One community's trouble never holds up another's."""

    store: Store
    clock: Clock
    wake: Callable[[], None] = lambda: None  # the sender, once something is recorded
    observer: Observer = UNOBSERVED  # hears how long each scheduled round took to plan
    every = timedelta(minutes=1)  # answer deadlines are kept to the minute

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        """Returns how many requests moved on."""
        store = self.store
        moved = await in_each(
            await store.communities_asking_mentors(), self._expire, "answer deadlines"
        )
        await in_each(await store.communities_with_matches(), self._end_untouched, "ending matches")
        await in_each(
            await store.communities_with_round_schedules(),
            lambda community: self._scheduled_round(community, grace),
            "the round",
        )
        return moved

    async def alarms(self) -> Mapping[str, Cadence]:
        return {}  # every minute is exact enough for deadlines and rounds

    async def _expire(self, community: CommunityKey) -> int:
        now = self.clock.now()
        async with self.store.unit_of_work(community) as uow:
            expired = await uow.mentoring.expired(now)
        moved = 0
        for request in expired:
            assert request.mentor_id is not None
            async with self.store.unit_of_work(community) as uow:
                answered = await uow.mentoring.answer(
                    request.id, request.mentor_id, RequestStatus.ASKING, now
                )
                if not answered:
                    continue  # answered meanwhile, or another process took it
                await pass_on(uow, request, Moved.TIMEOUT, now)
                await pause_if_silent(uow, request, now)
                await uow.commit()
            moved += 1
            self.wake()
        return moved

    async def _end_untouched(self, community: CommunityKey) -> None:
        """A match nobody answered the check-in of, a check-in period after it was asked,
        ends by itself: both sides get the "did you meet?" form, and the mentor's place
        goes to the waitlist."""
        now = self.clock.now()
        async with self.store.unit_of_work(community) as uow:
            weeks = timedelta(weeks=await setting(uow, CHECKIN_SETTING, CHECKIN_WEEKS))
            ended = 0
            for match in await uow.mentoring.untouched(now - 2 * weeks):
                if await uow.mentoring.end_match(match.id, now):
                    await ask_feedback(uow, match, None, now)
                    await offer_waitlist(uow, match.mentor_id, now)
                    ended += 1
            if ended:
                await uow.commit()
                self.wake()

    @round_work
    async def _scheduled_round(self, community: CommunityKey, grace: timedelta | None) -> None:
        """The community's scheduled round if it is due: planned from a snapshot, then
        published by whichever process claims it (a conditional update), once. One missed
        by more than `grace` (copbot was down) is skipped, not run late, and the
        moderators hear either way."""
        now = self.clock.now()
        async with self.store.unit_of_work(community) as uow:
            schedule = await uow.mentoring.round_schedule()
            due = schedule.due(now) if schedule else None
            if due is not None and grace is not None and now - due > grace:
                if await uow.mentoring.claim_round(due):
                    await _tell(uow, due, now, "was skipped: copbot wasn't running then.")
                    await uow.commit()
                    self.wake()
                return
        if due is None:
            return
        async with self.store.snapshot(community) as snapshot:
            seekers, offers = await round_input(snapshot, now)
        started = time.perf_counter()
        plan = await plan_round_off_loop(seekers, offers)
        self.observer.round_planned("mentoring", time.perf_counter() - started)
        async with self.store.unit_of_work(community) as uow:
            if not await uow.mentoring.claim_round(due):
                return  # another process ran it
            published = await publish_round(uow, plan.pairs, plan.left_out, now)
            await _tell(
                uow,
                due,
                now,
                f"asked {len(published.asked)} mentor(s); {len(plan.left_out)} request(s) were "
                "left out and come first next time.",
            )
            await uow.commit()
        self.wake()


async def _tell(uow: UnitOfWork, due: datetime, now: datetime, what: str) -> None:
    """The moderators hear how the scheduled round due at `due` went."""
    reply = Reply(f"The weekly matching round {what}")
    await tell_moderators(uow, f"round-{int(due.timestamp())}", reply, now)
