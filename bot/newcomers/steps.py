"""A newcomer's path: a private welcome the first time they talk to copbot here (or when
the platform says they joined), `/start` and the home section with their three first
steps until all are done."""

from __future__ import annotations

from bot.kernel.arrivals import Arrival
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.sends import notice
from bot.newcomers.views import STEPS, steps_card, welcome
from bot.newcomers.welcome import welcome_text

STARTED = "start"  # how `/start` counts as a welcome, so none follows it
ALL_SET = (
    "You're all set: your profile is filled in, you've answered a prompt, and you have a "
    "mentor or intros on the way. `/help` lists everything else copbot does."
)


def register(catalog: Catalog) -> None:
    catalog.group("start", "Your first steps here, and which are done", "/start")
    catalog.command("start", "Your first steps here: which are done and how to do the rest")(start)
    catalog.greeter(greet)
    catalog.home_section(first_steps)


async def greet(context: Context, arrival: Arrival) -> Reply | None:
    """The welcome, once per member and community: as the private follow-up of their first
    command, else (a join) in their direct messages. A member who has done every step
    already is recorded as welcomed without being told."""
    newcomers = context.uow.newcomers
    if arrival is Arrival.JOINED_CHANNEL and not await newcomers.programme_channel(
        context.channel_id
    ):
        return None
    member = await context.member()
    if await newcomers.welcomed_at(member.id) is not None:
        return None
    if not await newcomers.welcome(member.id, arrival.value, context.now):
        return None
    steps = await newcomers.steps(member.id)
    if steps.done:
        return None
    said = welcome(await welcome_text(context.uow), steps)
    if arrival is Arrival.TALKED:
        return said
    await context.send(notice(f"welcome-{member.id}", said, user_id=member.user_id))
    return None


async def start(context: Context) -> Reply:
    member = await context.member()
    await context.uow.newcomers.welcome(member.id, STARTED, context.now)
    steps = await context.uow.newcomers.steps(member.id)
    if steps.done:
        return Reply(ALL_SET, ephemeral=True)
    to_go = f"{steps.left} of {len(STEPS)} to go"
    return Reply(f"Your first steps here ({to_go}):", cards=(steps_card(steps),), ephemeral=True)


async def first_steps(context: Context) -> Reply | None:
    """The steps on the home tab while any is left; nothing once all are done."""
    member = await context.member()
    steps = await context.uow.newcomers.steps(member.id)
    return None if steps.done else Reply(cards=(steps_card(steps),))
