"""The mentor's side: offering topics and places, pausing, and answering asks."""

from __future__ import annotations

from datetime import datetime

from bot.common.errors import UserError
from bot.common.timezones import day_begins
from bot.kernel.catalog import Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import Button, ButtonStyle, Reply
from bot.mentoring.model import Mentor, MentorRequest, Moved, RequestStatus
from bot.mentoring.notices import open_match_space, record_checkin, tell_mentor_ask_left
from bot.mentoring.rules import offer_waitlist, pass_on, trim_asks
from bot.mentoring.views import INBOX_ANSWERS, inbox_buttons, name_of, their_time

MAX_CAPACITY = INBOX_ANSWERS  # asks never pass capacity: the inbox answers each


def register(catalog: Catalog) -> None:
    catalog.role("mentor")(is_mentor)
    catalog.command(
        "mentor offer",
        "Offer to mentor: your topics and how many mentees at once",
        Option(
            "topics",
            "Topics you can mentor, comma-separated (your profile's skills if left out)",
            OptionType.TAGS,
            autocomplete="tags",
            max_items=20,
            max_length=400,
        ),
        Option(
            "capacity",
            f"How many active mentees at once (1-{MAX_CAPACITY})",
            OptionType.INTEGER,
            min_value=1,
            max_value=MAX_CAPACITY,
        ),
    )(offer)
    catalog.command(
        "mentor pause",
        "Take no new requests for a while",
        Option("until", "Resume on this date, YYYY-MM-DD (until you resume if left out)"),
        role="mentor",
    )(pause)
    catalog.command("mentor resume", "Take mentoring requests again", role="mentor")(resume)
    catalog.command("mentor inbox", "Requests waiting for your answer", role="mentor")(inbox)
    catalog.command("mentor stop", "Stop mentoring (asks you confirm first)", role="mentor")(
        ask_to_stop
    )
    catalog.action("mentor.stop")(stop)
    catalog.action("mentor.accept")(accept)
    catalog.action("mentor.decline")(decline)
    catalog.action("mentor.decline_pause")(decline_and_pause)


async def is_mentor(context: Context) -> bool:
    """Whether the actor has offered to mentor (without making a member record to ask)."""
    member = await context.uow.members.by_user(context.actor.user_id)
    return member is not None and await context.uow.mentoring.mentor(member.id) is not None


async def offer(context: Context) -> Reply:
    member = await context.member()
    current = await context.uow.mentoring.mentor(member.id)
    topics = context.options.get("topics") or (current.topics if current else member.skills)
    if not topics:
        raise UserError(
            "Which topics? e.g. `/mentor offer topics:python, sql capacity:2` "
            "(or add skills to your profile first)."
        )
    capacity = context.options.get("capacity") or (current.capacity if current else 2)
    paused = current.paused if current else False
    until = current.paused_until if current else None
    await context.uow.mentoring.save_mentor(member.id, capacity, topics, paused, until, context.now)
    await trim_asks(context.uow, member.id, context.now)  # a lower capacity: fewer asks
    await offer_waitlist(context.uow, member.id, context.now)
    state = " You're paused: `/mentor resume` when you're ready." if paused else ""
    return Reply(
        f"Thanks for mentoring! Topics: {', '.join(topics)}; up to {capacity} mentee"
        f"{'s' if capacity != 1 else ''} at once.{state}",
        ephemeral=True,
    )


async def pause(context: Context) -> Reply:
    member = await context.member()
    mentor = await mentor_of(context, member)
    until = date_in_their_zone(context.options.get("until"), member, context.now)
    await context.uow.mentoring.save_mentor(
        member.id, mentor.capacity, mentor.topics, True, until, context.now
    )
    when = f" until {context.options['until']}" if until else " until you `/mentor resume`"
    return Reply(
        f"Paused{when}: nobody will be asked to match with you. Your current mentees stay yours.",
        ephemeral=True,
    )


