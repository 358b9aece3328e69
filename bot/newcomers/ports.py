"""What the newcomers capability needs from storage: its record of whom it welcomed, and
reads across the profiles', prompts', mentoring's and intros' records (which it never
imports: storage joins them)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.newcomers.model import Progress, Steps


class NewcomersRepository(Protocol):
    """The unit of work's community only."""

    async def welcomed_at(self, member_id: int) -> datetime | None:
        """When copbot welcomed the member (or first showed them their steps), if it did."""
        ...

    async def welcome(self, member_id: int, how: str, now: datetime) -> bool:
        """Record the member's welcome; False when they already had one, whichever unit of
        work (in whichever process) recorded it first."""
        ...

    async def steps(self, member_id: int) -> Steps: ...

    async def progress(self, since: datetime) -> Progress:
        """How many members were welcomed at `since` or later, and how many of those have
        done their three first steps: the read `/community health` reports."""
        ...

    async def programme_channel(self, channel_id: str) -> bool:
        """Whether an intros programme lives in this channel (joining it is an arrival)."""
        ...
