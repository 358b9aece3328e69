"""What mentoring sends: recorded in the unit of work of the change it tells about, and
delivered by the outbox once that commits (asks, the mentee's news, match spaces,
feedback requests, the waitlist)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.common.offload import off_loop
from bot.kernel.catalog import Catalog
from bot.kernel.members import Member
from bot.kernel.messages import Button, ButtonStyle, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.ports import UnitOfWork
from bot.kernel.sends import Delivered, Inbox, OpenSpace, Post, Send, to_inbox
from bot.mentoring.matching import Fit
from bot.mentoring.model import CHECKIN, REMINDER, Match, MentorRequest, Moved, RequestStatus
from bot.mentoring.settings import CHECKIN_SETTING, CHECKIN_WEEKS, setting, spaces_channel
from bot.mentoring.views import answer_buttons, their_time, why

ASK = "mentor.ask"
MATCH = "mentor.match"
REMIND_AT = 0.75  # of the time to answer: 12 h before a 48 h deadline


def register(catalog: Catalog) -> None:
    catalog.delivery(ASK, still_wanted=ask_still_open, delivered=ask_delivered)
    catalog.delivery(REMINDER, still_wanted=reminder_still_wanted)
    catalog.delivery(CHECKIN, still_wanted=match_running)
    catalog.delivery(MATCH, still_wanted=space_still_wanted, delivered=space_opened)


async def record_asks(
    uow: UnitOfWork, asks: Sequence[tuple[MentorRequest, int]], now: datetime, deadline: datetime
) -> None:
    """Each asked mentor gets the request, with Accept and Decline, in their private space
    with copbot, and a reminder late in their time to answer; keyed by the ask, so one
    ask is one message (and one reminder)."""
    people = await uow.members.by_ids([r.mentee_id for r, _ in asks] + [m for _, m in asks])
    spaces = await spaces_channel(uow)
    remind_at = now + (deadline - now) * REMIND_AT

    def sends() -> list[Send]:
        made = []
        for request, mentor_id in asks:
            mentee, mentor = people[request.mentee_id], people[mentor_id]
            note = f"\n“{request.note}”" if request.note else ""
            note += f"\nTheir goal: {request.goal}" if request.goal else ""
            by = (
                f"{their_time(deadline, mentor)}; after that it moves on to another mentor or "
                "the waitlist."
            )
            message = Reply(
                f"{mentee.display_name} would like you as their mentor on {request.topic}."
                f"{note}\nPlease answer by {by}",
                buttons=answer_buttons(request.id),
            )
            reminder = Reply(
                f"A reminder: {mentee.display_name}'s request on {request.topic} waits for your "
                f"answer until {by}",
                buttons=answer_buttons(request.id),
            )
            ask = {"request": request.id, "mentor": mentor_id, "asked_at": now.isoformat()}
            key = f"{request.id}-{mentor_id}-{int(now.timestamp())}"
            inbox = _inbox(mentor, spaces or request.channel_id)
            made.append(to_inbox(ASK, f"ask-{key}", message, inbox, ask))
            later = to_inbox(REMINDER, f"remind-{key}", reminder, inbox, ask)
            made.append(replace(later, due_at=remind_at))
        return made

    await uow.outbox.add_all(await off_loop(sends, len(asks)), now)


async def ask_still_open(uow: UnitOfWork, send: Send) -> bool:
    """An ask goes out only while the mentor is still the one asked (not answered, timed
    out, withdrawn or reassigned by a round meanwhile)."""
    return _stands(await uow.mentoring.request(send.args["request"]), send)


async def reminder_still_wanted(uow: UnitOfWork, send: Send) -> bool:
    """A reminder goes only while its ask stands and reached the mentor."""
    request = await uow.mentoring.request(send.args["request"])
    return _stands(request, send) and request is not None and request.notified


def _stands(request: MentorRequest | None, send: Send) -> bool:
    return (
        request is not None
        and request.status is RequestStatus.ASKING
        and request.mentor_id == send.args["mentor"]
        and request.asked_at == datetime.fromisoformat(send.args["asked_at"])
    )


async def ask_delivered(uow: UnitOfWork, send: Send, delivered: Delivered, now: datetime) -> None:
    await uow.mentoring.mark_notified(send.args["request"], send.args["mentor"])


async def tell_mentee_moved_on(
    uow: UnitOfWork, request: MentorRequest, fit: Fit | None, now: datetime
) -> None:
    """The mentor asked couldn't take it: who is asked now, or that it waits."""
    ids = [request.mentee_id] + ([fit.mentor.person.member_id] if fit else [])
    people = await uow.members.by_ids(ids)
    if fit is None:
        text = (
            f"The mentor I asked about {request.topic} couldn't take it, and no other mentor "
            "is available for it: you're on the waitlist, and I'll ask as soon as one is."
        )
    else:
        mentor = people[fit.mentor.person.member_id]
        text = (
            f"The mentor I asked about {request.topic} couldn't take it, so I asked "
            f"{mentor.display_name} ({why(fit, request.topic)})."
        )
    await _tell(
        uow,
        people[request.mentee_id],
        request,
        f"moved-on-{request.id}-{request.mentor_id}",
        text,
        now,
    )


