"""Native pins: moderators mirror the best resources into a channel's pins, never past
the platform's limit, and may let members save a message by reacting with an emoji."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.ports import UnitOfWork
from bot.kernel.sends import Delivered, Pin, Post, Send, Unpin
from bot.library.model import Mirror
from bot.library.views import resource_card

DEFAULT_PIN_EMOJI = "📌"
PIN_EMOJI_SETTING = "library.pin_emoji"  # the emoji, or absent when reactions don't save
PIN = "library.pin"


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
        Option("emoji", f"Which emoji (default {DEFAULT_PIN_EMOJI})", max_length=32),
        access=Access.MODERATOR,
    )(configure_pin_emoji)
    catalog.delivery(PIN, delivered=pinned, refused=pin_refused)


async def pin_top(context: Context) -> Reply:
    if not await context.channel_visible(context.options["channel"]):
        raise UserError(f"I can't see a channel <#{context.options['channel']}>.")
    return await mirror_top(context, context.options["channel"], context.options.get("count", 5))


async def configure_pin_emoji(context: Context) -> Reply:
    if not context.options["enabled"]:
        await context.uow.settings.put(PIN_EMOJI_SETTING, None)
        return Reply("Reactions no longer save messages to the library.", ephemeral=True)
    emoji = context.options.get("emoji") or DEFAULT_PIN_EMOJI
    if " " in emoji:
        raise UserError("Give one emoji, such as 📌 or :bookmark:.")
    await context.uow.settings.put(PIN_EMOJI_SETTING, emoji)
    return Reply(f"Reacting with {emoji} now saves a message to the library.", ephemeral=True)


async def mirror_top(context: Context, channel_id: str, count: int) -> Reply:
    """Pin the top `count` resources in a channel, as copbot's own posts, sent once this
    commits. At the platform's pin limit copbot unpins its own oldest mirror, never
    anyone else's pin; the moderators hear when the channel refuses."""
    resources = context.uow.library
    top = await resources.browse(None, top=True, limit=count, offset=0)
    if not top:
        raise UserError("The library is empty: there's nothing to pin yet.")
    mirrors = await resources.mirrors(channel_id)
    already = {m.resource_id for m in mirrors}
    room = tuple(m.ref for m in mirrors)  # oldest first
    pinning = [r for r in top if r.id not in already]
    for resource in pinning:
        card = Post(Reply(cards=(resource_card(resource),)), channel_id=channel_id)
        steps = (card, Pin(on=0, make_room=room))
        args = {"resource": resource.id, "channel": channel_id}
        key = f"pin-{resource.id}-{channel_id}-{uuid.uuid4().hex[:12]}"  # each run its own
        await context.send(Send(PIN, key, steps, args))
    done = ", ".join(f"#{r.id}" for r in pinning) or "nothing new: they're pinned already"
    return Reply(f"Pinning {done} in <#{channel_id}>.", ephemeral=True)


async def pinned(uow: UnitOfWork, send: Send, delivered: Delivered, now: datetime) -> None:
    """Keep the mirror; forget the ones unpinned to make room for it."""
    for ref in delivered.unpinned:
        await uow.library.remove_mirror(ref)
    message = delivered.refs[0]
    assert message is not None
    await uow.library.add_mirror(send.args["resource"], message, now)


async def pin_refused(uow: UnitOfWork, send: Send, reason: str, now: datetime) -> None:
    channel = send.args["channel"]
    reply = Reply(
        f"I couldn't pin #{send.args['resource']} in <#{channel}>: {reason}. Make room or "
        "give me the permission, then run `/library pin-top` again."
    )
    await tell_moderators(uow, f"pin-refused-{send.key}", reply, now)


def unpin_mirrors(mirrors: Sequence[Mirror], now: datetime) -> list[Send]:
    """Unpin copbot's mirrors of a resource that goes (unpinned by hand: fine too)."""
    return [
        Send(
            "notice",
            f"unpin-{m.ref.channel_id}-{m.ref.message_id}-{int(now.timestamp())}",
            (Unpin(m.ref),),
        )
        for m in mirrors
    ]
