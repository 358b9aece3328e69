"""Mentoring's settings per community, and `/mentor setup` to change them."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.ports import UnitOfWork

ANSWER_HOURS = 48
REPEAT_DAYS = 180
CHECKIN_WEEKS = 4
CHANNEL = "mentoring.channel"
ANSWER_SETTING = "mentoring.answer_hours"
REPEAT_SETTING = "mentoring.repeat_days"
CHECKIN_SETTING = "mentoring.checkin_weeks"


def register(catalog: Catalog) -> None:
    catalog.command(
        "mentor setup",
        "Mentoring settings: where spaces open, answer time, repeat window, check-in",
        Option("channel", "Where private mentoring threads open", OptionType.CHANNEL),
        Option(
            "answer-hours",
            "Hours a mentor has to answer (default 48)",
            OptionType.INTEGER,
            min_value=1,
            max_value=24 * 14,
        ),
        Option(
            "repeat-days",
            "Days before a pair may match again (default 180)",
            OptionType.INTEGER,
            min_value=0,
            max_value=3650,
        ),
        Option(
            "check-in-weeks",
            "Weeks into a match before copbot asks how it is going (default 4)",
            OptionType.INTEGER,
            min_value=1,
            max_value=26,
        ),
        access=Access.MODERATOR,
    )(setup)


async def setup(context: Context) -> Reply:
    given = context.options.get("channel")
    if given is not None and not await context.channel_visible(given):
        raise UserError("I can't see that channel; check my permissions there.")
    settings = context.uow.settings
    for option, key in (
        ("channel", CHANNEL),
        ("answer-hours", ANSWER_SETTING),
        ("repeat-days", REPEAT_SETTING),
        ("check-in-weeks", CHECKIN_SETTING),
    ):
        if option in context.options:
            await settings.put(key, context.options[option])
    channel = await settings.get(CHANNEL)
    answer = await setting(context.uow, ANSWER_SETTING, ANSWER_HOURS)
    repeat = await setting(context.uow, REPEAT_SETTING, REPEAT_DAYS)
    weeks = await setting(context.uow, CHECKIN_SETTING, CHECKIN_WEEKS)
    where = f"<#{channel}>" if isinstance(channel, str) else "the channel of each request"
    return Reply(
        f"Mentoring: private spaces open in {where}; mentors have {answer} h to answer; "
        f"a pair may match again after {repeat} days; a match is asked how it is going "
        f"after {weeks} week(s), and ends by itself {weeks} week(s) later if nobody answers.",
        ephemeral=True,
    )


async def spaces_channel(uow: UnitOfWork) -> str | None:
    """Where private spaces open, when the moderators set a channel for them (otherwise
    under the channel each request was made in)."""
    configured = await uow.settings.get(CHANNEL)
    return configured if isinstance(configured, str) else None


async def setting(uow: UnitOfWork, key: str, default: int) -> int:
    value = await uow.settings.get(key)
    return value if isinstance(value, int) else default