LEFT = {
    Moved.WITHDRAWN: "{mentee} withdrew their request on {topic}",
    Moved.TIMEOUT: "Your time to answer {mentee}'s request on {topic} ran out",
    Moved.ROUND: "A matching round gave {mentee}'s request on {topic} to another mentor",
    Moved.FULL: "Your places are full, so I passed {mentee}'s request on {topic} on",
    Moved.ELSEWHERE: "{mentee} was matched on another request, so their request on {topic} closed",
}


async def tell_mentor_ask_left(
    uow: UnitOfWork, request: MentorRequest, why: Moved, now: datetime
) -> None:
    """The mentor who had the ask hears it left them, once they have it: an ask not yet
    delivered is never sent (`ask_still_open`), so there is nothing to take back."""
    if request.mentor_id is None or not request.notified or why not in LEFT:
        return
    people = await uow.members.by_ids([request.mentee_id, request.mentor_id])
    send = _left(request, why, people, await spaces_channel(uow))
    await uow.outbox.add(send, now)


def _left(
    request: MentorRequest, why: Moved, people: dict[int, Member], spaces: str | None
) -> Send:
    assert request.mentor_id is not None
    mentee, mentor = people[request.mentee_id], people[request.mentor_id]
    text = LEFT[why].format(mentee=mentee.display_name, topic=request.topic)
    reply = Reply(f"{text}: there's nothing for you to answer there now.")
    asked = int(request.asked_at.timestamp()) if request.asked_at else 0
    key = f"ask-left-{request.id}-{request.mentor_id}-{asked}"
    return to_inbox("notice", key, reply, _inbox(mentor, spaces or request.channel_id))


async def tell_round_news(
    uow: UnitOfWork, news: Sequence[tuple[MentorRequest, Fit]], now: datetime
) -> None:
    """A round asked a mentor for these requests: each mentee hears who (and instead of
    whom, if it took the request from the mentor who had it), and that mentor hears the
    request left them."""
    moved = {r.id: r.mentor_id for r, _ in news if r.status is RequestStatus.ASKING and r.mentor_id}
    ids = [r.mentee_id for r, _ in news] + [f.mentor.person.member_id for _, f in news]
    people = await uow.members.by_ids(ids + list(moved.values()))
    spaces = await spaces_channel(uow)

    def sends() -> list[Send]:
        made = []
        for request, fit in news:
            mentor = people[fit.mentor.person.member_id]
            before = people.get(moved.get(request.id) or 0)
            instead = f"instead of {before.display_name}, " if before else ""
            text = (
                f"A matching round found a mentor for your request on {request.topic}: "
                f"{instead}I asked {mentor.display_name} ({why(fit, request.topic)})."
            )
            key = f"round-asked-{request.id}-{mentor.id}-{int(now.timestamp())}"
            inbox = _inbox(people[request.mentee_id], spaces or request.channel_id)
            made.append(to_inbox("notice", key, Reply(text), inbox))
            if request.id in moved and request.notified:
                made.append(_left(request, Moved.ROUND, people, spaces))
        return made

    await uow.outbox.add_all(await off_loop(sends, len(news)), now)


