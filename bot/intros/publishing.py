"""A round published: claimed once for its programme and due time, its groups stored as
the programme's history, one intro per group through the outbox; and later its half-way
"did you meet?" and its close, where unanswered intros count as ignored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.common.offload import off_loop
from bot.intros.model import Group, Participant
from bot.intros.notices import follow_up_send, intro_send, paused_notice
from bot.intros.planner import describe_groups, plan, round_input
from bot.intros.ports import PlannedGroup
from bot.intros.records import (
    GHOST_AFTER,
    IntroGroup,
    IntroRound,
    Programme,
    RoundStatus,
    half_way,
)
from bot.kernel.messages import CommunityKey
from bot.kernel.ports import Store, UnitOfWork
from bot.kernel.sends import Send

NO_NEXT_ROUND = timedelta(weeks=2)  # a round closes this long after, when none follows


@dataclass(frozen=True)
class Published:
    round_id: int
    groups: int
    people: int
    left_out: tuple[int, ...]  # member ids nobody could be grouped with


@dataclass(frozen=True)
class Planned:
    """A round ready to publish (or to store as its draft)."""

    groups: list[Group]
    left_out: tuple[int, ...]  # member ids nobody could be grouped with
    dropped: tuple[IntroGroup, ...] = ()  # the draft's groups a moderator dropped
    from_draft: bool = False  # a moderator's previewed draft, as they left it

    def draft_groups(self) -> list[PlannedGroup]:
        """As the draft stores them: the dropped groups too, so they stay out."""
        kept = [(g.members, g.weight, False) for g in self.groups]
        return kept + [(g.member_ids, g.weight, True) for g in self.dropped]


async def prepare(
    store: Store,
    community: CommunityKey,
    programme: Programme,
    due: datetime,
    now: datetime,
    *,
    afresh: bool = False,
) -> Planned:
    """The programme's round due at `due`, read from a snapshot and planned before the unit
    of work that publishes (or stores) it begins, so a large round holds up no command
    meanwhile: the draft as a moderator left it, if they previewed this one (`afresh`:
    planned anew all the same), with those who joined since grouped among themselves."""
    async with store.snapshot(community) as snapshot:
        seq = await snapshot.intros.last_seq(programme.id) + 1
        participants = await round_input(snapshot, programme, seq, now)
        draft = None if afresh else await snapshot.intros.draft(programme.id)
        edited = (
            await snapshot.intros.groups(draft.id, dropped=True)
            if draft is not None and draft.due_at == due
            else None
        )
    if edited is None:
        planned = await plan(participants, programme)
        return Planned(list(planned.groups), planned.left_out)
    dropped = tuple(g for g in edited if g.dropped)
    kept = [g.member_ids for g in edited if not g.dropped]
    groups, left_out = await _with_newcomers(
        participants, programme, kept, {m for g in dropped for m in g.member_ids}
    )
    return Planned(groups, left_out, dropped, from_draft=True)


async def claim_and_publish(
    uow: UnitOfWork,
    programme: Programme,
    due: datetime,
    planned: Planned,
    now: datetime,
) -> Published | None:
    """Publish the round due at `due` if this unit of work claims it; None when it was
    published already, by another process or an earlier run."""
    claimed = await uow.intros.claim_round(programme.id, due, RoundStatus.PUBLISHED, now)
    if claimed is None:
        return None
    return await publish(uow, programme, claimed, planned.groups, planned.left_out, now)


async def _with_newcomers(
    participants: Sequence[Participant],
    programme: Programme,
    kept: Sequence[tuple[int, ...]],
    dropped: set[int],
) -> tuple[list[Group], tuple[int, ...]]:
    """A moderator's draft as they left it, and those who joined since grouped among
    themselves (the draft's dropped groups stay out of this round)."""
    groups = await describe_groups(participants, programme, kept)
    placed = {m for g in groups for m in g.members} | dropped
    newcomers = [p for p in participants if p.member_id not in placed]
    if len(newcomers) < 2:
        return groups, tuple(p.member_id for p in newcomers)
    planned = await plan(newcomers, programme)
    return [*groups, *planned.groups], planned.left_out


async def publish(
    uow: UnitOfWork,
    programme: Programme,
    claimed: IntroRound,
    groups: Sequence[Group],
    left_out: Sequence[int],
    now: datetime,
) -> Published:
    """Store the round's groups and record one intro per group; the round's follow-up
    goes out half-way to the next round, and it closes when that one is due."""
    intros = uow.intros
    seq = await intros.last_seq(programme.id) + 1
    stored = await intros.set_groups(claimed.id, [(g.members, g.weight, False) for g in groups])
    people = await uow.members.by_ids([m for g in groups for m in g.members])

    def sends() -> list[Send]:
        return [intro_send(programme, s, g, people) for s, g in zip(stored, groups, strict=True)]

    await uow.outbox.add_all(await off_loop(sends, len(groups)), now)
    await intros.grouped(programme.id, [m for g in groups for m in g.members], seq)
    # The next round after this one (run early by `/intro run-now`, it is still this one).
    following = next(programme.cadence.upcoming(max(now, claimed.due_at)), None)
    closes_at = following or now + NO_NEXT_ROUND
    await intros.publish(claimed.id, seq, now, now + half_way(now, following), closes_at)
    return Published(claimed.id, len(groups), sum(len(g.members) for g in groups), tuple(left_out))


async def follow_up(uow: UnitOfWork, round_id: int, now: datetime) -> int:
    """The round's "did you meet?" in each group's space, once; returns how many."""
    if not await uow.intros.claim_follow_up(round_id):
        return 0
    sends = [s for g in await uow.intros.groups(round_id) if (s := follow_up_send(g))]
    await uow.outbox.add_all(sends, now)
    return len(sends)


async def close(uow: UnitOfWork, closing: IntroRound, now: datetime) -> list[int]:
    """The round is over: who answered nothing ignored it (unless their intro never
    reached them); three ignored in a row pauses a member (`ghosted`), who is told how to
    come back. Returns who was paused."""
    if not await uow.intros.claim_closing(closing.id):
        return []
    answers = await uow.intros.answers(closing.id)
    unasked = {  # their space never opened (refused, or not yet): nothing to ignore
        m
        for g in await uow.intros.groups(closing.id)
        if g.space_channel is None
        for m in g.member_ids
    }
    ignored = [m for m, answer in answers.items() if answer is None and m not in unasked]
    answered = [m for m, answer in answers.items() if answer is not None]
    paused = await uow.intros.count_ignored(closing.programme_id, ignored, answered, GHOST_AFTER)
    programme = await uow.intros.programme(closing.programme_id)
    if paused and programme is not None:
        people = await uow.members.by_ids(paused)
        await uow.outbox.add_all(
            [paused_notice(programme, closing.id, m) for m in people.values()], now
        )
    return paused
