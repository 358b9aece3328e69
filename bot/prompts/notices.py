"""What weekly prompts tell a member on their own, once a change has committed: the
moderators' decision on their suggestion."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.kernel.context import Context
from bot.kernel.messages import CommunityKey, Reply
from bot.kernel.ports import ChannelUnavailable, Chat, Store
from bot.prompts.model import Prompt
from bot.prompts.queue import short

log = logging.getLogger(__name__)


def tell_author_later(
    context: Context, prompt: Prompt, approved: bool
) -> Callable[[], Awaitable[None]]:
    store, chat, community = context.store, context.chat, context.actor.community
    return lambda: tell_author(store, chat, community, prompt, approved=approved)


async def tell_author(
    store: Store, chat: Chat, community: CommunityKey, prompt: Prompt, *, approved: bool
) -> None:
    """A direct message to whoever suggested `prompt` (unless they erased their data)."""
    if prompt.author is None:
        return
    async with store.unit_of_work(community) as uow:
        author = (await uow.members.by_ids([prompt.author])).get(prompt.author)
    if author is None:
        return
    text = short(prompt.text)
    told = (
        f"The moderators approved your prompt “{text}”: it joins the queue and will be "
        "posted with your name."
        if approved
        else f"Thanks for suggesting “{text}”. The moderators didn't take it this time."
    )
    try:
        await chat.send_dm(community, author.user_id, Reply(told))
    except ChannelUnavailable:  # they take no direct messages: the decision stands
        log.warning("couldn't tell member %s about suggestion %s", author.id, prompt.id)
