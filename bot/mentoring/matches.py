"""Matches: one's active matches, ending one, feedback, and the community's figures."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.common.timezones import local_time
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import Button, ButtonStyle, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.options import id_option
from bot.mentoring.model import Feedback, Match, RequestStatus
from bot.mentoring.notices import ask_feedback
from bot.mentoring.rules import offer_waitlist
from bot.mentoring.views import MAX_CHANGED, feedback_form, name_of


def register(catalog: Catalog) -> None:
    catalog.command("mentor matches", "Your active mentoring matches")(my_matches)
    catalog.command(
        "mentor end",
        "End a mentoring match",
        id_option("match", "The match's number (see /mentor matches)"),
    )(ask_to_end)
    catalog.action("mentor.end")(confirm_end)
    catalog.action("mentor.feedback_open")(open_feedback)
    catalog.action("mentor.feedback")(save_feedback)
    catalog.action("mentor.checkin_well")(going_well)
    catalog.action("mentor.checkin_help")(could_use_a_hand)
    catalog.command("mentor stats", "Matches made and met, and how they were rated")(stats)
    catalog.erasing(end_matches_of_erased)


async def end_matches_of_erased(context: Context, member: Member) -> None:
    """A member erasing their data ends their active matches: the other side hears why and
    is asked for feedback, and a mentor left with room is offered the waitlist."""
    for match in await context.uow.mentoring.matches(member.id, active=True):
        if await context.uow.mentoring.end_match(match.id, context.now):
            await ask_feedback(context.uow, match, member.id, context.now, erased=True)
            if match.mentee_id == member.id:
                await offer_waitlist(context.uow, match.mentor_id, context.now)


async def my_matches(context: Context) -> Reply:
    member = await context.member()
    active = await context.uow.mentoring.matches(member.id, active=True)
    if not active:
        return Reply("You have no active match.", ephemeral=True)
    people = await context.uow.members.by_ids(
        [m.mentee_id if m.mentor_id == member.id else m.mentor_id for m in active]
    )
    lines = [
        f"#{m.id} {m.topic}: "
        + (
            f"mentoring {name_of(people, m.mentee_id)}"
            if m.mentor_id == member.id
            else f"mentored by {name_of(people, m.mentor_id)}"
        )
        + f", since {local_time(m.started_at, member.timezone or 'UTC'):%d %b %Y}"
        for m in active
    ]
    return Reply(
        f"Your active matches (end one with `/mentor end match:{active[0].id}`):\n"
        + "\n".join(lines),
        ephemeral=True,
    )


async def ask_to_end(context: Context) -> Reply:
    member = await context.member()
    match = await match_of(context, member, context.options["match"])
    if match.ended_at is not None:
        raise UserError(f"Match #{match.id} has ended already.")
    return Reply(
        f"End match #{match.id} on {match.topic}? You'll both be asked for feedback.",
        buttons=(Button("End match", "mentor.end", str(match.id), ButtonStyle.DANGER),),
        ephemeral=True,
    )


async def confirm_end(context: Context) -> Reply:
    member = await context.member()
    match = await match_of(context, member, context.action_number())
    if not await context.uow.mentoring.end_match(match.id, context.now):
        raise UserError(f"Match #{match.id} has ended already.")
    await ask_feedback(context.uow, match, member.id, context.now)
    await offer_waitlist(context.uow, match.mentor_id, context.now)
    return Reply(
        f"Match #{match.id} has ended. Thank you both! How did it go?",
        form=feedback_form(match.id),
        ephemeral=True,
    )


async def open_feedback(context: Context) -> Reply:
    member = await context.member()
    match = await match_of(context, member, context.action_number())
    return Reply(form=feedback_form(match.id), ephemeral=True)


async def save_feedback(context: Context) -> Reply:
    member = await context.member()
    match = await match_of(context, member, context.action_number())
    if match.ended_at is None:
        raise UserError("Feedback opens once the match has ended.")
    met = yes_or_no(str(context.options.get("met", "")))
    rating = rating_of(str(context.options.get("rating", "")))
    changed = str(context.options.get("changed", "")).strip()
    if len(changed) > MAX_CHANGED:
        raise UserError(f"“What changed for you?” takes up to {MAX_CHANGED} characters.")
    named = yes_or_no(str(context.options.get("named") or "no"), "May moderators see your name")
    given = Feedback(match.id, member.id, met, rating, context.now, changed, named)
    if not await context.uow.mentoring.add_feedback(given):
        raise UserError("You've given feedback on this match already. Thanks!")
    return Reply("Thanks for the feedback!", ephemeral=True)


async def going_well(context: Context) -> Reply:
    match = await running_match(context)
    await context.uow.mentoring.touch_match(match.id, context.now)
    return Reply(f"Glad to hear it! Match #{match.id} keeps going.", ephemeral=True)


async def could_use_a_hand(context: Context) -> Reply:
    member = await context.member()
    match = await running_match(context)
    await context.uow.mentoring.touch_match(match.id, context.now)
    told = Reply(
        f"Mentoring match #{match.id} on {match.topic} could use a hand: "
        f"{member.display_name} said so at its check-in."
    )
    await tell_moderators(context.uow, f"checkin-help-{match.id}-{member.id}", told, context.now)
    return Reply(
        "Thanks for saying so: the moderators know and can help. The match keeps going; "
        f"`/mentor end match:{match.id}` closes it if you're done.",
        ephemeral=True,
    )


async def running_match(context: Context) -> Match:
    """The check-in's match, if the actor is in it and it still runs."""
    member = await context.member()
    match = await match_of(context, member, context.action_number())
    if match.ended_at is not None:
        raise UserError(f"Match #{match.id} has ended already.")
    return match


async def stats(context: Context) -> Reply:
    made, met, rating = await context.uow.mentoring.stats()
    waiting = await context.uow.mentoring.requests([RequestStatus.WAITING])
    rated = f", rated {rating:.1f}/5 on average" if rating is not None else ""
    return Reply(
        f"{made} match{'es' if made != 1 else ''} made, {met} met{rated}; "
        f"{len(waiting)} request{'s' if len(waiting) != 1 else ''} on the waitlist.",
        ephemeral=True,
    )


async def match_of(context: Context, member: Member, match_id: int) -> Match:
    match = await context.uow.mentoring.match(match_id)
    if match is None or member.id not in (match.mentor_id, match.mentee_id):
        raise UserError(f"You have no match #{match_id}. `/mentor matches` lists yours.")
    return match


def yes_or_no(text: str, question: str = "Did you meet?") -> bool:
    answer = text.strip().casefold()
    if answer in ("yes", "y"):
        return True
    if answer in ("no", "n"):
        return False
    raise UserError(f"Please answer “{question}” with yes or no.")


def rating_of(text: str) -> int | None:
    if not text.strip():
        return None
    number = whole_number(text.strip(), 5)
    if number is None or number < 1:
        raise UserError("A rating is a number from 1 to 5.")
    return number