async def tell_mentee_asked(
    uow: UnitOfWork, request: MentorRequest, fit: Fit, now: datetime
) -> None:
    """A request left the waitlist: the mentee hears who is asked now."""
    mentor_id = fit.mentor.person.member_id
    people = await uow.members.by_ids([request.mentee_id, mentor_id])
    text = (
        f"Good news on your request #{request.id}: a mentor for {request.topic} became "
        f"available, so I asked {people[mentor_id].display_name} ({why(fit, request.topic)})."
    )
    key = f"from-waitlist-{request.id}-{mentor_id}-{int(now.timestamp())}"
    await _tell(uow, people[request.mentee_id], request, key, text, now)


async def tell_paused_for_silence(uow: UnitOfWork, request: MentorRequest, now: datetime) -> None:
    """The mentor of the request that timed out hears why nobody asks them now and how to
    come back; the moderators hear whom copbot paused."""
    assert request.mentor_id is not None
    mentor_id = request.mentor_id
    mentor = (await uow.members.by_ids([mentor_id]))[mentor_id]
    stamp = int(now.timestamp())
    told = Reply(
        "Three requests in a row ran out of time before you answered, so I've paused you: "
        "nobody will ask you for now. `/mentor resume` when you're ready to answer again "
        "(or `/mentor stop` if mentoring doesn't fit right now)."
    )
    inbox = _inbox(mentor, await spaces_channel(uow) or request.channel_id)
    await uow.outbox.add(to_inbox("notice", f"silent-{mentor_id}-{stamp}", told, inbox), now)
    moderators = Reply(
        f"Mentoring: I paused {mentor.display_name} after three requests in a row ran out of "
        "time; they come back with `/mentor resume`. `/mentor paused` lists paused mentors."
    )
    await tell_moderators(uow, f"silent-mods-{mentor_id}-{stamp}", moderators, now)


async def announce_waitlist(uow: UnitOfWork, request: MentorRequest, now: datetime) -> None:
    mentee = (await uow.members.by_ids([request.mentee_id]))[request.mentee_id]
    reply = Reply(
        f"Mentoring waitlist: {mentee.display_name} is waiting for a mentor on "
        f"{request.topic} (request #{request.id}). More mentors for it would help."
    )
    # Each time it waits: first when it is made, then after each mentor it passed on.
    key = f"waitlist-{request.id}-{request.mentor_id or 0}"
    await tell_moderators(uow, key, reply, now)


async def open_match_space(
    uow: UnitOfWork, match: Match, request: MentorRequest, now: datetime
) -> None:
    """A private space for mentor and mentee, announced there to both."""
    people = await uow.members.by_ids([match.mentor_id, match.mentee_id])
    mentor, mentee = people[match.mentor_id], people[match.mentee_id]
    note = f"\n{mentee.display_name} wrote: “{request.note}”" if request.note else ""
    note += f"\n{mentee.display_name}'s goal: {request.goal}" if request.goal else ""
    welcome = Reply(
        f"{mentor.display_name} is mentoring {mentee.display_name} on {match.topic} "
        f"(match #{match.id}). This space is yours: say hello and find a time to meet!{note}\n"
        "When you're done, `/mentor end match:" + f"{match.id}` closes it."
    )
    space = OpenSpace(
        await spaces_channel(uow) or request.channel_id,
        (mentor.user_id, mentee.user_id),
        f"Mentoring: {mentee.display_name} & {mentor.display_name} ({match.topic})"[:100],
    )
    steps = (space, Post(welcome, into=0))
    await uow.outbox.add(Send(MATCH, f"match-{match.id}", steps, {"match": match.id}), now)


