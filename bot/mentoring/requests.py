"""The mentee's side: topics on offer, asking for a mentor, one's requests, and the
confidential don't-match list."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.common.tags import normalise_tag
from bot.kernel.catalog import Catalog, Choice, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.gaps import Missed
from bot.kernel.members import Member
from bot.kernel.messages import Button, Reply
from bot.mentoring.matching import Fit
from bot.mentoring.model import OPEN, MentorRequest, Moved, RequestStatus
from bot.mentoring.notices import announce_waitlist, tell_mentor_ask_left
from bot.mentoring.rules import ask, candidates
from bot.mentoring.settings import ANSWER_HOURS, ANSWER_SETTING, setting
from bot.mentoring.views import why

TOPICS_SHOWN = 40  # a message, not a catalogue: the most offered topics

TOPIC = Option(
    "topic",
    "What you want to learn",
    OptionType.TEXT,
    required=True,
    max_length=40,
    autocomplete="topics",
)


def register(catalog: Catalog) -> None:
    catalog.source("topics")(topic_choices)
    catalog.command(
        "mentor request",
        "Ask for a mentor on a topic",
        TOPIC,
        Option("note", "A line about what you hope to learn", max_length=300),
        Option("mentor", "Ask this mentor first", OptionType.MEMBER),
        Option(
            "goal",
            "What do you want to be able to do? (shown to your mentor)",
            max_length=200,
            in_order=False,  # `topic note mentor` in order read as they did before it
        ),
    )(request_mentor)
    catalog.command("mentor requests", "Your open mentoring requests", reads=True)(my_requests)
    catalog.action("mentor.withdraw")(withdraw)
    catalog.command(
        "mentor topics", "Topics mentors here offer, with how many have room", reads=True
    )(topic_list)
    catalog.command(
        "mentor avoid",
        "Never match me with this member (confidential); list them if left out",
        Option("member", "Who", OptionType.MEMBER),
        Option("remove", "Take them off your list instead", OptionType.BOOLEAN),
    )(avoid)


async def topic_choices(context: Context, partial: str) -> list[Choice]:
    """Topics mentors offer (with how many), then other tags members use."""
    typed = partial.strip().casefold()
    offered = dict(await context.uow.mentoring.topics_offered(typed, 25))
    choices = [Choice(f"{t} ({n} mentor{'s' if n != 1 else ''})", t) for t, n in offered.items()]
    for tag, _ in await context.uow.members.tags_in_use(typed, 25):
        if tag not in offered:
            choices.append(Choice(f"{tag} (no mentor yet)", tag))
    return choices[:25]


async def request_mentor(context: Context) -> Reply:
    member = await context.member()
    topic = normalise_tag(context.options["topic"])
    mentoring = context.uow.mentoring
    if not await topic_known(context, topic):
        await context.missed(Missed.MENTOR, topic)  # counted though refused
        raise UserError(
            f"Nobody here mentors or lists “{topic}” yet. `/mentor topics` shows what "
            "mentors offer; pick one of those, or add it to your profile's interests."
        )
    if any(r.topic == topic for r in await mentoring.requests(OPEN, mentee_id=member.id)):
        raise UserError(f"You already have a request on {topic} open. `/mentor requests` shows it.")
    wanted = await wanted_mentor(context, member)
    made = await mentoring.add_request(
        member.id,
        topic,
        context.options.get("note", ""),
        context.channel_id,
        context.now,
        goal=context.options.get("goal", "").strip(),
    )
    fits = await candidates(context.uow, made, context.now)
    if wanted is not None:
        chosen = [f for f in fits if f.mentor.person.member_id == wanted.id]
        if not chosen:
            raise UserError(
                f"{wanted.display_name} isn't available for a request on {topic} now. "
                "Leave `mentor:` out and I'll ask the best fitting mentor who is."
            )
        fits = chosen
    return await ask_first(context, made, fits)


async def my_requests(context: Context) -> Reply:
    member = await context.member()
    mine = await context.uow.mentoring.requests(OPEN, mentee_id=member.id)
    if not mine:
        return Reply("You have no open request. `/mentor request` asks for one.", ephemeral=True)
    lines = [
        f"#{r.id} {r.topic}: "
        + (
            "waiting for a mentor's answer"
            if r.status is RequestStatus.ASKING
            else "on the waitlist"
        )
        for r in mine
    ]
    return Reply(
        "Your open requests:\n" + "\n".join(lines),
        buttons=tuple(Button(f"Withdraw #{r.id}", "mentor.withdraw", str(r.id)) for r in mine[:5]),
        ephemeral=True,
    )


async def withdraw(context: Context) -> Reply:
    member = await context.member()
    found = await context.uow.mentoring.request(context.action_number())
    if found is None or found.mentee_id != member.id:
        raise UserError("That isn't one of your requests.")
    if not await context.uow.mentoring.cancel(found.id, context.now):
        raise UserError("That request isn't open any more.")
    if found.status is RequestStatus.ASKING:
        await tell_mentor_ask_left(context.uow, found, Moved.WITHDRAWN, context.now)
    return Reply(f"Withdrew your request #{found.id} on {found.topic}.", ephemeral=True)


async def topic_list(context: Context) -> Reply:
    offered = await context.uow.mentoring.topics_on_offer(context.now, TOPICS_SHOWN)
    if not offered:
        return Reply(
            "No mentors yet. Be the first: e.g. `/mentor offer topics:python, sql capacity:2`.",
            ephemeral=True,
        )
    lines = [
        f"{topic}: {n} mentor{'s' if n != 1 else ''}, {free} with room"
        for topic, n, free in offered
    ]
    return Reply("Topics on offer:\n" + "\n".join(lines), ephemeral=True)


async def avoid(context: Context) -> Reply:
    member = await context.member()
    mentoring = context.uow.mentoring
    user_id = context.options.get("member")
    if user_id is None:
        avoided = await context.uow.members.by_ids(await mentoring.avoided_by(member.id))
        if not avoided:
            return Reply("Your don't-match list is empty. Only you can see it.", ephemeral=True)
        names = ", ".join(sorted(m.display_name for m in avoided.values()))
        return Reply(f"You won't be matched with: {names}. Only you see this.", ephemeral=True)
    if user_id == context.actor.user_id:
        raise UserError("You can't be matched with yourself anyway.")
    other = await context.uow.members.by_user(user_id)
    if other is None:
        raise UserError("I don't know that member yet.")
    remove = bool(context.options.get("remove"))
    if remove and other.id not in await mentoring.avoided_by(member.id):
        raise UserError(f"{other.display_name} isn't on your don't-match list.")
    await mentoring.avoid(member.id, other.id, keep=not remove)
    if remove:
        return Reply(f"{other.display_name} is off your don't-match list.", ephemeral=True)
    return Reply(
        f"You won't be matched with {other.display_name}, either way round. Nobody else is told.",
        ephemeral=True,
    )


async def ask_first(context: Context, request: MentorRequest, fits: list[Fit]) -> Reply:
    if not fits:
        await context.missed(Missed.MENTOR, request.topic)
        await context.uow.mentoring.wait(request.id, context.now)
        await announce_waitlist(context.uow, request, context.now)
        return Reply(
            f"No mentor for {request.topic} is available right now, so you're on the "
            "waitlist. I'll ask the first fitting mentor who becomes available, and the "
            "moderators know.",
            ephemeral=True,
        )
    best = fits[0]
    await ask(context.uow, request, best, context.now)
    mentor = (await context.uow.members.by_ids([best.mentor.person.member_id]))[
        best.mentor.person.member_id
    ]
    hours = await setting(context.uow, ANSWER_SETTING, ANSWER_HOURS)
    then = (
        "I'll ask the next best mentor"
        if len(fits) > 1
        else "your request waits on the waitlist for the next mentor available"
    )
    return Reply(
        f"I asked {mentor.display_name} ({why(best, request.topic)}). They have {hours} h "
        f"to answer; if they can't, {then}. Request #{request.id}.",
        ephemeral=True,
    )


async def topic_known(context: Context, topic: str) -> bool:
    """Offered by a mentor, or at least in someone's profile (it may find a mentor later)."""
    in_use = [
        *await context.uow.mentoring.topics_offered(topic, 5),
        *await context.uow.members.tags_in_use(topic, 5),
    ]
    return any(tag == topic for tag, _ in in_use)


async def wanted_mentor(context: Context, member: Member) -> Member | None:
    user_id = context.options.get("mentor")
    if user_id is None:
        return None
    if user_id == context.actor.user_id:
        raise UserError("You can't be your own mentor. Leave `mentor:` out and I'll find one.")
    wanted = await context.uow.members.by_user(user_id)
    if wanted is None or await context.uow.mentoring.mentor(wanted.id) is None:
        raise UserError(
            "That member doesn't mentor here. Leave `mentor:` out and I'll ask the best "
            "fitting mentor; `/mentor topics` shows the topics on offer."
        )
    return wanted
