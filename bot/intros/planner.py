"""A programme's round: its input read from storage, planned by the grouping engine off
the event loop. The engine's solvers run in the worker process copbot/bootstrap.py hands
over (`use_worker`): rustworkx and OR-Tools hold the GIL for their whole run. Without one
(tests, scripts) the round is planned in a thread."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import datetime, timedelta

from bot.common.offload import off_loop
from bot.common.timezones import utc_offset_hours
from bot.intros.model import Group, Participant, Round, Rules
from bot.intros.reasons import describe
from bot.intros.records import Programme
from bot.intros.weights import TEACH, encode
from bot.intros.worker import plan_round_off_loop
from bot.kernel.ports import UnitOfWork

HISTORY = timedelta(weeks=52)  # how far back "how long since they met" looks, at least
WEAK = TEACH  # a group weighing less than one teach/learn fit was a weak match

_worker: Executor | None = None


def use_worker(worker: Executor | None) -> None:
    """The process pool rounds are planned in (None: a thread of this process)."""
    global _worker
    _worker = worker


def rules_of(programme: Programme) -> Rules:
    return Rules(repeat_weeks=programme.repeat_weeks, size=programme.size)


async def plan(participants: Sequence[Participant], programme: Programme) -> Round:
    rules = rules_of(programme)
    if _worker is None:
        from bot.intros.grouping import plan_round  # the solvers: only where they run

        return await asyncio.to_thread(plan_round, participants, rules)
    return await plan_round_off_loop(participants, rules, worker=_worker)


async def describe_groups(
    participants: Sequence[Participant], programme: Programme, groups: Sequence[tuple[int, ...]]
) -> list[Group]:
    """Groups given by member ids (a draft a moderator edited) with the links and weights
    the engine gives them; a member no longer in `participants` is left out of their group,
    and a group left with fewer than two is dropped."""
    index = {p.member_id: i for i, p in enumerate(participants)}
    kept = [tuple(index[m] for m in g if m in index) for g in groups]
    kept = [g for g in kept if len(g) >= 2]

    def work() -> list[Group]:
        return describe(participants, encode(participants, rules_of(programme)), kept)

    return await off_loop(work, len(participants))


async def round_input(
    uow: UnitOfWork, programme: Programme, seq: int, now: datetime
) -> list[Participant]:
    """Everyone taking part in the programme's round number `seq`, as the engine plans
    with them: profile, history within the programme, don't-match lists, last match."""
    intros = uow.intros
    taking_part = [p for p in await intros.participants(programme.id) if p.takes_part(seq, now)]
    ids = [p.member_id for p in taking_part]
    people = await uow.members.by_ids(ids)
    since = now - max(HISTORY, 2 * timedelta(weeks=programme.repeat_weeks))
    history = await intros.history(programme.id, since)
    avoided = await intros.avoided()
    weights = await intros.last_weights(programme.id)

    def convert() -> list[Participant]:
        met: dict[int, dict[int, int]] = {}
        for a, b, when in history:
            days = max(0, (now - when).days)
            met.setdefault(a, {})[b] = days
            met.setdefault(b, {})[a] = days
        avoid: dict[int, set[int]] = {}
        for a, b in avoided:
            avoid.setdefault(a, set()).add(b)
            avoid.setdefault(b, set()).add(a)
        found = []
        for member_id in ids:
            person = people.get(member_id)
            if person is None:
                continue
            zone = person.timezone
            found.append(
                Participant(
                    member_id=member_id,
                    teaches=frozenset(person.skills),
                    learns=frozenset(person.interests),
                    interests=frozenset(person.skills) | frozenset(person.interests),
                    utc_offset=utc_offset_hours(now, zone) if zone else None,
                    languages=frozenset(person.languages),
                    met_days_ago=met.get(member_id, {}),
                    avoid=frozenset(avoid.get(member_id, ())),
                    weak_last_round=member_id in weights and weights[member_id] < WEAK,
                )
            )
        return found

    return await off_loop(convert, len(ids))
