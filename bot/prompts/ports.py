"""What weekly prompts need from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.common.cadence import Cadence
from bot.kernel.messages import MessageRef
from bot.prompts.model import Occurrence, Outcome, Prompt, PromptStats, PromptStatus, Schedule


class PromptRepository(Protocol):
    """Weekly prompts of the unit of work's community only."""

    async def add(
        self, text: str, status: PromptStatus, author: int | None, now: datetime
    ) -> Prompt: ...

    async def get(self, prompt_id: int) -> Prompt | None: ...

    async def hold(self) -> None:
        """Make other units of work that hold this community's prompts wait for this one:
        two schedulers never pick the same prompt, two moderators never add the same
        schedule."""
        ...

    async def queued_count(self) -> int: ...

    async def listed(self, status: PromptStatus) -> list[Prompt]:
        """Queued prompts in queue order; others newest first."""
        ...

    async def edit(self, prompt_id: int, text: str, now: datetime) -> None: ...

    async def set_status(self, prompt_id: int, status: PromptStatus, now: datetime) -> None:
        """Queuing puts it at the end of the queue."""
        ...

    async def move(self, prompt_id: int, position: int) -> None:
        """Put a queued prompt at `position` (1 = next), shifting the others."""
        ...

    async def remove(self, prompt_id: int) -> None: ...

    async def add_schedule(
        self, channel_id: str, cadence: Cadence, mention: str | None, now: datetime
    ) -> Schedule: ...

    async def schedule(self, schedule_id: int) -> Schedule | None:
        """A schedule that wasn't removed."""
        ...

    async def schedules(self) -> list[Schedule]:
        """Those that weren't removed."""
        ...

    async def remove_schedule(self, schedule_id: int, now: datetime) -> None:
        """Nothing more is posted; what it posted stays (stats, answers in its threads)."""
        ...

    async def save_schedule(self, schedule: Schedule) -> None:
        """Write `paused`, `skip_due` and `last_due`."""
        ...

    async def claim(self, occurrence: Occurrence) -> Occurrence | None:
        """Record the occurrence (schedule, due) and return it with its id (the one given
        is ignored); None when it exists already, whoever made it: the one guard against
        posting twice, across processes too."""
        ...

    async def record(
        self, occurrence_id: int, outcome: Outcome, message: MessageRef | None, now: datetime
    ) -> None: ...

    async def last_posted(self, schedule_id: int, before: datetime) -> Occurrence | None: ...

    async def mark_recapped(self, occurrence_id: int) -> None: ...

    async def by_thread(self, channel_id: str, thread_id: str) -> Occurrence | None: ...

    async def count_answer(self, occurrence_id: int, member_id: int, message_id: str) -> None:
        """One more answer by `member_id`, unless message `message_id` counted already."""
        ...

    async def answers(self, occurrence_id: int) -> tuple[int, int]:
        """(answers, distinct members)"""
        ...

    async def bank_last_used(self) -> dict[int, datetime]:
        """When each starter prompt was last taken for a posting, by its place in the bank."""
        ...

    async def stats(self) -> list[PromptStats]: ...
