"""Who may be asked for a request, in what order, and asking them: the rules both
single requests and rounds follow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.common.timezones import utc_offset_hours
from bot.kernel.members import Member
from bot.kernel.ports import UnitOfWork
from bot.mentoring.matching import Fit, MentorOffer, Person, Seeker, rank
from bot.mentoring.model import Mentor, MentorRequest, RequestStatus
from bot.mentoring.notices import record_asks
from bot.mentoring.settings import (
    ANSWER_HOURS,
    ANSWER_SETTING,
    REPEAT_DAYS,
    REPEAT_SETTING,
    setting,
)

RECENT = timedelta(days=90)  # matches this recent count towards a mentor's load


async def candidates(uow: UnitOfWork, request: MentorRequest, now: datetime) -> list[Fit]:
    """Mentors who may be asked for this request, best first; never the mentee, a paused
    or full mentor, anyone on either side's don't-match list, a mentor who passed on this
    mentee and topic, nor a recent partner."""
    mentors = [
        m for m in await uow.mentoring.mentors(request.topic, now - RECENT) if m.available(now)
    ]
    people = await uow.members.by_ids([request.mentee_id, *(m.member_id for m in mentors)])
    excluded = await exclusions(uow, now, request.id)
    wanted = seeker(request, people[request.mentee_id], excluded, now)
    return rank(wanted, [offer_of(m, people[m.member_id], now) for m in mentors])


async def exclusions(
    uow: UnitOfWork, now: datetime, request_id: int | None = None
) -> dict[int, set[int]]:
    repeat = timedelta(days=await setting(uow, REPEAT_SETTING, REPEAT_DAYS))
    return await uow.mentoring.exclusions(now - repeat, request_id)


def seeker(
    request: MentorRequest, mentee: Member, excluded: dict[int, set[int]], now: datetime
) -> Seeker:
    """The request as matching sees it, with every mentor it must never go to."""
    never = frozenset(excluded.get(request.id, ()))
    return Seeker(request.id, person(mentee, now), request.topic, request.left_out, never)


def person(member: Member, now: datetime) -> Person:
    offset = utc_offset_hours(now, member.timezone) if member.timezone else None
    return Person(member.id, offset, frozenset(member.languages))


def offer_of(mentor: Mentor, member: Member, now: datetime) -> MentorOffer:
    return MentorOffer(
        person(member, now),
        frozenset(mentor.topics),
        mentor.capacity,
        mentor.spare,
        mentor.recent,
    )


async def ask(uow: UnitOfWork, request: MentorRequest, fit: Fit, now: datetime) -> None:
    await ask_each(uow, [(request, fit.mentor.person.member_id)], now)


async def ask_each(
    uow: UnitOfWork, asks: Sequence[tuple[MentorRequest, int]], now: datetime
) -> None:
    """Hand each request to its mentor, who gets the ask once this commits."""
    hours = await setting(uow, ANSWER_SETTING, ANSWER_HOURS)
    deadline = now + timedelta(hours=hours)
    await uow.mentoring.ask([(r.id, mentor) for r, mentor in asks], now, deadline)
    await record_asks(uow, asks, now, deadline)


async def pass_on(
    uow: UnitOfWork, request: MentorRequest, reason: str, now: datetime
) -> Fit | None:
    """The asked mentor declined or let the time run out: ask the next (returned), or put
    the request on the waitlist (None)."""
    assert request.mentor_id is not None
    await uow.mentoring.add_pass(request.mentee_id, request.mentor_id, request.topic, reason, now)
    fits = await candidates(uow, request, now)
    if fits:
        await ask(uow, request, fits[0], now)
        return fits[0]
    await uow.mentoring.wait(request.id, now)
    return None


async def offer_waitlist(uow: UnitOfWork, mentor_id: int, now: datetime) -> None:
    """A mentor got room (offered, resumed, a match ended): ask them, or the best fitting
    mentor, for the oldest waiting requests on their topics, as many as they have room."""
    mentor = await uow.mentoring.mentor(mentor_id)
    if mentor is None or not mentor.available(now) or mentor.spare < 1:
        return
    asked = 0
    for request in await uow.mentoring.requests([RequestStatus.WAITING], topics=mentor.topics):
        if asked >= mentor.spare:
            return
        fits = await candidates(uow, request, now)
        if fits:
            await ask(uow, request, fits[0], now)
            asked += 1
