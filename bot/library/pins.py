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
    """Make copbot's own pins in a channel the `count` best voted resources (those with a
    vote): mirrors that dropped out are unpinned first, never anyone else's pin, then the
    missing ones posted and pinned, up to the platform's pin limit. A pinned card shows no
    vote count, which it could only show as it was when pinned."""
    library = context.uow.library
    top = [r for r in await library.browse(None, top=True, limit=count, offset=0) if r.votes]
    if not top:
        raise UserError("No resource has a vote yet, so there's nothing to pin.")
    wanted, mirrored, dropped = {r.id for r in top}, set(), []
    for mirror in await library.mirrors(channel_id):
        if mirror.resource_id in wanted:
            mirrored.add(mirror.resource_id)
            continue
        await unpin_quietly(context, mirror.ref)
        await library.remove_mirror(mirror.ref)
        dropped.append(mirror.resource_id)
    pinned: list[int] = []
    for resource in (r for r in top if r.id not in mirrored):
        card = resource_card(resource, votes=False)
        ref = await context.chat.post(context.actor.community, channel_id, Reply(cards=(card,)))
        try:
            await context.chat.pin(ref)
        except PinLimitReached:
            problem = "the channel holds as many pins as the platform allows. Unpin some first."
            return pin_report(pinned, dropped, problem)
        except NotPinnable:
            return pin_report(pinned, dropped, f"I can't pin in <#{channel_id}>: check my rights.")
        await library.add_mirror(resource.id, ref, context.now)
        pinned.append(resource.id)
    return pin_report(pinned, dropped, "")


def pin_report(pinned: list[int], dropped: list[int], problem: str) -> Reply:
    done = ", ".join(f"#{n}" for n in pinned) or "nothing new"
    gone = ", ".join(f"#{n}" for n in dropped)
    text = f"Pinned {done}" + (f"; unpinned {gone}, no longer among the best voted" if gone else "")
    return Reply(text + "." + (f" But {problem}" if problem else ""), ephemeral=True)


async def unpin_quietly(context: Context, ref: MessageRef) -> None:
    try:
        await context.chat.unpin(ref)
    except NotPinnable:
        return  # already unpinned by hand, or the message is gone: nothing to undo
