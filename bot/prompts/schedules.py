"""Where and when prompts are posted: schedules, pausing, skipping, posting now, and
what comes next."""

from __future__ import annotations

from dataclasses import replace

from bot.common.errors import UserError
from bot.common.timezones import local_time
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Card, CardField, Reply
from bot.kernel.options import WEEKLY, id_option, weekly
from bot.prompts.model import PromptStatus, Schedule
from bot.prompts.runner import PromptRunner

SCHEDULE = id_option("schedule", "The schedule's number (see /prompt schedules)")


def register(catalog: Catalog) -> None:
    catalog.command(
        "prompt preview", "What will be posted next, where and when", access=Access.MODERATOR
    )(preview)
    catalog.command(
        "prompt schedule",
        "Post the next prompt every week in a channel",
        Option("channel", "Where to post", OptionType.CHANNEL, required=True),
        *WEEKLY,
        access=Access.MODERATOR,
    )(add_schedule)
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
    weekday, hour, minute, timezone = weekly(context.options)
    await require_visible(context, context.options["channel"])
    created = await context.uow.prompts.add_schedule(
        context.options["channel"], weekday, hour, minute, timezone, context.now
    )
    due = created.next_due(context.now)
    when = f" The first is due {created.local(due)}." if due else ""
    return Reply(f"Schedule #{created.id}: {created.describe()}.{when}", ephemeral=True)


async def list_schedules(context: Context) -> Reply:
    found = await context.uow.prompts.schedules()
    if not found:
        return Reply("No schedules yet. Create one with `/prompt schedule`.", ephemeral=True)
    lines = []
    for s in found:
        due = s.next_posting(context.now)
        state = "paused" if s.paused or due is None else f"next {s.local(due)}"
        skip = f" (skipping {local_time(s.skip_due, s.timezone):%a %d %b})" if s.skip_due else ""
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
    runner = context.runner(PromptRunner)
    community = context.actor.community
    context.later(lambda: runner.deliver(community, found, context.now, now=context.now))
    return Reply(f"Posting in <#{found.channel_id}> now.", ephemeral=True)


async def require_visible(context: Context, channel_id: str) -> None:
    if not await context.chat.channel_exists(context.actor.community, channel_id):
        raise UserError(
            f"I can't see a channel <#{channel_id}>: check the name, and that I was added to it."
        )


async def schedule_of(context: Context) -> Schedule:
    found = await context.uow.prompts.schedule(context.options["schedule"])
    if found is None:
        raise UserError(f"There's no schedule #{context.options['schedule']} here.")
    return found
