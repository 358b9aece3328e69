"""Publishing a round: every pair re-checked, the asks written at once, and everyone whose
request moved told (the mentee who and instead of whom, the mentor it left)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.common.offload import off_loop
from bot.kernel.ports import UnitOfWork
from bot.mentoring.matching import Fit, rank
from bot.mentoring.model import OPEN, Mentor, MentorRequest, Moved, RequestStatus, RoundPair
from bot.mentoring.notices import tell_round_news
from bot.mentoring.rules import RECENT, ask_each, exclusions, offer_of, pass_on, seeker


@dataclass(frozen=True)
class Published:
    asked: tuple[int, ...]  # request ids whose mentor is asked now: one message each
    kept: tuple[int, ...]  # already with the round's mentor: their time to answer runs on
    skipped: int  # pairs whose request closed, or whose mentor can no longer take it


async def publish_round(
    uow: UnitOfWork, pairs: Sequence[RoundPair], left_out: Sequence[int], now: datetime
) -> Published:
    """Ask each pair's mentor; pairs whose request closed or whose mentor can no longer
    take it since the preview are skipped.

    Everything is read at once and the asks written in one statement: a round may hold
    thousands of pairs, and this runs in the unit of work that every other command waits
    for on SQLite."""
    requests = {r.id: r for r in await uow.mentoring.requests(OPEN)}
    mentors = {
        m.member_id: m for m in await uow.mentoring.mentors(None, now - RECENT) if m.available(now)
    }
    wanted = [p for p in pairs if p.request_id in requests and p.mentor_id in mentors]
    people = await uow.members.by_ids(
        [requests[p.request_id].mentee_id for p in wanted] + [p.mentor_id for p in wanted]
    )
    excluded = await exclusions(uow, now)

    def recheck() -> tuple[list[RoundPair], list[tuple[MentorRequest, Fit]]]:
        kept, asks = [], []
        for pair in wanted:
            request = requests[pair.request_id]
            if request.status is RequestStatus.ASKING and request.mentor_id == pair.mentor_id:
                kept.append(pair)
                continue
            looking = seeker(request, people[request.mentee_id], excluded, now)
            mentor = mentors[pair.mentor_id]
            fits = rank(looking, [offer_of(mentor, people[mentor.member_id], now)])
            if fits:
                asks.append((request, fits[0]))
        return kept, asks

    kept, asks = await off_loop(recheck, len(wanted))
    taken = [(r.id, r.mentor_id) for r, _ in asks if r.status is RequestStatus.ASKING]
    await uow.mentoring.moved([(r, m) for r, m in taken if m is not None], Moved.ROUND, now)
    await ask_each(uow, [(r, f.mentor.person.member_id) for r, f in asks], now)
    await tell_round_news(uow, asks, now)
    placed = [p.request_id for p in kept] + [r.id for r, _ in asks]
    await uow.mentoring.count_left_out(placed, left_out=False)
    await uow.mentoring.count_left_out(left_out, left_out=True)
    promised = Counter(p.mentor_id for p in kept) + Counter(
        f.mentor.person.member_id for _, f in asks
    )
    await within_places(uow, requests, mentors, promised, set(placed), now)
    return Published(
        tuple(r.id for r, _ in asks), tuple(p.request_id for p in kept), len(pairs) - len(placed)
    )


async def within_places(
    uow: UnitOfWork,
    requests: Mapping[int, MentorRequest],
    mentors: Mapping[int, Mentor],
    promised: Counter[int],
    placed: set[int],
    now: datetime,
) -> None:
    """Asks the round didn't place (left out, or made since the preview) stay with their
    mentor while the mentor has a place the round didn't give away; the newest beyond
    move on at once (`Moved.FULL`)."""
    staying: dict[int, list[MentorRequest]] = {}
    for request in requests.values():
        asking = request.status is RequestStatus.ASKING and request.mentor_id in mentors
        if asking and request.id not in placed and request.mentor_id is not None:
            staying.setdefault(request.mentor_id, []).append(request)
    for mentor_id, theirs in staying.items():
        room = mentors[mentor_id].spare - promised[mentor_id]
        for request in theirs[max(0, room) :]:
            if await uow.mentoring.answer(request.id, mentor_id, RequestStatus.ASKING, now):
                await pass_on(uow, request, Moved.FULL, now)
