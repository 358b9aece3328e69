"""Saving to the library: a link, or a chat message by its menu or the pin emoji;
the same link twice is one entry with both members' tags."""

from __future__ import annotations

from dataclasses import replace

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.messages import ChatMessage, Reply
from bot.library.model import NewResource
from bot.library.pins import PIN_EMOJI_SETTING
from bot.library.urls import first_link, normalise_url, readable
from bot.library.views import resource_card, upvote_button

MAX_TAGS = 10
MAX_TITLE = 200
MAX_NOTE = 1000


def register(catalog: Catalog) -> None:
    catalog.message_action("Save to library")(save_message)
    catalog.reaction(pin_emoji)


async def save_message(context: Context, message: ChatMessage) -> Reply:
    return await save_chat_message(context, message)


async def pin_emoji(context: Context, emoji: str, message: ChatMessage) -> Reply | None:
    if emoji != await context.uow.settings.get(PIN_EMOJI_SETTING):
        return None
    return await save_chat_message(context, message)


async def save(
    context: Context,
    url: str,
    title: str,
    note: str,
    tags: tuple[str, ...],
    *,
    author: int | None,
) -> Reply:
    """Add a resource, or merge the member's tags into the one with the same link."""
    if not title:
        raise UserError("A resource needs a title.")
    resources = context.uow.library
    existing = await resources.by_url(url)
    if existing is not None:
        merged = tuple(dict.fromkeys(existing.tags + tags))
        if len(merged) > MAX_TAGS:
            raise UserError(
                f"#{existing.id} already has that link, and adding your tags would "
                f"give it more than {MAX_TAGS}."
            )
        added = [t for t in merged if t not in existing.tags]
        if added:
            await resources.update(replace(existing, tags=merged), context.now)
        said = f"; I added your tags: {', '.join(added)}" if added else ""
        return Reply(
            f"The library already has that link as #{existing.id} “{existing.title}”{said}.",
            buttons=(upvote_button(existing),),
            ephemeral=True,
        )
    member = await context.member()
    resource = await resources.add(
        NewResource(url, title, note, tags, member.id, author), context.now
    )
    return Reply(
        f"{context.actor.display_name} saved #{resource.id} to the library.",
        cards=(resource_card(resource),),
        buttons=(upvote_button(resource),),
    )


async def save_chat_message(context: Context, message: ChatMessage) -> Reply:
    """A chat message is saved by the first link in it (or, with none, by its own link in
    the chat), its words as the title and its text as the note."""
    found = first_link(message.text)
    if found is not None:
        url, words = found
        title = summary(words) or readable(url)
    else:
        url = normalise_url(message.link)
        title = summary(message.text) or f"Message from {message.author_name}"
    author = await context.uow.members.by_user(message.author_id)
    if author is None:
        author = await context.uow.members.add(
            message.author_id, message.author_name, None, context.now
        )
    return await save(context, url, title, message.text[:MAX_NOTE], (), author=author.id)


def summary(text: str) -> str:
    """Chat text as a title: one line of at most 80 characters, no dangling colon or dash;
    empty when it has no word (what's left of `see: <link>.`)."""
    flat = " ".join(text.split()).rstrip(" :-–—")
    if not any(c.isalnum() for c in flat):
        return ""
    return flat if len(flat) <= 80 else flat[:79] + "…"
