"""Native pins: moderators mirror the best resources into a channel's pins, never past
the platform's limit, and may let members save a message by reacting with an emoji."""

from __future__ import annotations

import re

import emoji

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import MessageRef, Reply
from bot.kernel.ports import NotPinnable, PinLimitReached
from bot.library.model import Resource
from bot.library.views import resource_card

_NAMED_EMOJI = re.compile(r"^(:[a-z0-9_+'.-]{1,100}(::skin-tone-[2-6])?:|<a?:\w{2,32}:\d{1,20}>)$")
DEFAULT_PIN_EMOJI = "📌"
PIN_EMOJI_SETTING = "library.pin_emoji"  # the emoji, or absent when reactions don't save


def register(catalog: Catalog) -> None:
    catalog.command(
        "library pin-top",
        "Pin the best voted resources in a channel",
        Option("channel", "Where to pin them", OptionType.CHANNEL, required=True),
        Option("count", "How many (1-25)", OptionType.INTEGER, min_value=1, max_value=25),
        access=Access.MODERATOR,
    )(pin_top)
    catalog.command(
        "library pin-emoji",
        "Let members save a message by reacting with an emoji",
        Option("enabled", "Save messages on that reaction?", OptionType.BOOLEAN, required=True),
        Option("emoji", f"Which emoji (default {DEFAULT_PIN_EMOJI})", max_length=64),
        access=Access.MODERATOR,
    )(configure_pin_emoji)


async def pin_top(context: Context) -> Reply:
    if not await context.chat.channel_exists(context.actor.community, context.options["channel"]):
        raise UserError(f"I can't see a channel <#{context.options['channel']}>.")
    return await mirror_top(context, context.options["channel"], context.options.get("count", 5))


async def configure_pin_emoji(context: Context) -> Reply:
    if not context.options["enabled"]:
        await context.uow.settings.put(PIN_EMOJI_SETTING, None)
        return Reply("Reactions no longer save messages to the library.", ephemeral=True)
    chosen = one_emoji(context.options.get("emoji") or DEFAULT_PIN_EMOJI)
    await context.uow.settings.put(PIN_EMOJI_SETTING, chosen)
    return Reply(f"Reacting with {chosen} now saves a message to the library.", ephemeral=True)


def one_emoji(text: str) -> str:
    """One emoji as a reaction names it: the character(s) of one emoji, Slack's `:name:`
    (with a skin tone `:+1::skin-tone-2:`) or a Discord server's own `<:name:id>`."""
    if emoji.is_emoji(text) or _NAMED_EMOJI.match(text):
        return text
    raise UserError("Give one emoji, such as 📌, :bookmark: or one of your server's emoji.")


async def mirror_top(context: Context, channel_id: str, count: int) -> Reply:
    """Pin the top `count` resources in a channel, as copbot's own posts. At the platform's
    pin limit copbot unpins its own oldest mirror, never anyone else's pin."""
    resources = context.uow.library
    top = await resources.browse(None, top=True, limit=count, offset=0)
    if not top:
        raise UserError("The library is empty: there's nothing to pin yet.")
    already = {m.resource_id for m in await resources.mirrors(channel_id)}
    pinned: list[Resource] = []
    for resource in (r for r in top if r.id not in already):
        ref = await context.chat.post(
            context.actor.community, channel_id, Reply(cards=(resource_card(resource),))
        )
        while True:
            try:
                await context.chat.pin(ref)
                break
            except PinLimitReached:
                oldest = next(iter(await resources.mirrors(channel_id)), None)
                if oldest is None:
                    return pin_report(
                        pinned,
                        "the channel's pins are full of others' pins, "
                        "so I stopped. Unpin some and try again.",
                    )
                await unpin_quietly(context, oldest.ref)
                await resources.remove_mirror(oldest.ref)
            except NotPinnable:
                return pin_report(
                    pinned, f"I can't pin in <#{channel_id}>: check my permissions there."
                )
        await resources.add_mirror(resource.id, ref, context.now)
        pinned.append(resource)
    return pin_report(pinned, "")


def pin_report(pinned: list[Resource], problem: str) -> Reply:
    done = ", ".join(f"#{r.id}" for r in pinned) or "nothing new"
    return Reply(f"Pinned {done}." + (f" But {problem}" if problem else ""), ephemeral=True)


async def unpin_quietly(context: Context, ref: MessageRef) -> None:
    try:
        await context.chat.unpin(ref)
    except NotPinnable:
        return  # already unpinned by hand, or the message is gone: nothing to undo
