"""Native pins: moderators mirror the best resources into a channel's pins, never past
the platform's limit, and may let members save a message by reacting with an emoji."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime

import emoji

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.ports import UnitOfWork
from bot.kernel.sends import Delivered, Pin, Post, Send, Unpin
from bot.library.model import Mirror
from bot.library.views import resource_card

_NAMED_EMOJI = re.compile(r"^(:[a-z0-9_+'.-]{1,100}(::skin-tone-[2-6])?:|<a?:\w{2,32}:\d{1,20}>)$")
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
        Option("emoji", f"Which emoji (default {DEFAULT_PIN_EMOJI})", max_length=64),
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
    vote), sent once this commits: mirrors that dropped out are unpinned first, never
    anyone else's pin, then the missing ones posted and pinned. A pinned card shows no vote
    count, which it could only show as it was when pinned. The moderators hear when the
    channel refuses (its pins full, or no right to pin)."""
    library = context.uow.library
    top = [r for r in await library.browse(None, top=True, limit=count, offset=0) if r.votes]
    if not top:
        raise UserError("No resource has a vote yet, so there's nothing to pin.")
    wanted, mirrored, dropped = {r.id for r in top}, set(), []
    for mirror in await library.mirrors(channel_id):
        if mirror.resource_id in wanted:
            mirrored.add(mirror.resource_id)
            continue
        for send in unpin_mirrors([mirror], context.now):
            await context.send(send)
        await library.remove_mirror(mirror.ref)
        dropped.append(mirror.resource_id)
    pinning = [r for r in top if r.id not in mirrored]
    for resource in pinning:
        card = Post(Reply(cards=(resource_card(resource, votes=False),)), channel_id=channel_id)
        args = {"resource": resource.id, "channel": channel_id}
        key = f"pin-{resource.id}-{channel_id}-{uuid.uuid4().hex[:12]}"  # each run its own
        await context.send(Send(PIN, key, (card, Pin(on=0)), args))
    done = ", ".join(f"#{r.id}" for r in pinning) or "nothing new"
    gone = ", ".join(f"#{n}" for n in dropped)
    text = f"Pinning {done} in <#{channel_id}>" + (
        f"; unpinning {gone}, no longer among the best voted" if gone else ""
    )
    return Reply(text + ".", ephemeral=True)


async def pinned(uow: UnitOfWork, send: Send, delivered: Delivered, now: datetime) -> None:
    """Keep the mirror, to unpin it when it drops out or its resource goes."""
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
