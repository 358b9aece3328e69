"""Weekly prompts' records: the queue, schedules and what was posted when."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.common.cadence import Cadence
from bot.common.timezones import local_time
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
    cadence: Cadence
    mention: str | None  # the id of a role or user group mentioned with each posting
    paused: bool
    skip_due: datetime | None  # the one occurrence a moderator skipped
    last_due: datetime  # every occurrence up to here was handled

    def due_times(self, until: datetime) -> Iterator[datetime]:
        """Due times (UTC) after `last_due` up to `until`."""
        return self.cadence.due_times(self.last_due, until)

    def next_due(self, now: datetime) -> datetime | None:
        return next(self.cadence.upcoming(max(now, self.last_due)), None)

    def next_posting(self, now: datetime) -> datetime | None:
        """The next due time that will be posted: a skipped one is passed over."""
        upcoming = self.cadence.upcoming(max(now, self.last_due))
        return next((d for d in upcoming if d != self.skip_due), None)

    def local(self, moment: datetime) -> str:
        zone = self.cadence.timezone
        return f"{local_time(moment, zone):%a %d %b %H:%M} {zone}"

    def describe(self) -> str:
        mention = f", mentioning `{self.mention}`" if self.mention else ""
        return f"{self.cadence.describe()} in <#{self.channel_id}>{mention}"


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
    mention: str | None = None  # its schedule's role or user group, mentioned with it


@dataclass(frozen=True)
class PromptStats:
    month: str  # YYYY-MM
    text: str
    postings: int
    answers: int
    members: int