async def space_still_wanted(uow: UnitOfWork, send: Send) -> bool:
    match = await uow.mentoring.match(send.args["match"])
    return match is not None and match.channel_id is None


async def space_opened(uow: UnitOfWork, send: Send, delivered: Delivered, now: datetime) -> None:
    space = delivered.refs[0]
    assert space is not None
    await uow.mentoring.set_space(send.args["match"], space)


async def ask_feedback(
    uow: UnitOfWork, match: Match, ended_by: int | None, now: datetime, *, erased: bool = False
) -> None:
    """Ask the other side (the one who ended it got the form in their reply, or erased
    their data: `erased`), or both when it ended by itself (`ended_by` None)."""
    sides = [match.mentor_id, match.mentee_id]
    asked = [m for m in sides if m != ended_by]
    people = await uow.members.by_ids(asked)
    request = await uow.mentoring.request(match.request_id)
    if erased:
        side = "mentor" if ended_by == match.mentor_id else "mentee"
        how = f"has ended: your {side} erased their data from copbot"
    elif ended_by is not None:
        how = "has ended"
    else:
        how = (
            "ended by itself: nobody answered its check-in. If you're still meeting, "
            "`/mentor request` starts a new one"
        )
    reply = Reply(
        f"Your mentoring match #{match.id} on {match.topic} {how}. Did you meet, and how was it?",
        buttons=(Button("Give feedback", "mentor.feedback_open", str(match.id)),),
    )
    channel = await spaces_channel(uow) or (request.channel_id if request else "")
    await uow.outbox.add_all(
        [
            to_inbox("notice", f"feedback-{match.id}-{m}", reply, _inbox(people[m], channel))
            for m in asked
        ],
        now,
    )


async def record_checkin(
    uow: UnitOfWork, match: Match, request: MentorRequest, now: datetime
) -> None:
    """Both sides are asked how it is going, `CHECKIN_SETTING` weeks in (sent then by the
    outbox, unless the match ended meanwhile)."""
    weeks = timedelta(weeks=await setting(uow, CHECKIN_SETTING, CHECKIN_WEEKS))
    people = await uow.members.by_ids([match.mentor_id, match.mentee_id])
    channel = await spaces_channel(uow) or request.channel_id
    value = str(match.id)
    buttons = (
        Button("Going well", "mentor.checkin_well", value, ButtonStyle.PRIMARY),
        Button("Could use a hand", "mentor.checkin_help", value),
        Button("We're done: end it", "mentor.end", value, ButtonStyle.DANGER),
    )
    sends = []
    for me, other in ((match.mentor_id, match.mentee_id), (match.mentee_id, match.mentor_id)):
        reply = Reply(
            f"How is your mentoring on {match.topic} with {people[other].display_name} going "
            f"(match #{match.id})? If neither of you answers, it ends by itself in "
            f"{weeks.days // 7} week(s).",
            buttons=buttons,
        )
        send = to_inbox(CHECKIN, f"checkin-{match.id}-{me}", reply, _inbox(people[me], channel))
        sends.append(replace(send, args={"match": match.id}, due_at=match.started_at + weeks))
    await uow.outbox.add_all(sends, now)


async def match_running(uow: UnitOfWork, send: Send) -> bool:
    """A check-in goes only to a match still running."""
    match = await uow.mentoring.match(send.args["match"])
    return match is not None and match.ended_at is None


async def _tell(
    uow: UnitOfWork, member: Member, request: MentorRequest, key: str, text: str, now: datetime
) -> None:
    """One line of news in the member's private space (opened under the request's channel
    when no mentoring channel is set)."""
    inbox = _inbox(member, await spaces_channel(uow) or request.channel_id)
    await uow.outbox.add(to_inbox("notice", key, Reply(text), inbox), now)


def _inbox(member: Member, channel_id: str) -> Inbox:
    return Inbox(member.id, member.user_id, channel_id, f"Mentoring · {member.display_name}"[:100])
