"""Telling moderators things (suggestions, warnings, the mentoring waitlist)."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.kernel.messages import Reply
from bot.kernel.ports import UnitOfWork
from bot.kernel.sends import notice

log = logging.getLogger(__name__)

# Set by `/prompt moderators`; the key keeps its first name so stored settings stay valid.
MODERATOR_CHANNEL = "prompts.moderator_channel"
TOLD_DIRECTLY = 3  # moderators told in their direct messages when there is no channel
NO_CHANNEL = (
    "(You get this because this community has no moderators' channel: "
    "`/prompt moderators channel:#...` sets one.)"
)


async def tell_moderators(uow: UnitOfWork, key: str, reply: Reply, now: datetime) -> None:
    """Record a notice for the moderators, sent once `uow` commits: in their channel, or,
    where none is set, directly to the moderators who last used their rights here. `key`
    names the event, so telling it twice tells them once."""
    channel = await uow.settings.get(MODERATOR_CHANNEL)
    if isinstance(channel, str):
        await uow.outbox.add(notice(key, reply, channel_id=channel), now)
        return
    moderators = await uow.members.by_ids(await uow.audit.moderators(TOLD_DIRECTLY))
    if not moderators:
        community = uow.community
        log.warning(
            "nobody to tell in %s community %s (no moderators' channel, no moderator yet): %s",
            community.platform,
            community.id,
            reply.text or next((c.title for c in reply.cards), ""),
        )
        return
    direct = Reply(
        f"{reply.text}\n{NO_CHANNEL}".strip(),
        cards=reply.cards,
        buttons=reply.buttons,
    )
    for moderator in moderators.values():
        await uow.outbox.add(
            notice(f"{key}@{moderator.id}", direct, user_id=moderator.user_id), now
        )
