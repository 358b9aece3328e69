"""Programmes: moderators set them up (channel, cadence, group size, repeat window), pause
and resume them, and read their stats; every intros command picks its programme here."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.common.errors import UserError
from bot.intros.records import REPEAT_WEEKS, SIZES, Programme
from bot.kernel.catalog import Access, Catalog, Choice, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Button, ButtonStyle, Reply
from bot.kernel.options import WEEKLY, cadence
from bot.kernel.ports import Conflict, UnitOfWork

CADENCES = {
    "weekly": 1,
    "every-2-weeks": 2,
    "every-3-weeks": 3,
    "every-4-weeks": 4,
    "monthly": None,
}
WEEKS_OF_MONTH = ("first", "second", "third", "fourth", "last")
DEFAULT_NAME = "intros"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
PROGRAMME = Option(
    "programme", "Which intros programme (where there are several)", autocomplete="intro-programmes"
)


def register(catalog: Catalog) -> None:
    catalog.source("intro-programmes")(programme_choices)
    catalog.command(
        "intro setup",
        "Start (or change) an intros programme: who meets whom, how often",
        Option(
            "channel", "Its channel: private threads open there", OptionType.CHANNEL, required=True
        ),
        Option("cadence", "How often a round runs", required=True, choices=tuple(CADENCES)),
        *WEEKLY,
        Option(
            "size",
            "2: pairs (an odd one makes a trio); 3: groups of three",
            OptionType.INTEGER,
            min_value=2,
            max_value=3,
        ),
        Option("name", "The programme's name, if the community has several", max_length=32),
        Option(
            "open", "Open to the whole community (else: members of its channel)", OptionType.BOOLEAN
        ),
        Option(
            "repeat-weeks",
            "Who met are not grouped again for this many weeks (12)",
            OptionType.INTEGER,
            min_value=1,
            max_value=104,
        ),
        Option(
            "week", "Monthly: which of that weekday of the month (first)", choices=WEEKS_OF_MONTH
        ),
        access=Access.MODERATOR,
    )(setup)
    catalog.command(
        "intro programme pause",
        "Stop a programme's rounds until resumed",
        PROGRAMME,
        access=Access.MODERATOR,
    )(pause_programme)
    catalog.command(
        "intro programme resume", "Restart a paused programme", PROGRAMME, access=Access.MODERATOR
    )(resume_programme)
    catalog.command(
        "intro programme remove",
        "Remove a programme with its rounds and history (asks first)",
        PROGRAMME,
        access=Access.MODERATOR,
    )(ask_to_remove)
    catalog.action("intro.remove", access=Access.MODERATOR)(remove_programme)
    catalog.action("intro.keep", access=Access.MODERATOR)(keep_programme)
    catalog.command(
        "intro stats",
        "Rounds, intros and who met, per programme",
        PROGRAMME,
        access=Access.MODERATOR,
        reads=True,
    )(stats)


async def programme_choices(context: Context, partial: str) -> list[Choice]:
    typed = partial.strip().casefold()
    return [
        Choice(p.name, p.name)
        for p in await context.uow.intros.programmes()
        if p.name.startswith(typed)
    ][:25]


async def pick(uow: UnitOfWork, name: str | None, channel_id: str) -> Programme:
    """The programme a command means: the one named; else the community's only one, or
    the one of the channel it was run in."""
    found = await uow.intros.programmes()
    if not found:
        raise UserError(
            "There's no intros programme here yet: a moderator starts one with `/intro setup`."
        )
    if name is not None:
        named = next((p for p in found if p.name == name.strip().casefold()), None)
        if named is None:
            raise UserError(f"There's no programme `{name[:32]}`. Programmes: {_names(found)}.")
        return named
    if len(found) == 1:
        return found[0]
    here = [p for p in found if p.channel_id == channel_id]
    if len(here) == 1:
        return here[0]
    raise UserError(f"This community has several programmes: add `programme:` ({_names(found)}).")


def _names(found: list[Programme]) -> str:
    return ", ".join(f"`{p.name}`" for p in found)


async def setup(context: Context) -> Reply:
    options = context.options
    channel_id = options["channel"]
    if not await context.channel_visible(channel_id):
        raise UserError(
            f"I can't see a channel <#{channel_id}>: check the name, and that I was added to it."
        )
    every = CADENCES[options["cadence"]]
    week = options.get("week", "first") if every is None else None
    if every is not None and "week" in options:
        raise UserError("`week` goes with a monthly cadence only.")
    when = cadence({**options, "every": every or 1, "week": week}, context.now)
    name = options.get("name", "").strip().casefold()
    existing = await context.uow.intros.programmes()
    if not name:
        name = existing[0].name if len(existing) == 1 else DEFAULT_NAME
    if not _NAME.match(name):
        raise UserError("A programme's name is a short word: letters, digits and dashes.")
    size = options.get("size", 2)
    if size not in SIZES:
        raise UserError("A group is 2 (pairs) or 3 people.")
    repeat = options.get("repeat-weeks", REPEAT_WEEKS)
    whole = bool(options.get("open", False))
    current = next((p for p in existing if p.name == name), None)
    if current is None:
        try:
            programme = await context.uow.intros.add_programme(
                name, channel_id, whole, when, size, repeat, context.now
            )
        except Conflict:
            raise UserError(
                "Someone set up that programme at the same moment; try again."
            ) from None
        done = "Set up"
    else:
        programme = replace(
            current,
            channel_id=channel_id,
            whole_community=whole,
            cadence=when,
            size=size,
            repeat_weeks=repeat,
            last_due=max(current.last_due, context.now),
        )
        await context.uow.intros.save_programme(programme)
        done = "Changed"
    first = programme.next_due(context.now)
    at = f" The next round: {programme.local(first)}." if first else ""
    return Reply(
        f"{done}: {programme.describe()}.{at} Members opt in with `/intro join`; "
        "`/intro preview` shows the next round before it goes out.",
        ephemeral=True,
    )


async def pause_programme(context: Context) -> Reply:
    programme = await pick(context.uow, context.options.get("programme"), context.channel_id)
    if programme.paused:
        raise UserError(
            f"`{programme.name}` is paused already; `/intro programme resume` restarts it."
        )
    await context.uow.intros.save_programme(replace(programme, paused=True))
    return Reply(
        f"`{programme.name}` is paused: no round runs until `/intro programme resume`.",
        ephemeral=True,
    )


async def resume_programme(context: Context) -> Reply:
    """Rounds that fell due while paused don't run late: it picks up from now."""
    programme = await pick(context.uow, context.options.get("programme"), context.channel_id)
    if not programme.paused:
        raise UserError(f"`{programme.name}` isn't paused.")
    resumed = replace(programme, paused=False, last_due=max(programme.last_due, context.now))
    await context.uow.intros.save_programme(resumed)
    due = resumed.next_due(context.now)
    at = f" Next round: {resumed.local(due)}." if due else ""
    return Reply(f"`{programme.name}` runs again.{at}", ephemeral=True)


