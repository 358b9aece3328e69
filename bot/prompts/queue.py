"""The queue of prompts moderators keep: add, list, reword, reorder and remove."""

from __future__ import annotations

import difflib

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Button, ButtonStyle, Reply
from bot.kernel.options import id_option
from bot.kernel.ports import UnitOfWork
from bot.prompts.model import Prompt, PromptStatus

MAX_TEXT = 1000
SIMILAR = 0.85  # difflib ratio above which two prompts are near-duplicates
ID = id_option("id", "The prompt's number")
TEXT = Option(
    "text",
    "The prompt, as members will read it",
    required=True,
    max_length=MAX_TEXT,
    multiline=True,
)


def register(catalog: Catalog) -> None:
    catalog.command("prompt add", "Queue a discussion prompt", TEXT, access=Access.MODERATOR)(add)
    catalog.command("prompt list", "The prompt queue, next first", access=Access.MODERATOR)(listing)
    catalog.command("prompt edit", "Reword a queued prompt", ID, TEXT, access=Access.MODERATOR)(
        edit
    )
    catalog.command(
        "prompt move",
        "Change where a queued prompt sits in the queue",
        ID,
        Option(
            "position",
            "1 is next",
            OptionType.INTEGER,
            required=True,
            min_value=1,
            max_value=10_000,
        ),
        access=Access.MODERATOR,
    )(move)
    catalog.command("prompt remove", "Take a prompt out of the queue", ID, access=Access.MODERATOR)(
        ask_to_remove
    )
    catalog.action("prompt.remove", access=Access.MODERATOR)(remove)
    catalog.action("prompt.keep")(keep)


async def add(context: Context) -> Reply:
    text = prompt_text(context.options["text"])
    warning = await similar_warning(context.uow, text)
    prompt = await context.uow.prompts.add(text, PromptStatus.QUEUED, None, context.now)
    queued = await context.uow.prompts.queued_count()
    return Reply(f"Queued #{prompt.id} at position {queued}.{warning}", ephemeral=True)


async def listing(context: Context) -> Reply:
    queue = await context.uow.prompts.listed(PromptStatus.QUEUED)
    if not queue:
        return Reply(
            "The queue is empty: copbot will use its starter prompts. Add your "
            "own with `/prompt add`.",
            ephemeral=True,
        )
    lines = [f"{n}. #{p.id} {short(p.text)}" for n, p in enumerate(queue, 1)]
    return Reply("Queued prompts, next first:\n" + "\n".join(lines), ephemeral=True)


async def edit(context: Context) -> Reply:
    prompt = await queued_prompt(context, context.options["id"])
    text = prompt_text(context.options["text"])
    await context.uow.prompts.edit(prompt.id, text, context.now)
    return Reply(f"#{prompt.id} now reads: {short(text)}", ephemeral=True)


async def move(context: Context) -> Reply:
    prompt = await queued_prompt(context, context.options["id"])
    size = await context.uow.prompts.queued_count()
    position = min(context.options["position"], size)
    await context.uow.prompts.move(prompt.id, position)
    return Reply(f"#{prompt.id} is now at position {position} of {size}.", ephemeral=True)


async def ask_to_remove(context: Context) -> Reply:
    prompt = await queued_prompt(context, context.options["id"])
    return Reply(
        f"Remove #{prompt.id} “{short(prompt.text)}” from the queue?",
        buttons=(
            Button("Remove prompt", "prompt.remove", str(prompt.id), ButtonStyle.DANGER),
            Button("Keep prompt", "prompt.keep"),
        ),
        ephemeral=True,
    )


async def remove(context: Context) -> Reply:
    prompt = await queued_prompt(context, context.action_number())
    await context.uow.prompts.remove(prompt.id)
    return Reply(f"Removed #{prompt.id}.", ephemeral=True)


async def keep(context: Context) -> Reply:
    return Reply("The prompt stays queued.", ephemeral=True)


async def similar_warning(uow: UnitOfWork, text: str, ignore: int | None = None) -> str:
    """A warning when `text` repeats a queued or posted prompt (or nearly does)."""
    wanted = " ".join(text.casefold().split())
    for status in (PromptStatus.QUEUED, PromptStatus.POSTED):
        for prompt in await uow.prompts.listed(status):
            other = " ".join(prompt.text.casefold().split())
            if (
                prompt.id != ignore
                and difflib.SequenceMatcher(None, wanted, other).ratio() >= SIMILAR
            ):
                what = "was already posted" if status is PromptStatus.POSTED else "is queued"
                return f" Heads up: it looks like #{prompt.id}, which {what}."
    return ""


def prompt_text(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise UserError("A prompt needs some text.")
    return text


def short(text: str, length: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


async def queued_prompt(context: Context, prompt_id: int) -> Prompt:
    prompt = await context.uow.prompts.get(prompt_id)
    if prompt is None:
        raise UserError(f"There's no prompt #{prompt_id} here.")
    if prompt.status is not PromptStatus.QUEUED:
        raise UserError(
            f"#{prompt_id} is {prompt.status.value}, not queued: only queued prompts can change."
        )
    return prompt
