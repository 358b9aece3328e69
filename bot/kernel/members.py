"""A member of one community and their profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class Locale(NamedTuple):
    """Where and in what a member can be met: their timezone and languages, all that
    matching asks of thousands of members at once (a whole `Member` is read for a save)."""

    timezone: str | None
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Member:
    """`id` is copbot's own; `user_id` is the platform's, unique within the community."""

    id: int
    user_id: str
    display_name: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    timezone: str | None = None
    bio: str = ""
    skills: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    # Shown in the `/who` directory: None until they answer the question asked at their
    # first profile save (`/profile set listed:yes`); unlisted members never appear there.
    listed: bool | None = None

    @property
    def has_profile(self) -> bool:
        return bool(self.timezone or self.bio or self.skills or self.interests or self.languages)
