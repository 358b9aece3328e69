"""Mentoring's records: mentors' offers, requests, matches and planned rounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from bot.common.cadence import Cadence


class RequestStatus(StrEnum):
    ASKING = "asking"  # a mentor has it and may accept or decline
    WAITING = "waiting"  # nobody fitting is free: on the waitlist
    MATCHED = "matched"
    CANCELLED = "cancelled"


OPEN = (RequestStatus.ASKING, RequestStatus.WAITING)

# Sends recorded now for later, so their words wait in the outbox: erased with the member.
REMINDER = "mentor.reminder"  # the ask again, late in the mentor's time to answer
CHECKIN = "mentor.checkin"  # "how is it going?", weeks into a match


class Moved(StrEnum):
    """Why a request left the mentor it was with (or closed): what their stale buttons say."""

    WITHDRAWN = "withdrawn"  # the mentee withdrew it
    DECLINED = "declined"
    TIMEOUT = "timeout"  # the mentor's time to answer ran out
    ROUND = "round"  # a matching round gave it to another mentor
    FULL = "full"  # the mentor's places filled up
    ELSEWHERE = "elsewhere"  # the mentee was matched on another request
    STOPPED = "stopped"  # the mentor stopped mentoring


@dataclass(frozen=True)
class Mentor:
    member_id: int
    capacity: int
    topics: tuple[str, ...]
    paused: bool
    paused_until: datetime | None  # None with `paused`: until they resume
    active: int  # matches not ended
    recent: int  # matches started in the last 90 days
    asked: int = 0  # requests waiting for their answer
    missed: int = 0  # asks they let time out in a row
    paused_silent: bool = False  # copbot paused them: they let asks time out

    def available(self, now: datetime) -> bool:
        return not self.paused or (self.paused_until is not None and self.paused_until <= now)

    @property
    def spare(self) -> int:
        """Places not taken by a match: what a round plans with (it re-plans every ask)."""
        return max(0, self.capacity - self.active)

    @property
    def room(self) -> int:
        """Places neither taken nor promised to an ask in flight: how many more to ask."""
        return max(0, self.capacity - self.active - self.asked)


@dataclass(frozen=True)
class MentorRequest:
    id: int
    mentee_id: int
    topic: str
    note: str
    channel_id: str
    status: RequestStatus
    mentor_id: int | None
    asked_at: datetime | None
    deadline: datetime | None
    notified: bool  # the asked mentor has been sent the request
    left_out: int  # rounds that left it unassigned since it was last asked
    created_at: datetime
    moved_from: int | None = None  # the mentor it last left, and why
    moved_why: Moved | None = None
    goal: str = ""  # what they want to be able to do, if they said


class OpenRequest(NamedTuple):
    """An open request as a round reads it: ten thousand whole `MentorRequest`s took the
    event loop 60 ms a thousand to make, for the four fields a round uses."""

    id: int
    mentee_id: int
    topic: str
    left_out: int


@dataclass(frozen=True)
class Match:
    id: int
    request_id: int
    mentor_id: int
    mentee_id: int
    topic: str
    started_at: datetime
    ended_at: datetime | None
    channel_id: str | None  # the private space, once opened
    thread_id: str | None
    touched_at: datetime | None = None  # someone last answered its check-in


@dataclass(frozen=True)
class Feedback:
    match_id: int
    member_id: int
    met: bool
    rating: int | None
    at: datetime
    changed: str = ""  # what changed for them, if they said: a value story
    named: bool = False  # whether moderators may see their name with it


@dataclass(frozen=True)
class RoundPair:
    request_id: int
    mentor_id: int
    fit: float


@dataclass(frozen=True)
class RoundEdits:
    """What moderators changed in a preview by hand: kept when they preview again, so a
    fresh plan (new requests, a mentor with room) doesn't undo what they decided."""

    dropped: tuple[int, ...] = ()  # request ids taken out of the round
    pinned: tuple[RoundPair, ...] = ()  # pairs a swap made

    def __bool__(self) -> bool:
        return bool(self.dropped or self.pinned)


@dataclass(frozen=True)
class MatchingRound:
    """A proposal moderators can edit before publishing; `status` preview, published or
    discarded."""

    id: int
    status: str
    pairs: tuple[RoundPair, ...]
    left_out: tuple[int, ...]
    created_at: datetime
    edits: RoundEdits = RoundEdits()


@dataclass(frozen=True)
class RoundSchedule:
    """A round that runs and publishes itself every week; every due time up to `last_due`
    was handled (claimed by one process)."""

    cadence: Cadence  # weekly
    last_due: datetime

    def due(self, now: datetime) -> datetime | None:
        """The latest due time after `last_due` and up to `now`: one, however many passed."""
        return next(reversed(list(self.cadence.due_times(self.last_due, now))), None)
