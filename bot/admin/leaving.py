"""When a community removes copbot (a Discord guild removes it, a Slack workspace
uninstalls it), everything copbot keeps there is erased `ERASE_AFTER` later, unless copbot
is added back before then (`bot.kernel.presence`); `/privacy
status` says where that stands. The privacy runner erases, once, whichever process gets
there first, and scrubs the disk once a day, so an erase whose own scrub a crash stopped
is cleaned up within a day."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.common.cadence import Cadence
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.runners import GRACE, Services

log = logging.getLogger(__name__)

ERASE_AFTER = timedelta(days=7)
SCRUB_EVERY = timedelta(days=1)


def register(catalog: Catalog) -> None:
    catalog.command("privacy status", "What happens to this community's data if copbot is removed")(
        status
    )
    catalog.runner(PrivacyRunner)


async def status(context: Context) -> Reply:
    departure = await context.store.departure(context.actor.community)
    policy = (
        f"If copbot is removed from this community, everything it keeps here is erased "
        f"{ERASE_AFTER.days} days later; adding it back before then cancels that. Whoever "
        "runs copbot can erase it at once (`copbot erase-community`)."
    )
    left = departure.left_at
    if left is None:
        return Reply(policy, ephemeral=True)
    if departure.pending:
        said = (
            f"copbot was removed from here on {_day(left)}: everything it keeps here will be "
            f"erased on {_day(left + ERASE_AFTER)} unless it is added back before then."
        )
    elif departure.erased_at is not None:
        said = (
            f"copbot was removed from here on {_day(left)}, and everything it kept here was "
            f"erased on {_day(departure.erased_at)}; what it keeps now is new since."
        )
    else:
        said = (
            f"copbot was removed from here on {_day(left)} and added back on "
            f"{_day(departure.back_at or left)}, which cancelled the erase: nothing was erased."
        )
    return Reply(f"{said}\n{policy}", ephemeral=True)


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


class PrivacyRunner:
    """Erases the communities whose grace period has passed, and scrubs daily."""

    every = timedelta(hours=1)

    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.clock = services.clock
        self._scrubbed: datetime | None = None

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        """`grace` doesn't apply: an erase that is late is still done."""
        now = self.clock.now()
        due = now - ERASE_AFTER
        erased = 0
        for community in await self.store.communities_left_before(due):
            if await self.store.erase_community(community, now, left_before=due):
                log.info("erased %s, which removed copbot %s ago", community, ERASE_AFTER)
                erased += 1
        if self._scrubbed is None or now - self._scrubbed >= SCRUB_EVERY:
            await self.store.scrub()
            self._scrubbed = now
        return erased

    async def alarms(self) -> Mapping[str, Cadence]:
        return {}
