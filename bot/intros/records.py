"""Intros' records as the product keeps them: programmes, who takes part, rounds and their
groups. (What the grouping engine plans from and gives back is `model.py`.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.common.cadence import Cadence
from bot.common.timezones import local_time

SIZES = (2, 3)
REPEAT_WEEKS = 12  # people who met are not grouped again within this many weeks
GHOST_AFTER = 3  # intros ignored in a row before copbot pauses a member


class Answer(StrEnum):
    """A member's answer to the half-way "did you meet?"."""

    MET = "met"
    NOT_YET = "not_yet"
    CANT = "cant"


class RoundStatus(StrEnum):
    DRAFT = "draft"  # a moderator's preview, editable until it is published
    PUBLISHED = "published"
    MISSED = "missed"  # copbot wasn't running when it fell due


@dataclass(frozen=True)
class Programme:
    id: int
    name: str
    channel_id: str
    whole_community: bool  # else only members who join from its channel
    cadence: Cadence
    size: int
    repeat_weeks: int
    paused: bool
    last_due: datetime  # every due time up to here was handled

    def due(self, now: datetime) -> datetime | None:
        """The latest due time after `last_due` and up to `now`: one, however many passed."""
        return next(reversed(list(self.cadence.due_times(self.last_due, now))), None)

    def next_due(self, now: datetime) -> datetime | None:
        return next(self.cadence.upcoming(max(now, self.last_due)), None)

    def local(self, moment: datetime) -> str:
        zone = self.cadence.timezone
        return f"{local_time(moment, zone):%a %d %b %H:%M} {zone}"

    def describe(self) -> str:
        who = "the whole community" if self.whole_community else f"members of <#{self.channel_id}>"
        groups = "pairs" if self.size == 2 else "groups of three"
        return f"`{self.name}`: {groups} {self.cadence.describe()}, open to {who}"


@dataclass(frozen=True)
class Participant:
    """A member in a programme (`left_at` set once they left: kept for their history)."""

    programme_id: int
    member_id: int
    every_rounds: int
    paused_until: datetime | None
    ghosted: bool
    ignored: int
    last_seq: int | None
    joined_at: datetime
    left_at: datetime | None = None

    def takes_part(self, seq: int, now: datetime) -> bool:
        """Whether they are grouped in the programme's round number `seq` at `now`."""
        if self.left_at is not None or self.ghosted:
            return False
        if self.paused_until is not None and self.paused_until > now:
            return False
        return self.last_seq is None or seq - self.last_seq >= self.every_rounds


@dataclass(frozen=True)
class IntroRound:
    id: int
    programme_id: int
    due_at: datetime
    status: RoundStatus
    seq: int | None
    published_at: datetime | None


@dataclass(frozen=True)
class IntroGroup:
    id: int
    round_id: int
    number: int
    member_ids: tuple[int, ...]  # a trio's first member links to both others
    weight: int
    dropped: bool = False
    space_channel: str | None = None
    space_thread: str | None = None


@dataclass(frozen=True)
class ProgrammeStats:
    rounds: int
    intros: int
    taking_part: int
    paused: int
    left: int
    answers: dict[str, int]  # by `Answer` value, and "none" for no answer


def half_way(published: datetime, next_due: datetime | None) -> timedelta:
    """How long after publishing the "did you meet?" goes out: half-way to the next round
    (a week when there's none)."""
    if next_due is None or next_due <= published:
        return timedelta(weeks=1)
    return (next_due - published) / 2
