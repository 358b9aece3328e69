"""What a profile holds about a member, for `/privacy export` (erasing it is the
member record's own anonymisation)."""

from __future__ import annotations

from typing import Any

from bot.kernel.context import Context
from bot.kernel.members import Member


async def export(context: Context, member: Member) -> dict[str, Any]:
    return {
        "user_id": member.user_id,
        "display_name": member.display_name,
        "timezone": member.timezone,
        "skills": list(member.skills),
        "interests": list(member.interests),
        "languages": list(member.languages),
        "bio": member.bio,
        "created_at": member.created_at.isoformat(),
        "updated_at": member.updated_at.isoformat(),
    }
