"""What weekly prompts tell a member on their own: the moderators' decision on their
suggestion, sent through the outbox with the decision that made it."""

from __future__ import annotations

from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.sends import notice
from bot.prompts.model import Prompt
from bot.prompts.queue import short


async def tell_author(context: Context, prompt: Prompt, *, approved: bool) -> None:
    """A direct message to whoever suggested `prompt` (unless they erased their data)."""
    if prompt.author is None:
        return
    author = (await context.uow.members.by_ids([prompt.author])).get(prompt.author)
    if author is None:
        return
    text = short(prompt.text)
    told = (
        f"The moderators approved your prompt “{text}”: it joins the queue and will be "
        "posted with your name."
        if approved
        else f"Thanks for suggesting “{text}”. The moderators didn't take it this time."
    )
    key = f"suggestion-decided-{prompt.id}"  # one decision per suggestion
    await context.send(notice(key, Reply(told), user_id=author.user_id))
