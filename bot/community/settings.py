"""The community's settings: where thanks are noted (`/community kudos`)."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.ports import UnitOfWork

KUDOS_CHANNEL = "community.kudos_channel"  # absent: thanks are noted where they were given


def register(catalog: Catalog) -> None:
    catalog.command(
        "community kudos",
        "Where thanks are noted: a kudos channel, or where each was given",
        Option("channel", "The kudos channel", OptionType.CHANNEL),
        Option("reset", "Note thanks where they are given again?", OptionType.BOOLEAN),
        access=Access.MODERATOR,
    )(kudos)


async def kudos(context: Context) -> Reply:
    channel, reset = context.options.get("channel"), context.options.get("reset")
    if channel is not None and reset:
        raise UserError("Give a `channel`, or `reset:yes`, not both.")
    if channel is not None and not await context.channel_visible(channel):
        raise UserError("I can't see that channel; check my permissions there.")
    if channel is not None:
        await context.uow.settings.put(KUDOS_CHANNEL, channel)
    elif reset:
        await context.uow.settings.put(KUDOS_CHANNEL, None)
    current = await kudos_channel(context.uow)
    where = f"in <#{current}>" if current else "in the channel where each was given"
    return Reply(
        f"Thanks are noted {where}. Change it with `/community kudos channel:#...` "
        "(or `reset:yes`).",
        ephemeral=True,
    )


async def kudos_channel(uow: UnitOfWork) -> str | None:
    configured = await uow.settings.get(KUDOS_CHANNEL)
    return configured if isinstance(configured, str) else None
