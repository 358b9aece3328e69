"""Whether copbot is still in a community: the platforms' news of copbot being removed
and added back, which starts or cancels the community's erase (the privacy runner erases
it once the grace period has passed)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from bot.kernel.messages import CommunityKey
from bot.kernel.ports import Clock, Store

log = logging.getLogger(__name__)

PRESENT = timedelta(minutes=1)  # how long a process trusts that copbot is in a community


class Presence:
    """What adapters tell the core about copbot's place in each community."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._checked: dict[CommunityKey, datetime] = {}

    async def left(self, community: CommunityKey) -> None:
        """copbot was removed (a Discord guild removed it, a Slack workspace uninstalled it):
        the community's data is erased once the privacy runner's grace period has passed,
        unless copbot comes back first."""
        self._checked.pop(community, None)
        try:
            await self.store.community_left(community, self.clock.now())
        except Exception:  # an event nobody waits for an answer to
            log.exception("recording that %s removed copbot failed", community)

    async def back(self, community: CommunityKey) -> None:
        """The platform shows copbot in the community (a Discord guild joined or became
        available, any Slack event from the workspace): an erase pending since it left is
        cancelled. A process checks each community at most once every `PRESENT`, so a
        platform's every event costs nothing; another process's news of a departure
        reaches it within that time. The check is claimed before it waits for the database,
        so the events that arrive meanwhile don't each queue for it too (under load, a
        Slack workspace's every request, holding up its ack)."""
        now = self.clock.now()
        checked = self._checked.get(community)
        if checked is not None and now - checked < PRESENT:
            return
        self._checked[community] = now
        try:
            if await self.store.community_back(community, now):
                log.info("copbot is back in %s: its erase is cancelled", community)
        except Exception:
            log.exception("checking whether %s came back failed", community)
            if self._checked.get(community) == now:  # not claimed again since: the next event asks
                del self._checked[community]

    async def seen(
        self, platform: str, present: Collection[str], watched: Callable[[str], bool]
    ) -> None:
        """The platform listed every community copbot is in, of those `watched` says this
        process hears from (its shards): a community copbot keeps data for that isn't
        listed removed copbot while no process was there to be told, and waits to be
        erased like any other (adding copbot back still cancels it)."""
        try:
            gone = [
                external
                for external in await self.store.communities_here(platform)
                if watched(external) and external not in present
            ]
        except Exception:
            log.exception("checking which %s communities copbot is still in failed", platform)
            return
        for external in gone:
            log.info("copbot was removed from %s %s while it was away", platform, external)
            await self.left(CommunityKey(platform, external))
