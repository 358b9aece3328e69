"""Where and when prompts are posted: schedules (every week, every few weeks or monthly,
perhaps mentioning a group), pausing, skipping, posting now, unscheduling, and what comes
next."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.common.cadence import Cadence
from bot.common.errors import UserError
from bot.common.timezones import local_time
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Button, ButtonStyle, Card, CardField, Reply
from bot.kernel.options import EVERY_FEW_WEEKS, WEEKLY, cadence, id_option
from bot.prompts.model import PromptStatus, Schedule
from bot.prompts.runner import claim_posting

SCHEDULE = id_option("schedule", "The schedule's number (see /prompt schedules)")
MENTION = Option("mention", "A role or user group to mention with each posting", OptionType.GROUP)
CLASH_HORIZON = timedelta(days=366)  # how far ahead two schedules must not post together


def register(catalog: Catalog) -> None:
    catalog.command(
        "prompt preview", "What will be posted next, where and when", access=Access.MODERATOR
    )(preview)
    catalog.command(
        "prompt schedule",
        "Post the next prompt in a channel every week, every few weeks or monthly",
        Option("channel", "Where to post", OptionType.CHANNEL, required=True),
        *WEEKLY,
        *EVERY_FEW_WEEKS,
        MENTION,
        access=Access.MODERATOR,
    )(add_schedule)
    catalog.command(
        "prompt unschedule", "Stop a schedule for good", SCHEDULE, access=Access.MODERATOR
    )(ask_to_unschedule)
    catalog.action("prompt.unschedule", access=Access.MODERATOR)(unschedule)
    catalog.action("prompt.keep-schedule")(keep_schedule)
    catalog.command(
        "prompt schedules", "This community's prompt schedules", access=Access.MODERATOR
    )(list_schedules)
    catalog.command(
        "prompt pause", "Stop a schedule until resumed", SCHEDULE, access=Access.MODERATOR
    )(pause)
    catalog.command(
        "prompt resume", "Restart a paused schedule", SCHEDULE, access=Access.MODERATOR
    )(resume)
    catalog.command(
        "prompt skip", "Skip a schedule's next posting only", SCHEDULE, access=Access.MODERATOR
    )(skip)
    catalog.command(
        "prompt post-now",
        "Post a schedule's next prompt right away",
        SCHEDULE,
        access=Access.MODERATOR,
    )(post_now)


async def preview(context: Context) -> Reply:
    schedules = [s for s in await context.uow.prompts.schedules() if not s.paused]
    if not schedules:
        return Reply("No active schedule. Create one with `/prompt schedule`.", ephemeral=True)
    zone = (await context.member()).timezone or "UTC"
    queue = await context.uow.prompts.listed(PromptStatus.QUEUED)
    upcoming = sorted((d, s) for s in schedules if (d := s.next_posting(context.now)))
    cards = []
    for n, (due, schedule) in enumerate(upcoming):
        text = queue[n].text if n < len(queue) else "a starter prompt (the queue runs dry)"
        cards.append(
            Card(
                title=f"{local_time(due, zone):%a %d %b %H:%M} your time ({zone})",
                body=text,
                fields=(
                    CardField("Where", f"<#{schedule.channel_id}>"),
                    CardField("Schedule", f"#{schedule.id}"),
                ),
            )
        )
    return Reply("Coming up:", cards=tuple(cards), ephemeral=True)


async def add_schedule(context: Context) -> Reply:
    channel, wanted = context.options["channel"], cadence(context.options, context.now)
    await require_visible(context, channel)
    await context.uow.prompts.hold()  # another moderator adding the same waits, then is refused
    await refuse_posting_twice(context, channel, wanted)
    created = await context.uow.prompts.add_schedule(
        channel, wanted, context.options.get("mention"), context.now
    )
    due = created.next_due(context.now)
    when = f" The first is due {created.local(due)}." if due else ""
    return Reply(f"Schedule #{created.id}: {created.describe()}.{when}", ephemeral=True)


async def refuse_posting_twice(context: Context, channel_id: str, wanted: Cadence) -> None:
    """A second schedule in a channel that would post at the same moment as one there
    (within a year, paused ones too) would post two prompts at once: refused."""
    until = context.now + CLASH_HORIZON
    times = set(wanted.due_times(context.now, until))
    for other in await context.uow.prompts.schedules():
        if other.channel_id != channel_id:
            continue
        clash = next((d for d in other.cadence.due_times(context.now, until) if d in times), None)
        if clash is not None:
            raise UserError(
                f"Schedule #{other.id} already posts in <#{channel_id}> "
                f"{other.cadence.describe()}: both would post on {other.local(clash)}. "
                f"Pick another day or time, or `/prompt unschedule {other.id}` first."
            )


async def list_schedules(context: Context) -> Reply:
    found = await context.uow.prompts.schedules()
    if not found:
        return Reply("No schedules yet. Create one with `/prompt schedule`.", ephemeral=True)
    lines = []
    for s in found:
        due = s.next_posting(context.now)
        state = "paused" if s.paused or due is None else f"next {s.local(due)}"
        zone = s.cadence.timezone
        skip = f" (skipping {local_time(s.skip_due, zone):%a %d %b})" if s.skip_due else ""
        lines.append(f"#{s.id} {s.describe()}: {state}{skip}")
    return Reply("\n".join(lines), ephemeral=True)


async def pause(context: Context) -> Reply:
    found = await schedule_of(context)
    await context.uow.prompts.save_schedule(replace(found, paused=True))
    return Reply(f"Schedule #{found.id} is paused.", ephemeral=True)


async def resume(context: Context) -> Reply:
    """Occurrences that fell while paused are not posted late: it picks up from now."""
    found = await schedule_of(context)
    await context.uow.prompts.save_schedule(
        replace(found, paused=False, last_due=max(found.last_due, context.now))
    )
    return Reply(f"Schedule #{found.id} is running again.", ephemeral=True)


async def skip(context: Context) -> Reply:
    found = await schedule_of(context)
    due = found.next_due(context.now)
    if due is None:
        raise UserError(f"Schedule #{found.id} has nothing due to skip.")
    await context.uow.prompts.save_schedule(replace(found, skip_due=due))
    return Reply(f"Schedule #{found.id} will skip {found.local(due)}.", ephemeral=True)


async def post_now(context: Context) -> Reply:
    found = await schedule_of(context)
    if not await claim_posting(context.uow, found.id, context.now, context.now):
        raise UserError(f"Schedule #{found.id} posted this very moment; try again in a second.")
    return Reply(f"Posting in <#{found.channel_id}> now.", ephemeral=True)


async def ask_to_unschedule(context: Context) -> Reply:
    found = await schedule_of(context)
    return Reply(
        f"Stop schedule #{found.id} ({found.describe()}) for good? Its past postings and "
        "their answers stay in `/prompt stats`.",
        buttons=(
            Button("Unschedule", "prompt.unschedule", str(found.id), ButtonStyle.DANGER),
            Button("Keep schedule", "prompt.keep-schedule", str(found.id)),
        ),
        ephemeral=True,
    )


async def unschedule(context: Context) -> Reply:
    found = await schedule_of(context, context.action_number())
    await context.uow.prompts.remove_schedule(found.id, context.now)
    return Reply(
        f"Schedule #{found.id} is stopped: nothing more is posted in <#{found.channel_id}>.",
        ephemeral=True,
    )


async def keep_schedule(context: Context) -> Reply:
    return Reply(f"Schedule #{context.action_number()} stays.", ephemeral=True)


async def require_visible(context: Context, channel_id: str) -> None:
    if not await context.channel_visible(channel_id):
        raise UserError(
            f"I can't see a channel <#{channel_id}>: check the name, and that I was added to it."
        )


async def schedule_of(context: Context, schedule_id: int | None = None) -> Schedule:
    """The schedule a command names (or `schedule_id`, a button's)."""
    wanted = context.options["schedule"] if schedule_id is None else schedule_id
    found = await context.uow.prompts.schedule(wanted)
    if found is None:
        raise UserError(f"There's no schedule #{wanted} here.")
    return found
