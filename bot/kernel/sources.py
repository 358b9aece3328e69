"""Autocomplete sources several capabilities' options use: tags members use, timezones."""

from __future__ import annotations

from bot.common.timezones import search_timezones
from bot.kernel.catalog import Catalog, Choice
from bot.kernel.context import Context


async def tags(context: Context, partial: str) -> list[Choice]:
    """Tags already used in this community, most used first; the last item of a
    comma-separated list is the one being typed."""
    done, _, typing = partial.rpartition(",")
    found = await context.uow.members.tags_in_use(typing.strip().casefold(), 25)
    head = f"{done}, " if done else ""
    return [Choice(f"{head}{tag} ({count})"[:100], f"{head}{tag}"[:100]) for tag, count in found]


async def timezones(context: Context, partial: str) -> list[Choice]:
    return [Choice(name, name) for name in search_timezones(partial, 25)]


def register(catalog: Catalog) -> None:
    """Before any capability: their options name these sources."""
    catalog.source("tags")(tags)
    catalog.source("timezones")(timezones)