async def resume(context: Context) -> Reply:
    member = await context.member()
    mentor = await mentor_of(context, member)
    await context.uow.mentoring.save_mentor(
        member.id, mentor.capacity, mentor.topics, False, None, context.now
    )
    await offer_waitlist(context.uow, member.id, context.now)
    return Reply("Welcome back: you can be asked again.", ephemeral=True)


async def ask_to_stop(context: Context) -> Reply:
    """Say what stopping does before it does it: pending asks move on, matches stay."""
    member = await context.member()
    await mentor_of(context, member)
    asking = await context.uow.mentoring.requests([RequestStatus.ASKING], mentor_id=member.id)
    active = await context.uow.mentoring.matches(member.id, active=True)
    mine = [m for m in active if m.mentor_id == member.id]
    asks = (
        f"the {len(asking)} request(s) waiting for your answer move on to other mentors now"
        if asking
        else "no request is waiting for your answer"
    )
    matches = (
        f"your {len(mine)} running match(es) stay yours until you end them (`/mentor end`)"
        if mine
        else "you have no running match"
    )
    return Reply(
        f"Stop mentoring? You'll no longer be asked; {asks}; {matches}. "
        "`/mentor offer` makes you a mentor again any time.",
        buttons=(Button("Stop mentoring", "mentor.stop", "", ButtonStyle.DANGER),),
        ephemeral=True,
    )


async def stop(context: Context) -> Reply:
    member = await context.member()
    mentoring = context.uow.mentoring
    await mentoring.hold_mentor(member.id)
    if await mentoring.mentor(member.id) is None:
        raise UserError("You're not mentoring now, so there's nothing to stop.")
    asking = [
        r
        for r in await mentoring.requests([RequestStatus.ASKING], mentor_id=member.id)
        if await mentoring.answer(r.id, member.id, RequestStatus.ASKING, context.now)
    ]
    await mentoring.remove_mentor(member.id)  # first: never a candidate for their own asks
    for request in asking:
        await pass_on(context.uow, request, Moved.STOPPED, context.now)
    moved = f" {len(asking)} request(s) moved on to other mentors." if asking else ""
    return Reply(
        f"You've stopped mentoring: nobody will ask you.{moved} Thank you for mentoring! "
        "`/mentor offer` brings you back.",
        ephemeral=True,
    )


async def inbox(context: Context) -> Reply:
    member = await context.member()
    asking = await context.uow.mentoring.requests([RequestStatus.ASKING], mentor_id=member.id)
    if not asking:
        return Reply("No request is waiting for you.", ephemeral=True)
    mentees = await context.uow.members.by_ids([r.mentee_id for r in asking])
    lines = [
        f"#{r.id} {name_of(mentees, r.mentee_id)} on {r.topic}, answer by "
        f"{their_time(r.deadline, member)}"
        + (f": “{r.note}”" if r.note else "")
        + (f" (goal: {r.goal})" if r.goal else "")
        for r in asking[:20]
    ]
    return Reply(
        "Waiting for your answer:\n" + "\n".join(lines),
        buttons=inbox_buttons(asking),
        ephemeral=True,
    )


async def accept(context: Context) -> Reply:
    member = await context.member()
    mentoring = context.uow.mentoring
    await mentoring.hold_mentor(member.id)  # then read: another accept may just have won
    request = await asked_of(context, member)
    mentor = await mentoring.mentor(member.id)
    if mentor is None or mentor.spare < 1:
        more = mentor.capacity + 1 if mentor else 1
        raise_it = f" or raise your capacity (`/mentor offer capacity:{more}`)"
        raise UserError(
            "You're at your capacity, so I can't add this one. End a match (`/mentor end`)"
            f"{raise_it if more <= MAX_CAPACITY else ''} first."
        )
    if not await mentoring.answer(request.id, member.id, RequestStatus.MATCHED, context.now):
        raise UserError("This request was answered already or has moved on.")
    await mentoring.count_missed(member.id, missed=False)  # an answer ends a silent streak
    match = await mentoring.add_match(request, member.id, context.now)
    cancelled = await mentoring.cancel_open(request.mentee_id, context.now)
    mentee = (await context.uow.members.by_ids([request.mentee_id]))[request.mentee_id]
    await open_match_space(context.uow, match, request, context.now)
    await record_checkin(context.uow, match, request, context.now)
    for other in cancelled:
        await tell_mentor_ask_left(context.uow, other, Moved.ELSEWHERE, context.now)
    await trim_asks(context.uow, member.id, context.now)  # the last place went: move the rest
    return Reply(
        f"You're matched with {mentee.display_name} on {request.topic}! I'm opening a "
        "private space for the two of you.",
        ephemeral=True,
    )


