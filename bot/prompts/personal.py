"""What weekly prompts keep about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.context import Context
from bot.kernel.members import Member


async def export(context: Context, member: Member) -> dict[str, object]:
    return {
        "suggested": [p.text for p in await context.uow.prompts.authored(member.id)],
        "answers": [
            {"posting": o, "answers": n} for o, n in await context.uow.prompts.answers_by(member.id)
        ],
    }


async def erase(context: Context, member: Member) -> None:
    await context.uow.prompts.forget(member.id)
