"""The welcome's own words: copbot's, or the community's (`/community welcome`), which
moderators set, preview and reset. The three steps always follow them."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Card, Reply
from bot.kernel.ports import UnitOfWork
from bot.newcomers.views import NONE_DONE, welcome

WELCOME_TEXT = "newcomers.welcome_text"  # absent: copbot's own words (`DEFAULT`)
MAX_WELCOME = 600  # a paragraph: the steps follow it, within every platform's limits
DEFAULT = (
    "Welcome! I'm copbot: I match mentors, post a weekly prompt and keep the community's "
    "shared library. Three first steps to find your way around:"
)


def register(catalog: Catalog) -> None:
    catalog.command(
        "community welcome",
        "The welcome newcomers get: preview it, set its words, or reset them",
        Option(
            "text",
            "The welcome's words (the three first steps follow them)",
            max_length=MAX_WELCOME,
            multiline=True,
        ),
        Option("reset", "Go back to copbot's own words?", OptionType.BOOLEAN),
        access=Access.MODERATOR,
    )(set_welcome)


async def set_welcome(context: Context) -> Reply:
    text, reset = context.options.get("text"), context.options.get("reset")
    if text is not None and reset:
        raise UserError("Give the welcome's `text`, or `reset:yes`, not both.")
    if text is not None and not text.strip():
        raise UserError("`text`: the welcome needs some words; `reset:yes` restores mine.")
    if text is not None:
        await context.uow.settings.put(WELCOME_TEXT, text.strip())
    elif reset:
        await context.uow.settings.put(WELCOME_TEXT, None)
    words = await welcome_text(context.uow)
    whose = "copbot's own words" if words == DEFAULT else "the community's words"
    said = "Saved. " if text is not None or reset else ""
    preview = welcome(words, NONE_DONE)  # as a newcomer with no step done yet sees it
    return Reply(
        f"{said}Newcomers are welcomed with {whose}, then their three first steps. "
        'Change them with `/community welcome text:"Welcome! Say hello in #general."` '
        "(or `reset:yes`). Preview:",
        cards=(Card("Welcome", preview.text), *preview.cards),
        ephemeral=True,
    )


async def welcome_text(uow: UnitOfWork) -> str:
    configured = await uow.settings.get(WELCOME_TEXT)
    return configured if isinstance(configured, str) else DEFAULT
