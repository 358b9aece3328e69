"""Who may be asked for a request, in what order, and asking them: the rules both
single requests and rounds follow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.common.timezones import utc_offset_hours
from bot.kernel.members import Locale, Member
from bot.kernel.ports import UnitOfWork
from bot.mentoring.matching import Fit, MentorOffer, Person, Seeker, rank
from bot.mentoring.model import Mentor, MentorRequest, Moved, OpenRequest, RequestStatus
from bot.mentoring.notices import (
    announce_waitlist,
    record_asks,
    tell_mentee_asked,
    tell_mentee_moved_on,
    tell_mentor_ask_left,
    tell_paused_for_silence,
)
from bot.mentoring.settings import (
    ANSWER_HOURS,
    ANSWER_SETTING,
    REPEAT_DAYS,
    REPEAT_SETTING,
    setting,
)

RECENT = timedelta(days=90)  # matches this recent count towards a mentor's load
SILENT_AFTER = 3  # asks in a row a mentor lets time out before copbot pauses them


async def candidates(
    uow: UnitOfWork, request: MentorRequest, now: datetime, *, counting_asks: bool = True
) -> list[Fit]:
    """Mentors who may be asked for this request, best first; never the mentee, a paused
    or full mentor, anyone on either side's don't-match list, a mentor who passed on this
    mentee and topic, nor a recent partner. A mentor's asks in flight take places too
    (`Mentor.room`), unless `counting_asks` is off: a round re-plans every ask."""
    mentors = [
        m for m in await uow.mentoring.mentors(request.topic, now - RECENT) if m.available(now)
    ]
    # Their timezones and languages alone: a request holds the writer meanwhile, and a
    # topic's thousand mentors as whole members took it 20-30 ms more.
    people = await uow.members.locales([request.mentee_id, *(m.member_id for m in mentors)])
    excluded = await exclusions(uow, now, request.id)
    wanted = seeking(
        request, person_at(request.mentee_id, people[request.mentee_id], now), excluded
    )
    return rank(
        wanted,
        [
            offering(
                m,
                person_at(m.member_id, people[m.member_id], now),
                m.room if counting_asks else m.spare,
            )
            for m in mentors
        ],
    )


async def exclusions(
    uow: UnitOfWork, now: datetime, request_id: int | None = None
) -> dict[int, set[int]]:
    repeat = timedelta(days=await setting(uow, REPEAT_SETTING, REPEAT_DAYS))
    return await uow.mentoring.exclusions(now - repeat, request_id)


def seeker(
    request: MentorRequest, mentee: Member, excluded: dict[int, set[int]], now: datetime
) -> Seeker:
    """The request as matching sees it, with every mentor it must never go to."""
    return seeking(request, person(mentee, now), excluded)


def seeking(
    request: MentorRequest | OpenRequest, mentee: Person, excluded: dict[int, set[int]]
) -> Seeker:
    never = frozenset(excluded.get(request.id, ()))
    return Seeker(request.id, mentee, request.topic, request.left_out, never)


def person(member: Member, now: datetime) -> Person:
    return person_at(member.id, Locale(member.timezone, member.languages), now)


def person_at(member_id: int, locale: Locale, now: datetime) -> Person:
    offset = utc_offset_hours(now, locale.timezone) if locale.timezone else None
    return Person(member_id, offset, frozenset(locale.languages))


def offer_of(
    mentor: Mentor, member: Member, now: datetime, spare: int | None = None
) -> MentorOffer:
    """The mentor as matching sees it, with `spare` places (by default `Mentor.spare`)."""
    return offering(mentor, person(member, now), spare)


def offering(mentor: Mentor, who: Person, spare: int | None = None) -> MentorOffer:
    return MentorOffer(
        who,
        frozenset(mentor.topics),
        mentor.capacity,
        mentor.spare if spare is None else spare,
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


async def pass_on(uow: UnitOfWork, request: MentorRequest, why: Moved, now: datetime) -> Fit | None:
    """The asked mentor can't take it (declined, let the time run out, filled up): ask the
    next (returned) or put it on the waitlist (None), and tell the mentee, the moderators
    when it waits, and the mentor unless they declined it themselves."""
    assert request.mentor_id is not None
    if why in (Moved.DECLINED, Moved.TIMEOUT):  # never this mentee and topic again
        await uow.mentoring.add_pass(
            request.mentee_id, request.mentor_id, request.topic, why.value, now
        )
    await uow.mentoring.moved([(request.id, request.mentor_id)], why, now)
    fits = await candidates(uow, request, now)
    fit = fits[0] if fits else None
    if fit is not None:
        await ask(uow, request, fit, now)
    else:
        await uow.mentoring.wait(request.id, now)
        await announce_waitlist(uow, request, now)
    await tell_mentee_moved_on(uow, request, fit, now)
    if why not in (Moved.DECLINED, Moved.STOPPED):  # they know: they did it
        await tell_mentor_ask_left(uow, request, why, now)
    return fit


async def pause_if_silent(uow: UnitOfWork, request: MentorRequest, now: datetime) -> None:
    """The request's mentor let it time out: after `SILENT_AFTER` in a row they are paused
    (so mentees stop waiting out their deadlines) and told how to come back."""
    assert request.mentor_id is not None
    if await uow.mentoring.count_missed(request.mentor_id, missed=True) >= SILENT_AFTER:
        await uow.mentoring.pause_silent(request.mentor_id, now)
        await tell_paused_for_silence(uow, request, now)


async def trim_asks(uow: UnitOfWork, mentor_id: int, now: datetime) -> None:
    """Never more asks in flight than the mentor has places (they filled up, or lowered
    their capacity): the newest beyond move on at once, so nobody waits out a deadline
    for an Accept that can't be given."""
    mentor = await uow.mentoring.mentor(mentor_id)
    if mentor is None or mentor.asked <= mentor.spare:
        return
    asking = await uow.mentoring.requests([RequestStatus.ASKING], mentor_id=mentor_id)
    for request in asking[mentor.spare :]:
        if await uow.mentoring.answer(request.id, mentor_id, RequestStatus.ASKING, now):
            await pass_on(uow, request, Moved.FULL, now)


async def offer_waitlist(uow: UnitOfWork, mentor_id: int, now: datetime) -> None:
    """A mentor got room (offered, resumed, a match ended): ask them, or the best fitting
    mentor, for the oldest waiting requests on their topics, as many as they have room."""
    mentor = await uow.mentoring.mentor(mentor_id)
    if mentor is None or not mentor.available(now) or mentor.room < 1:
        return
    asked = 0
    for request in await uow.mentoring.requests([RequestStatus.WAITING], topics=mentor.topics):
        if asked >= mentor.room:
            return
        fits = await candidates(uow, request, now)
        if fits:
            await ask(uow, request, fits[0], now)
            await tell_mentee_asked(uow, request, fits[0], now)
            asked += 1