async def ask_to_remove(context: Context) -> Reply:
    programme = await pick(context.uow, context.options.get("programme"), context.channel_id)
    found = await context.uow.intros.stats(programme.id, context.now)
    return Reply(
        f"Remove `{programme.name}` with its {found.rounds} round(s), {found.intros} intro(s) "
        f"and the list of its {found.taking_part + found.paused} member(s)? Intros already "
        "sent stay where they are; who met whom in it is forgotten. This can't be undone.",
        buttons=(
            Button("Remove", "intro.remove", str(programme.id), ButtonStyle.DANGER),
            Button("Keep it", "intro.keep"),
        ),
        ephemeral=True,
    )


async def remove_programme(context: Context) -> Reply:
    programme = await context.uow.intros.programme(context.action_number())
    if programme is None:
        raise UserError("That programme is gone already.")
    await context.uow.intros.remove_programme(programme.id)
    return Reply(f"Removed `{programme.name}`.", ephemeral=True)


async def keep_programme(context: Context) -> Reply:
    return Reply("Nothing was removed.", ephemeral=True)


async def stats(context: Context) -> Reply:
    programme = await pick(context.uow, context.options.get("programme"), context.channel_id)
    found = await context.uow.intros.stats(programme.id, context.now)
    answers = found.answers
    said = sum(answers.get(a, 0) for a in ("met", "not_yet", "cant"))
    return Reply(
        f"`{programme.name}`: {found.rounds} round(s), {found.intros} intro(s). "
        f"Taking part: {found.taking_part}; paused: {found.paused}; left: {found.left}.\n"
        f"Did you meet? {answers.get('met', 0)} yes, {answers.get('not_yet', 0)} not yet, "
        f"{answers.get('cant', 0)} can't make it, {answers.get('none', 0)} no answer "
        f"({said} answer(s) in all).",
        ephemeral=True,
    )