async def decline(context: Context) -> Reply:
    return await decline_ask(context, pause=False)


async def decline_and_pause(context: Context) -> Reply:
    return await decline_ask(context, pause=True)


async def decline_ask(context: Context, *, pause: bool) -> Reply:
    member = await context.member()
    request = await asked_of(context, member)
    if not await context.uow.mentoring.answer(
        request.id, member.id, RequestStatus.ASKING, context.now
    ):
        raise UserError("This request was answered already or has moved on.")
    await context.uow.mentoring.count_missed(member.id, missed=False)
    if pause:
        mentor = await context.uow.mentoring.mentor(member.id)
        if mentor is not None:
            await context.uow.mentoring.save_mentor(
                member.id, mentor.capacity, mentor.topics, True, None, context.now
            )
    fit = await pass_on(context.uow, request, Moved.DECLINED, context.now)
    then = (
        "I've asked another mentor."
        if fit
        else "No other mentor is available for it, so it waits on the waitlist."
    )
    paused = " You're paused now; `/mentor resume` when you're ready." if pause else ""
    return Reply(f"Declined. {then}{paused}", ephemeral=True)


async def mentor_of(context: Context, member: Member) -> Mentor:
    mentor = await context.uow.mentoring.mentor(member.id)
    if mentor is None:
        raise UserError(
            "You're not a mentor yet: e.g. `/mentor offer topics:python, sql capacity:2`."
        )
    return mentor


async def asked_of(context: Context, member: Member) -> MentorRequest:
    """The request this button is about, if it is `member`'s to answer now."""
    request = await context.uow.mentoring.request(context.action_number())
    if request is None:
        raise UserError(NOT_YOURS)
    if request.mentor_id != member.id or request.status is not RequestStatus.ASKING:
        raise UserError(await what_happened(context, member, request))
    return request


NOT_YOURS = (
    "This request isn't waiting for your answer: only the mentor being asked can answer, "
    "and only until it's answered or moves on."
)
WHAT_HAPPENED = {
    Moved.WITHDRAWN: "{mentee} withdrew this request.",
    Moved.DECLINED: "You declined this request, so it moved on.",
    Moved.TIMEOUT: "Your time to answer ran out, so this request moved on to another mentor.",
    Moved.ROUND: "A matching round gave this request to another mentor.",
    Moved.FULL: "Your places filled up, so I passed this request on to another mentor.",
    Moved.ELSEWHERE: "{mentee} was matched on another request, so this one closed.",
    Moved.STOPPED: "You stopped mentoring, so this request moved on.",
}


async def what_happened(context: Context, member: Member, request: MentorRequest) -> str:
    """Why a request isn't `member`'s to answer, said as plainly as their part in it allows:
    the mentor who had it hears what happened; anyone else only that it isn't theirs."""
    if request.status is RequestStatus.MATCHED and request.mentor_id == member.id:
        mine = await context.uow.mentoring.matches(member.id, active=False)
        match = next((m for m in mine if m.request_id == request.id), None)
        return f"You already accepted: match #{match.id}." if match else NOT_YOURS
    if request.moved_from != member.id or request.moved_why is None:
        return NOT_YOURS
    mentee = (await context.uow.members.by_ids([request.mentee_id])).get(request.mentee_id)
    name = mentee.display_name if mentee else "The member"
    return WHAT_HAPPENED[request.moved_why].format(mentee=name)


def date_in_their_zone(text: str | None, member: Member, now: datetime) -> datetime | None:
    """A YYYY-MM-DD in the member's timezone, as the UTC moment that day begins."""
    return None if text is None else day_begins(text, member.timezone or "UTC", now)
