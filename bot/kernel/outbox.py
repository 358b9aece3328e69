"""The sender: delivers what the outbox holds once the units of work that recorded it have
committed, and never while one holds the database.

Each community's due sends are taken (claimed, with a lease) and delivered in order by a
task of their own, so one community's failing platform only backs off its own sends.
Every platform call waits on the process's one `Pacer`. A send's steps run within an
attempt's time limit, shorter than the lease, so no two processes are ever at one send.
A failure worth retrying (a 5xx, a timeout) keeps the steps done and tries again later,
backing off; a refusal (`ChannelUnavailable`, a pin copbot may not make) ends the send and
tells its capability. Exactly once: a step that an earlier attempt may have done (it
failed on it, or its process stopped mid-way) is first looked for on the platform, in
that attempt's time window, by the key the message carries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.common.cadence import Cadence
from bot.kernel.delivery import NO_HOOKS, Delivery
from bot.kernel.messages import CommunityKey, MessageRef
from bot.kernel.observer import UNOBSERVED, Observer
from bot.kernel.pacer import Pacer
from bot.kernel.ports import ChannelUnavailable, Chat, Clock, NotPinnable, PinLimitReached, Store
from bot.kernel.repositories import Queued
from bot.kernel.runners import GRACE
from bot.kernel.sends import (
    Delivered,
    Inbox,
    OpenSpace,
    Pin,
    Post,
    Send,
    StartThread,
    Step,
    Unpin,
)
from bot.kernel.shared import in_background

log = logging.getLogger(__name__)

ATTEMPT = timedelta(seconds=30)  # one attempt at a send gives up after this
LEASE = timedelta(minutes=2)  # a claim older than this belonged to a process that stopped
BATCH = 25  # sends claimed at once in one community, at most
BATCH_SECONDS = 5.0  # and no more than the platform's pace lets go in this time
COMMUNITIES_AT_ONCE = 16
FIRST_RETRY = timedelta(seconds=2)  # then doubling, up to
LAST_RETRY = timedelta(minutes=10)
KEEP = timedelta(days=30)  # finished sends are forgotten after this
PROCESS = uuid.uuid4().hex[:12]  # whose claim is whose, across processes
STOP_WITHIN = timedelta(seconds=4)  # at a stop, sends under way get this long to finish


class Outbox:
    """The process's sender: a runner (every few seconds, for retries) that is also woken
    right after a unit of work records sends."""

    every = timedelta(seconds=5)

    def __init__(
        self,
        *,
        store: Store,
        chat: Chat,
        clock: Clock,
        pacer: Pacer,
        deliveries: Mapping[str, Delivery],
        claimer: str = PROCESS,
        observer: Observer = UNOBSERVED,
        platform: str | None = None,
    ) -> None:
        """`observer`: told how each attempt at a send ended. `platform`: the one `chat`
        posts to, whose communities' sends are this sender's (None: every community's)."""
        self.store, self.chat, self.clock, self.pacer = store, chat, clock, pacer
        self.platform = platform
        self.deliveries, self.claimer, self.observer = deliveries, claimer, observer
        self._stopping = False
        self._pass: asyncio.Task[None] | None = None
        self._again = False
        self._workers: dict[CommunityKey, asyncio.Task[int]] = {}
        self._rescan: set[CommunityKey] = set()  # a worker's community got sends meanwhile
        self._slots = asyncio.Semaphore(COMMUNITIES_AT_ONCE)
        # Claimed sends wait for the lease if this process dies, and the last of a batch
        # waits for the others: where the pace is a post a second, claim 5, not 25.
        gap = pacer.limits.channel_interval
        self._batch = max(1, min(BATCH, int(BATCH_SECONDS / gap))) if gap else BATCH
        self._pruned: datetime | None = None

    def wake(self) -> None:
        """Deliver soon: a unit of work just committed sends. Starts a pass in the
        background, or another right after the one under way; a pass only starts the
        workers of communities with sends due, it doesn't wait for them."""
        self._again = True
        if not self._stopping and (self._pass is None or self._pass.done()):
            self._pass = asyncio.get_running_loop().create_task(self._passes())

    async def drain(self) -> None:
        """Deliver everything due now and wait for it (the console after each line, tests)."""
        while True:
            if self._pass is not None:
                await asyncio.shield(self._pass)
            if self._workers:
                await asyncio.wait(list(self._workers.values()))
            elif not await self.run_due():
                return

    async def stop(self, within: timedelta = STOP_WITHIN) -> None:
        """Before the store closes: no more sends; those under way get `within` to finish,
        then are cut short and handed back with their window (the next attempt looks for
        what they did); those claimed but not begun are handed back, due at once."""
        self._stopping = True
        if self._pass is not None:
            await asyncio.wait([self._pass])
            if not self._pass.cancelled():
                self._pass.exception()  # logged by the pass, or the process is ending with it
        if self._workers:
            _, late = await asyncio.wait(self._workers.values(), timeout=within.total_seconds())
            for worker in late:
                worker.cancel()
            if late:
                await asyncio.wait(late)  # each logs its own failure

    async def alarms(self) -> Mapping[str, Cadence]:
        return {}  # woken when sends are recorded; `every` catches retries

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        """One pass over every community with something due; returns how many sends it
        handled (delivered, refused, dropped, or put off to try again).
        (`grace` is the timer's: a send is never too late, its hooks say if it still is
        wanted.)"""
        return sum(await asyncio.gather(*await self._start_due()))

    async def _passes(self) -> None:
        while self._again:
            self._again = False
            try:
                await self._start_due()
            except Exception:  # the next wake or the timer tries again
                log.exception("delivering the outbox failed")

    async def _start_due(self) -> list[asyncio.Task[int]]:
        """The worker of each community with sends due: started, or, where one runs
        already, told to look again before it ends."""
        now = self.clock.now()
        await self._prune(now)
        workers = []
        for community in await self.store.communities_with_due_sends(now, LEASE, self.platform):
            worker = self._workers.get(community)
            if worker is None:
                worker = asyncio.get_running_loop().create_task(self._community(community))
                self._workers[community] = worker
            else:
                self._rescan.add(community)
            workers.append(worker)
        return workers

    async def _community(self, community: CommunityKey) -> int:
        """Deliver the community's due sends in order, until a claim finds nothing more
        and nobody recorded more meanwhile; at most `COMMUNITIES_AT_ONCE` communities are
        at the database or the platform at once, but none holds a place while it waits
        for the platform's pace."""
        sent = 0
        in_background()  # this task's requests yield to those of members waiting for answers
        try:
            async with self._slots:
                while not self._stopping:
                    self._rescan.discard(community)
                    async with self.store.unit_of_work(community) as uow:
                        now = self.clock.now()
                        batch = await uow.outbox.claim(self.claimer, now, LEASE, self._batch)
                        await uow.commit()
                    sent += await self._deliver_batch(community, batch)
                    if len(batch) < self._batch and community not in self._rescan:
                        return sent
                return sent
        except Exception:  # this community's store failed; the others go on
            log.exception("delivering in %s/%s failed", community.platform, community.id)
            return sent
        finally:
            self._workers.pop(community, None)

    async def _deliver_batch(self, community: CommunityKey, batch: list[Queued]) -> int:
        """The claimed sends in order; those left when the process stops are handed back."""
        for n, queued in enumerate(batch):
            if self._stopping:
                await self._hand_back(community, batch[n:])
                return n
            try:
                await self._deliver(community, queued)
            except asyncio.CancelledError:  # `stop` ran out of time: back, with this window
                await self._hand_back(community, batch[n + 1 :], cut_short=queued)
                raise
        return len(batch)

    async def _hand_back(
        self, community: CommunityKey, untouched: list[Queued], *, cut_short: Queued | None = None
    ) -> None:
        async with self.store.unit_of_work(community) as uow:
            now = self.clock.now()
            await uow.outbox.hand_back([queued.id for queued in untouched])
            if cut_short is not None:
                await uow.outbox.retry(cut_short, cut_short.progress, now, "stopped", now)
            await uow.commit()

    async def _deliver(self, community: CommunityKey, queued: Queued) -> int:
        """One attempt at one send (delivered, refused, dropped or put off): 1."""
        send, hooks = queued.send, self.deliveries.get(queued.send.kind, NO_HOOKS)
        if hooks.still_wanted is not None and not await self._wanted(community, send, hooks):
            await self._finish(community, queued, "dropped", "no longer wanted")
            return 1
        refs = list(queued.progress)
        try:
            async with asyncio.timeout(ATTEMPT.total_seconds()):
                while len(refs) < len(send.steps):
                    refs.append(await self._step(community, queued, len(refs), refs))
        except (ChannelUnavailable, NotPinnable, PinLimitReached) as refusal:
            await self._finish(community, queued, "refused", _reason(refusal))
            return 1
        except Exception as error:  # a 5xx, a timeout, a dropped connection: later, again
            log.warning("send %s in %s failed, will retry", send.key, community.id, exc_info=True)
            await self._retry(community, queued, refs, repr(error))
            return 1
        async with self.store.unit_of_work(community) as uow:
            delivered, now = Delivered(tuple(refs)), self.clock.now()
            await uow.outbox.done(queued.id, delivered, now)
            if hooks.delivered is not None:
                await hooks.delivered(uow, send, delivered, now)
            await uow.commit()
        self.observer.delivered(community.platform, "sent")
        if uow.outbox.recorded:  # what the hook had sent
            self.wake()
        return 1

    async def _step(
        self,
        community: CommunityKey,
        queued: Queued,
        index: int,
        refs: list[MessageRef | None],
    ) -> MessageRef | None:
        step: Step = queued.send.steps[index]
        # Steps past the recorded progress may have been done by an attempt that failed on
        # them or stopped: look for them before doing them again.
        earlier = queued.windows
        match step:
            case Post():
                return await self._post(community, queued.send.key, index, step, refs, earlier)
            case OpenSpace():
                found = earlier and await self.chat.find_space(
                    community, step.channel_id, step.user_ids, step.name, earlier
                )
                if found:
                    return found
                await self._paced(step.channel_id)
                return await self.chat.open_private_space(
                    community, step.channel_id, step.user_ids, step.name
                )
            case Inbox():
                return await self._inbox(community, step, earlier)
            case StartThread():
                message = _made(refs, step.on)
                await self._paced(message.channel_id)
                return await self.chat.start_thread(community, message, step.name)
            case Pin():
                return await self._pin(community, step, refs)
            case Unpin():
                await self._paced(step.ref.channel_id)
                # Unpinned by hand already, or the message is gone: done either way.
                with contextlib.suppress(NotPinnable):
                    await self.chat.unpin(community, step.ref)
                return None

    async def _post(
        self,
        community: CommunityKey,
        key: str,
        index: int,
        step: Post,
        refs: list[MessageRef | None],
        earlier: tuple[tuple[datetime, datetime], ...],
    ) -> MessageRef:
        if step.into is not None:
            where = _made(refs, step.into)
            channel, thread = where.channel_id, where.thread_id
        elif step.user_id is not None:
            channel, thread = await self.chat.dm_channel(community, step.user_id), None
        else:
            assert step.channel_id is not None
            channel, thread = step.channel_id, step.thread_id
        step_key = f"{key}#{index}"
        if earlier:
            found = await self.chat.find_post(
                community, channel, step_key, earlier, thread_id=thread
            )
            if found is not None:
                return found
        await self._paced(channel)
        return await self.chat.post(community, channel, step.reply, thread_id=thread, key=step_key)

    async def _pin(
        self, community: CommunityKey, step: Pin, refs: list[MessageRef | None]
    ) -> MessageRef:
        message = step.ref or _made(refs, step.on)
        await self._paced(message.channel_id)
        await self.chat.pin(community, message)
        return message

    async def _inbox(
        self, community: CommunityKey, step: Inbox, earlier: tuple[tuple[datetime, datetime], ...]
    ) -> MessageRef:
        """The member's kept space, or a new one, kept at once (before the send goes on)."""
        async with self.store.unit_of_work(community) as uow:
            known = await uow.members.inbox(step.member_id)
        if known is not None:
            return known
        users = (step.user_id,)
        space = earlier and await self.chat.find_space(
            community, step.channel_id, users, step.name, earlier
        )
        if not space:
            await self._paced(step.channel_id)
            space = await self.chat.open_private_space(community, step.channel_id, users, step.name)
        async with self.store.unit_of_work(community) as uow:
            await uow.members.set_inbox(step.member_id, space)
            await uow.commit()
        return space

    async def _paced(self, channel_id: str) -> None:
        """The platform's pace for the channel, waited out without holding this worker's
        place among the communities served at once (a community paced to one post a second
        would otherwise keep every other one waiting)."""
        self._slots.release()
        try:
            await self.pacer.wait(channel_id)
        finally:  # taken back even if the attempt's time runs out meanwhile
            await asyncio.shield(self._slots.acquire())

    async def _wanted(self, community: CommunityKey, send: Send, hooks: Delivery) -> bool:
        assert hooks.still_wanted is not None
        async with self.store.unit_of_work(community) as uow:
            return await hooks.still_wanted(uow, send)

    async def _finish(
        self, community: CommunityKey, queued: Queued, status: str, error: str
    ) -> None:
        hooks = self.deliveries.get(queued.send.kind, NO_HOOKS)
        async with self.store.unit_of_work(community) as uow:
            now = self.clock.now()
            await uow.outbox.finish(queued.id, status, error, now)
            if status == "refused" and hooks.refused is not None:
                await hooks.refused(uow, queued.send, error, now)
            await uow.commit()
        self.observer.delivered(community.platform, status)
        if uow.outbox.recorded:  # what the hook had sent
            self.wake()
        if status == "refused":
            log.warning("send %s in %s was refused: %s", queued.send.key, community.id, error)

    async def _retry(
        self, community: CommunityKey, queued: Queued, refs: list[MessageRef | None], error: str
    ) -> None:
        now = self.clock.now()
        later = min(LAST_RETRY, FIRST_RETRY * 2 ** (queued.attempts - 1))
        async with self.store.unit_of_work(community) as uow:
            await uow.outbox.retry(queued, refs, now + later, error[:500], now)
            await uow.commit()
        self.observer.delivered(community.platform, "failed")

    async def _prune(self, now: datetime) -> None:
        if self._pruned is not None and now - self._pruned < timedelta(hours=1):
            return
        self._pruned = now
        if forgotten := await self.store.prune_sends(now - KEEP):
            log.info("forgot %d sends finished over %s ago", forgotten, KEEP)


def _reason(refusal: Exception) -> str:
    """Why the platform refused, in words a moderator can act on."""
    if isinstance(refusal, PinLimitReached):
        return "the channel holds as many pins as the platform allows, none of them copbot's"
    if isinstance(refusal, NotPinnable):
        return f"the platform won't pin there ({refusal})"
    return str(refusal) or "the channel is gone, or copbot may not post there"


def _made(refs: list[MessageRef | None], step: int | None) -> MessageRef:
    made = refs[step] if step is not None else None
    if made is None:
        raise ValueError(f"step {step} made nothing to act on")
    return made
