"""What a profile keeps about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.personal import Erased, Kept

KEPT = (
    Kept(
        "profile",
        "your platform id, name, timezone, bio, skills, interests and languages, and whether "
        "you are listed in the /who directory",
        Erased.ANONYMISED,
        "the member record stays as “Former member”, with nothing of yours on it, so that "
        "what others' records point at (a match, a vote) still exists",
    ),
)
