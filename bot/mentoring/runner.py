"""Mentoring's background work, run by the timer every minute."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.common.cadence import Cadence
from bot.kernel.messages import CommunityKey, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.ports import ChannelUnavailable, Chat, Clock, Store
from bot.kernel.runners import GRACE, Services
from bot.mentoring.matching import Fit
from bot.mentoring.model import MentorRequest, RequestStatus
from bot.mentoring.notices import announce_waitlist, deliver_ask, tell_mentee_moved_on
from bot.mentoring.rounds import publish_round, round_input
from bot.mentoring.rules import pass_on
from bot.mentoring.solver import plan_round_off_loop

log = logging.getLogger(__name__)


UNSENT_AFTER = timedelta(minutes=1)  # an ask not marked sent by then is sent again


def mentor_runner(services: Services) -> MentorRunner:
    return MentorRunner(services.store, services.chat, services.clock)


@dataclass
class MentorRunner:
    """The timer's mentoring work: pass on requests whose answer time is up, send asks
    that a crash left unsent, and run scheduled rounds. Every step is a conditional update,
    so two processes running it at once do each thing once."""

    store: Store
    chat: Chat
    clock: Clock
    every = timedelta(minutes=1)  # answer deadlines are kept to the minute

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        """Returns how many requests moved on."""
        moved = 0
        for community in await self.store.communities_asking_mentors():
            moved += await self._expire(community)
            await self._resend(community)
        for community in await self.store.communities_with_round_schedules():
            await self._scheduled_round(community, grace)
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
                fit = await pass_on(uow, request, "timeout", now)
                await uow.commit()
            moved += 1
            await self._after(community, request, fit)
        return moved

    async def _after(
        self, community: CommunityKey, request: MentorRequest, fit: Fit | None
    ) -> None:
        try:
            await tell_mentee_moved_on(self.store, self.chat, community, request, fit)
            if fit is not None:
                await deliver_ask(self.store, self.chat, community, request.id)
            else:
                await announce_waitlist(self.store, self.chat, community, request)
        except ChannelUnavailable:
            log.warning("couldn't tell about request %s in %s", request.id, community)

    async def _resend(self, community: CommunityKey) -> None:
        async with self.store.unit_of_work(community) as uow:
            unsent = await uow.mentoring.unnotified(self.clock.now() - UNSENT_AFTER)
        await self._send(community, [request.id for request in unsent])

    async def _send(self, community: CommunityKey, request_ids: Sequence[int]) -> None:
        for request_id in request_ids:
            try:
                await deliver_ask(self.store, self.chat, community, request_id)
            except ChannelUnavailable:  # still unsent: the next minute tries again
                log.warning("couldn't send request %s in %s", request_id, community)

    async def _scheduled_round(self, community: CommunityKey, grace: timedelta | None) -> None:
        """The community's scheduled round if it is due: planned from a snapshot, then
        published by whichever process claims it (a conditional update), once. One missed
        by more than `grace` (copbot was down) is skipped, not run late."""
        now = self.clock.now()
        async with self.store.unit_of_work(community) as uow:
            schedule = await uow.mentoring.round_schedule()
            due = schedule.due(now) if schedule else None
            if due is not None and grace is not None and now - due > grace:
                if await uow.mentoring.claim_round(due):
                    await uow.commit()
                    log.warning("skipped the round due %s in %s: too late", due, community)
                return
        if due is None:
            return
        async with self.store.snapshot(community) as snapshot:
            seekers, offers = await round_input(snapshot, now)
        plan = await plan_round_off_loop(seekers, offers)
        async with self.store.unit_of_work(community) as uow:
            if not await uow.mentoring.claim_round(due):
                return  # another process ran it
            asked = await publish_round(uow, plan.pairs, plan.left_out, now)
            await uow.commit()
        await self._send(community, asked)
        async with self.store.unit_of_work(community) as uow:
            await tell_moderators(
                uow,
                self.chat,
                Reply(
                    f"The weekly matching round asked {len(asked)} mentor(s); "
                    f"{len(plan.left_out)} request(s) were left out and come first next time."
                ),
            )
