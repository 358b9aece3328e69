"""What mentoring needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.kernel.messages import MessageRef
from bot.mentoring.model import (
    Feedback,
    Match,
    MatchingRound,
    Mentor,
    MentorRequest,
    Moved,
    OpenRequest,
    RequestStatus,
    RoundEdits,
    RoundPair,
    RoundSchedule,
)


class MentoringRepository(Protocol):
    """Mentors, requests, matches and rounds of the unit of work's community only."""

    async def mentor(self, member_id: int) -> Mentor | None: ...

    async def save_mentor(
        self,
        member_id: int,
        capacity: int,
        topics: Sequence[str],
        paused: bool,
        paused_until: datetime | None,
        now: datetime,
    ) -> None: ...

    async def count_missed(self, member_id: int, missed: bool) -> int:
        """One more ask they let time out (`missed`), or back to none (they answered);
        returns how many in a row now."""
        ...

    async def pause_silent(self, member_id: int, now: datetime) -> None:
        """Pause them until they resume, marked as copbot's doing (`Mentor.paused_silent`)."""
        ...

    async def remove_mentor(self, member_id: int) -> None:
        """They stopped mentoring: their offer and topics go (their matches stay)."""
        ...

    async def hold_mentor(self, member_id: int) -> None:
        """Make other processes wait for this unit of work before they change this mentor's
        matches (so two accepts can't both take the last place)."""
        ...

    async def mentors(self, topic: str | None, since: datetime) -> list[Mentor]:
        """Mentors offering `topic` (every mentor when None), with `recent` counting
        matches started since `since`."""
        ...

    async def topics_offered(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Topics starting with `prefix` that mentors offer, with how many, most first."""
        ...

    async def topics_on_offer(self, now: datetime, limit: int) -> list[tuple[str, int, int]]:
        """Every topic mentors offer, with how many do and how many of them have room now
        (not paused, a place no match takes), most offered first."""
        ...

    async def avoid(self, member_id: int, other_id: int, keep: bool) -> None:
        """Add (`keep`) or remove `other_id` on `member_id`'s don't-match list."""
        ...

    async def avoided_by(self, member_id: int) -> list[int]: ...

    async def exclusions(
        self, since: datetime, request_id: int | None = None
    ) -> dict[int, set[int]]:
        """Mentors each open request (or just `request_id`) must never go to, by request
        id: either side's don't-match list, those who passed on its mentee and topic, and
        its mentee's partners since `since` (no repeat pairs). Requests with none are absent."""
        ...

    async def round_schedule(self) -> RoundSchedule | None: ...

    async def set_round_schedule(self, schedule: RoundSchedule | None) -> None:
        """Replace the community's schedule (None: no automatic rounds)."""
        ...

    async def claim_round(self, due: datetime) -> bool:
        """Take the scheduled round due at `due`: True for exactly one caller."""
        ...

    async def add_request(
        self,
        mentee_id: int,
        topic: str,
        note: str,
        channel_id: str,
        now: datetime,
        goal: str = "",
    ) -> MentorRequest: ...

    async def request(self, request_id: int) -> MentorRequest | None: ...

    async def requests(
        self,
        statuses: Sequence[RequestStatus],
        *,
        mentee_id: int | None = None,
        mentor_id: int | None = None,
        topics: Sequence[str] | None = None,
    ) -> list[MentorRequest]:
        """Oldest first."""
        ...

    async def open_requests(self) -> list[OpenRequest]:
        """Every open request (asking and waitlisted), oldest first, as a round reads them."""
        ...

    async def ask(self, asks: Sequence[tuple[int, int]], now: datetime, deadline: datetime) -> None:
        """Hand each request (id, mentor id) to its mentor (not yet notified)."""
        ...

    async def wait(self, request_id: int, now: datetime) -> None:
        """Put the request on the waitlist."""
        ...

    async def moved(self, moves: Sequence[tuple[int, int]], why: Moved, now: datetime) -> None:
        """Each request (id, mentor id) left that mentor, for `why`: call before it is
        asked of another mentor or waits, so the mentor's stale buttons can say so."""
        ...

    async def mark_notified(self, request_id: int, mentor_id: int) -> None: ...

    async def answer(
        self, request_id: int, mentor_id: int, status: RequestStatus, now: datetime
    ) -> bool:
        """Move a request `mentor_id` is being asked to `status`; False when it isn't theirs
        to answer any more (answered, moved on, timed out): the race guard."""
        ...

    async def cancel(self, request_id: int, now: datetime) -> bool:
        """Withdraw an open request (`Moved.WITHDRAWN`); False when it isn't open any more."""
        ...

    async def cancel_open(self, mentee_id: int, now: datetime) -> list[MentorRequest]:
        """Cancel the mentee's open requests (they were matched on another, `Moved.ELSEWHERE`);
        returns them as they were."""
        ...

    async def expired(self, now: datetime) -> list[MentorRequest]:
        """Requests whose mentor's time to answer is up."""
        ...

    async def count_left_out(self, request_ids: Sequence[int], left_out: bool) -> None:
        """After a round: one more for those left out, back to zero for those placed."""
        ...

    async def add_pass(
        self, mentee_id: int, mentor_id: int, topic: str, reason: str, now: datetime
    ) -> None:
        """A mentor declined (or didn't answer) this mentee on this topic: never again."""
        ...

    async def add_match(self, request: MentorRequest, mentor_id: int, now: datetime) -> Match: ...

    async def match(self, match_id: int) -> Match | None: ...

    async def matches(self, member_id: int, *, active: bool) -> list[Match]:
        """Matches `member_id` is in, on either side, newest first."""
        ...

    async def end_match(self, match_id: int, now: datetime) -> bool:
        """False when it had ended already."""
        ...

    async def touch_match(self, match_id: int, now: datetime) -> None:
        """Someone answered the match's check-in: it is alive."""
        ...

    async def untouched(self, started_before: datetime) -> list[Match]:
        """Active matches started by then whose check-in nobody answered."""
        ...

    async def set_space(self, match_id: int, space: MessageRef) -> None: ...

    async def add_feedback(self, feedback: Feedback) -> bool:
        """False when this member already gave feedback on this match."""
        ...

    async def stories(self, limit: int) -> list[tuple[Feedback, Match]]:
        """Feedback that says what changed for the member, newest first."""
        ...

    async def stats(self) -> tuple[int, int, float | None]:
        """(matches made, matches met, average rating)."""
        ...

    async def add_round(
        self,
        pairs: Sequence[RoundPair],
        left_out: Sequence[int],
        now: datetime,
        edits: RoundEdits | None = None,
    ) -> MatchingRound:
        """A new preview (with the moderators' `edits` kept); an older preview is
        discarded."""
        ...

    async def preview(self) -> MatchingRound | None: ...

    async def preview_edits(self) -> RoundEdits | None:
        """The moderators' edits of the proposed round (None without one), without its
        thousands of pairs."""
        ...

    async def save_round(self, matching_round: MatchingRound, now: datetime) -> None:
        """Its status, pairs, left-out requests and edits."""
        ...
