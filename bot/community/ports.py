"""What the community capability needs from storage: its own thanks, and reads across the
records of members, mentoring and the library (which it never imports: storage joins them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from bot.community.model import (
    Gap,
    Knower,
    MentoringOutcomes,
    NewThanks,
    Participation,
    Trends,
    Week,
)
from bot.kernel.messages import MessageRef


class CommunityRepository(Protocol):
    """The unit of work's community only; erased members never appear."""

    async def thank(self, thanks: NewThanks, now: datetime) -> int:
        """Record thanks; its id."""
        ...

    async def last_thanked(self, from_id: int, to_id: int) -> datetime | None:
        """When `from_id` last thanked `to_id` (the rate limit's question)."""
        ...

    async def between_members(self, thanks_id: int) -> bool:
        """Whether neither side of the thanks erased their data since."""
        ...

    async def noted(self, thanks_id: int, note: MessageRef) -> None:
        """Where copbot's public note of the thanks went."""
        ...

    async def thanks_received(self, member_id: int) -> int: ...

    async def knowers(self, topic: str, limit: int, offset: int) -> tuple[list[Knower], int]:
        """One page of the listed members with any sign of knowing `topic` (a skill, a mentor
        offer, matches, saved resources, thanks), best first by `expertise.score` (ties: the
        longest here first); and how many there are (0 past the last page)."""
        ...

    async def topics(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Topics in use starting with `prefix` (skills, mentor topics, library tags, thanks),
        with how many records use each, most used first."""
        ...

    async def directory(self, limit: int, offset: int) -> tuple[list[tuple[str, int]], int]:
        """Topics that listed members teach or mentor, with how many do, most first; and how
        many such topics there are."""
        ...

    async def participation(
        self, since: datetime, new_since: datetime, active: int, core: int
    ) -> Participation:
        """Members not erased by level: new when first seen from `new_since` on, else core
        with at least `core` actions since `since`, active with at least `active`, else
        peripheral (`bot.community.health` says what an action is)."""
        ...

    async def gaps(self, since: date, limit: int) -> list[Gap]:
        """Topics searched without result from the week of `since` on, or waiting for a
        mentor now, that no mentor offers or no resource is tagged with: most asked first."""
        ...

    async def mentoring_outcomes(self, since: datetime) -> MentoringOutcomes: ...

    async def trends(self, weeks: tuple[datetime, ...], busy: tuple[int, int], tags: int) -> Trends:
        """The weeks starting at `weeks` (oldest first; the last runs to now): members acting
        in each by how many actions that week (fewer than `busy[0]`, fewer than `busy[1]`,
        more), newcomers welcomed and their first steps, the library's size; the prompts
        posted, intros rounds published and mentor requests made since the first week;
        and the library's `tags` most used tags."""
        ...

    async def week(self, since: datetime, until: datetime, shown: int) -> Week:
        """What happened from `since` up to `until`; `shown` resources of each list."""
        ...
