"""Weekly prompts' records: the queue, schedules and what was posted when."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.common.weekly import Weekly
from bot.kernel.messages import MessageRef


class PromptStatus(StrEnum):
    QUEUED = "queued"
    SUGGESTED = "suggested"
    POSTED = "posted"
    REJECTED = "rejected"


class Outcome(StrEnum):
    CLAIMED = "claimed"  # a process took it and is posting
    POSTED = "posted"
    SKIPPED = "skipped"  # a moderator asked to skip it
    MISSED = "missed"  # copbot was down past the grace window
    FAILED = "failed"  # the channel refused: the schedule was paused


@dataclass(frozen=True)
class Prompt:
    id: int
    text: str
    status: PromptStatus
    position: int
    author: int | None  # the member who suggested it
    author_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class Schedule:
    id: int
    channel_id: str
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str
    paused: bool
    skip_due: datetime | None  # the one occurrence a moderator skipped
    last_due: datetime  # every occurrence up to here was handled

    @property
    def weekly(self) -> Weekly:
        return Weekly(self.weekday, self.hour, self.minute, self.timezone)

    def due_times(self, until: datetime) -> Iterator[datetime]:
        """Due times (UTC) after `last_due` up to `until`."""
        return self.weekly.due_times(self.last_due, until)

    def next_due(self, now: datetime) -> datetime | None:
        ahead = replace(self, last_due=max(now, self.last_due))
        return next(ahead.due_times(now + timedelta(days=8)), None)

    def next_posting(self, now: datetime) -> datetime | None:
        """The next due time that will be posted: a skipped one is passed over."""
        ahead = replace(self, last_due=max(now, self.last_due))
        return next(
            (d for d in ahead.due_times(now + timedelta(days=15)) if d != self.skip_due), None
        )

    def local(self, moment: datetime) -> str:
        return f"{moment.astimezone(ZoneInfo(self.timezone)):%a %d %b %H:%M} {self.timezone}"

    def describe(self) -> str:
        return f"{self.weekly.describe()} in <#{self.channel_id}>"


@dataclass(frozen=True)
class Occurrence:
    id: int
    schedule_id: int
    due_at: datetime
    outcome: Outcome
    text: str
    prompt_id: int | None
    bank_index: int | None
    claim: str
    claimed_at: datetime
    message: MessageRef | None
    recapped: bool
    author_name: str | None = None  # who suggested its prompt, credited when it is posted


@dataclass(frozen=True)
class PromptStats:
    month: str  # YYYY-MM
    text: str
    postings: int
    answers: int
    members: int
