"""What intros need from storage, in the unit of work's community only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.common.cadence import Cadence
from bot.intros.records import (
    Answer,
    IntroGroup,
    IntroRound,
    Participant,
    Programme,
    ProgrammeStats,
    RoundStatus,
)
from bot.kernel.messages import MessageRef

PlannedGroup = tuple[tuple[int, ...], int, bool]  # member ids, weight, dropped


class IntrosRepository(Protocol):
    # Programmes

    async def programmes(self) -> list[Programme]: ...

    async def programme(self, programme_id: int) -> Programme | None: ...

    async def add_programme(
        self,
        name: str,
        channel_id: str,
        whole_community: bool,
        cadence: Cadence,
        size: int,
        repeat_weeks: int,
        now: datetime,
    ) -> Programme:
        """Raises `Conflict` when the community has a programme of that name already."""
        ...

    async def save_programme(self, programme: Programme) -> None:
        """Its settings, pause and `last_due` (moved on by a resume: what fell due while
        paused is not run late)."""
        ...

    async def remove_programme(self, programme_id: int) -> None:
        """The programme with its members, rounds, groups and answers."""
        ...

    # Who takes part

    async def participant(self, programme_id: int, member_id: int) -> Participant | None: ...

    async def save_participant(self, participant: Participant) -> None: ...

    async def participants(self, programme_id: int) -> list[Participant]:
        """Everyone who ever joined, those who left included."""
        ...

    async def memberships(self, member_id: int) -> list[Participant]: ...

    async def grouped(self, programme_id: int, member_ids: Sequence[int], seq: int) -> None:
        """These members were grouped in the round numbered `seq`."""
        ...

    async def count_ignored(
        self, programme_id: int, ignored: Sequence[int], answered: Sequence[int], ghost_after: int
    ) -> list[int]:
        """One more ignored intro in a row for `ignored`, none for `answered`; returns who
        reached `ghost_after` now, marked ghosted (paused by copbot)."""
        ...

    # Rounds

    async def claim_round(
        self, programme_id: int, due: datetime, status: RoundStatus, now: datetime
    ) -> IntroRound | None:
        """The round due at `due`, taken by this unit of work (its draft, if a moderator
        previewed it): None when another process or an earlier run has it. Moves the
        programme's `last_due` on to `due`."""
        ...

    async def draft(self, programme_id: int) -> IntroRound | None: ...

    async def save_draft(
        self, programme_id: int, due: datetime, groups: Sequence[PlannedGroup], now: datetime
    ) -> IntroRound:
        """The programme's one draft, replacing any earlier one."""
        ...

    async def set_groups(self, round_id: int, groups: Sequence[PlannedGroup]) -> list[IntroGroup]:
        """The round's groups, replacing what it had, numbered from 1 in this order."""
        ...

    async def groups(self, round_id: int, *, dropped: bool = False) -> list[IntroGroup]:
        """In number order; with `dropped`, the ones a moderator dropped too."""
        ...

    async def group(self, group_id: int) -> IntroGroup | None: ...

    async def publish(
        self, round_id: int, seq: int, now: datetime, follow_up_at: datetime, closes_at: datetime
    ) -> None: ...

    async def last_seq(self, programme_id: int) -> int:
        """How many rounds the programme published (0 for none)."""
        ...

    async def due_follow_ups(self, now: datetime) -> list[IntroRound]: ...

    async def claim_follow_up(self, round_id: int) -> bool:
        """True for exactly one caller: its "did you meet?" goes out now."""
        ...

    async def due_closings(self, now: datetime) -> list[IntroRound]: ...

    async def claim_closing(self, round_id: int) -> bool:
        """True for exactly one caller: its unanswered intros count as ignored now."""
        ...

    async def answers(self, round_id: int) -> dict[int, Answer | None]:
        """Each grouped member's answer, None where they gave none."""
        ...

    async def answer(self, group_id: int, member_id: int, answer: Answer, now: datetime) -> bool:
        """False when the member isn't in that group."""
        ...

    async def space_opened(self, group_id: int, space: MessageRef) -> None: ...

    # What a round plans with

    async def history(self, programme_id: int, since: datetime) -> list[tuple[int, int, datetime]]:
        """Pairs of members grouped together since `since` (either order once), and when."""
        ...

    async def last_weights(self, programme_id: int) -> dict[int, int]:
        """Each member's group weight in the programme's latest published round."""
        ...

    async def avoided(self) -> list[tuple[int, int]]:
        """The confidential don't-match lists (`/mentor avoid`): who must never be grouped
        with whom, either side's list being enough."""
        ...

    async def met_in(self, member_id: int, limit: int) -> list[tuple[str, datetime, int]]:
        """Whom the member was introduced to, newest first: (programme name, published,
        the others' member ids as one per row)."""
        ...

    async def stats(self, programme_id: int, now: datetime) -> ProgrammeStats:
        """Who is paused is counted at `now`."""
        ...
