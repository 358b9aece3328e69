"""Where copbot tells moderators things (suggestions, warnings, the mentoring waitlist)."""

from __future__ import annotations

import logging

from bot.kernel.messages import Reply
from bot.kernel.ports import ChannelUnavailable, Chat, UnitOfWork

log = logging.getLogger(__name__)

# Set by `/prompt moderators`; the key keeps its first name so stored settings stay valid.
MODERATOR_CHANNEL = "prompts.moderator_channel"


async def tell_moderators(uow: UnitOfWork, chat: Chat, reply: Reply) -> None:
    channel = await uow.settings.get(MODERATOR_CHANNEL)
    if not isinstance(channel, str):
        log.warning("no moderators' channel in %s: %s", uow.community, reply.text)
        return
    try:
        await chat.post(uow.community, channel, reply)
    except ChannelUnavailable:
        log.warning("the moderators' channel %s of %s is unavailable", channel, uow.community)
