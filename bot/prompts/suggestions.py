"""Members suggest prompts; moderators approve or reject them in their channel."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Button, ButtonStyle, Card, Reply
from bot.kernel.moderators import MODERATOR_CHANNEL, tell_moderators
from bot.prompts.model import Prompt, PromptStatus
from bot.prompts.notices import tell_author
from bot.prompts.queue import TEXT, prompt_text, similar_warning
from bot.prompts.schedules import require_visible


def register(catalog: Catalog) -> None:
    catalog.command(
        "prompt moderators",
        "Where copbot sends prompt suggestions and warnings",
        Option("channel", "The moderators' channel", OptionType.CHANNEL, required=True),
        access=Access.MODERATOR,
    )(set_moderators_channel)
    catalog.command("prompt suggest", "Suggest a prompt to the moderators", TEXT)(suggest)
    catalog.command(
        "prompt suggestions", "Suggestions waiting for a decision", access=Access.MODERATOR
    )(list_suggestions)
    catalog.action("prompt.approve", access=Access.MODERATOR)(approve)
    catalog.action("prompt.reject", access=Access.MODERATOR)(reject)


async def set_moderators_channel(context: Context) -> Reply:
    await require_visible(context, context.options["channel"])
    await context.uow.settings.put(MODERATOR_CHANNEL, context.options["channel"])
    return Reply(
        f"Prompt suggestions and warnings now go to <#{context.options['channel']}>.",
        ephemeral=True,
    )


async def suggest(context: Context) -> Reply:
    text = prompt_text(context.options["text"])
    member = await context.member()
    prompt = await context.uow.prompts.add(text, PromptStatus.SUGGESTED, member.id, context.now)
    notice = Reply(
        f"{member.display_name} suggests a prompt:",
        cards=(Card(title=f"Suggestion #{prompt.id}", body=text),),
        buttons=(
            Button("Approve", "prompt.approve", str(prompt.id), ButtonStyle.PRIMARY),
            Button("Reject", "prompt.reject", str(prompt.id)),
        ),
    )
    await tell_moderators(context.uow, f"suggestion-{prompt.id}", notice, context.now)
    return Reply("Thanks! The moderators will look at your suggestion.", ephemeral=True)


async def list_suggestions(context: Context) -> Reply:
    waiting = await context.uow.prompts.listed(PromptStatus.SUGGESTED)
    if not waiting:
        return Reply("No suggestions are waiting.", ephemeral=True)
    return Reply(
        "Suggestions waiting:",
        cards=tuple(
            Card(f"Suggestion #{p.id} by {p.author_name or 'a former member'}", p.text)
            for p in waiting[:10]
        ),
        buttons=tuple(
            b
            for p in waiting[:2]
            for b in (
                Button(f"Approve #{p.id}", "prompt.approve", str(p.id), ButtonStyle.PRIMARY),
                Button(f"Reject #{p.id}", "prompt.reject", str(p.id)),
            )
        ),
        ephemeral=True,
    )


async def approve(context: Context) -> Reply:
    prompt = await suggested_prompt(context)
    warning = await similar_warning(context.uow, prompt.text, ignore=prompt.id)
    await context.uow.prompts.set_status(prompt.id, PromptStatus.QUEUED, context.now)
    await tell_author(context, prompt, approved=True)
    credit = f", credited to {prompt.author_name}" if prompt.author_name else ""
    return Reply(f"Approved #{prompt.id}: it joins the queue{credit}.{warning}", ephemeral=True)


async def reject(context: Context) -> Reply:
    prompt = await suggested_prompt(context)
    await context.uow.prompts.set_status(prompt.id, PromptStatus.REJECTED, context.now)
    await tell_author(context, prompt, approved=False)
    return Reply(f"Rejected suggestion #{prompt.id}.", ephemeral=True)


async def suggested_prompt(context: Context) -> Prompt:
    prompt = await context.uow.prompts.get(context.action_number())
    if prompt is None or prompt.status is not PromptStatus.SUGGESTED:
        raise UserError("That suggestion was already decided.")
    return prompt
