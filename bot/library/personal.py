"""What the library keeps about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.library.export import as_dict


async def export(context: Context, member: Member) -> dict[str, object]:
    saved = await context.uow.library.saved_by(member.id)
    return {
        "saved": [as_dict(r) for r in saved],
        "upvoted": await context.uow.library.voted_by(member.id),
    }


async def erase(context: Context, member: Member) -> None:
    await context.uow.library.forget(member.id)
