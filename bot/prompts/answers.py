"""Answers to posted prompts: thread replies counted per member, the figures, and
the current prompt at a glance."""

from __future__ import annotations

from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Card, MessageRef, Reply
from bot.prompts.queue import short


def register(catalog: Catalog) -> None:
    catalog.command("prompt stats", "Postings, answers and members per prompt and month")(stats)
    catalog.home_section(current_prompt)
    catalog.reply_in_thread(count_answer)


async def stats(context: Context) -> Reply:
    rows = await context.uow.prompts.stats()
    if not rows:
        return Reply("No prompt has been posted yet.", ephemeral=True)
    lines = [
        f"{r.month} · {short(r.text, 50)}: {r.postings} posted, {r.answers} answers, "
        f"{r.members} members"
        for r in rows[:25]
    ]
    return Reply("Prompt participation:\n" + "\n".join(lines), ephemeral=True)


async def current_prompt(context: Context) -> Reply | None:
    posted = [
        found
        for schedule in await context.uow.prompts.schedules()
        if (found := await context.uow.prompts.last_posted(schedule.id, context.now))
    ]
    if not posted:
        return None
    latest = max(posted, key=lambda o: o.due_at)
    where = f"<#{latest.message.channel_id}>" if latest.message else "its channel"
    return Reply(
        cards=(
            Card(
                title="This week's prompt",
                body=latest.text,
                footer=f"Posted {latest.due_at:%d %b}: answer in its thread in {where}.",
            ),
        )
    )


async def count_answer(context: Context, posted: MessageRef) -> None:
    if posted.thread_id is None:
        return
    occurrence = await context.uow.prompts.by_thread(posted.channel_id, posted.thread_id)
    if occurrence is not None:
        member = await context.member()
        await context.uow.prompts.count_answer(occurrence.id, member.id, posted.message_id)
