"""`/thanks member [reason] [topic]` and "Thank the author" on a message: a short public
note, through the outbox, in the channel or the community's kudos channel. Thanks are
counted on the profile and kept for the digest; there are no points and no leaderboard."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.common.errors import UserError
from bot.community.model import NewThanks
from bot.community.settings import kudos_channel
from bot.kernel.catalog import Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import CardField, ChatMessage, Reply
from bot.kernel.ports import UnitOfWork
from bot.kernel.sends import Delivered, Post, Send

THANKS = "community.thanks"  # the sends of public notes
AGAIN_AFTER = timedelta(days=1)  # one member thanks another at most once in this time
MAX_REASON = 200
TOPIC = Option(
    "topic",
    "The topic they helped with",
    OptionType.TAGS,
    max_items=1,
    autocomplete="community-topics",
    max_length=40,
    in_order=False,
)


def register(catalog: Catalog) -> None:
    catalog.command(
        "thanks",
        "Thank a member, in public, for their help",
        Option("member", "Whom to thank", OptionType.MEMBER, required=True),
        Option("reason", "What for, in a few words", max_length=MAX_REASON),
        TOPIC,
    )(thank)
    catalog.message_action("Thank the author")(thank_author)
    catalog.delivery(THANKS, still_wanted=still_between_members, delivered=noted)
    catalog.profile_fact(times_thanked)


async def thank(context: Context) -> Reply:
    user_id = context.options["member"]
    if user_id == context.actor.user_id:
        raise UserError("You can't thank yourself, though it's good you're pleased.")
    thanked = await _member(context, user_id, None)
    topics = context.options.get("topic") or ()
    return await _record(context, thanked, topics[0] if topics else None, None)


async def thank_author(context: Context, message: ChatMessage) -> Reply:
    if message.author_id == context.actor.user_id:
        raise UserError("That's your own message: thanks are for someone else's help.")
    thanked = await _member(context, message.author_id, message.author_name)
    return await _record(context, thanked, None, message)


async def _member(context: Context, user_id: str, name: str | None) -> Member:
    """The thanked member, recorded if copbot hasn't met them yet. Without a name from the
    platform they are named by their mention until they first use copbot."""
    found = await context.uow.members.by_user(user_id)
    if found is not None:
        return found
    return await context.uow.members.add(user_id, name or f"<@{user_id}>", None, context.now)


async def _record(
    context: Context, thanked: Member, topic: str | None, message: ChatMessage | None
) -> Reply:
    giver = await context.member()
    directory = context.uow.directory
    last = await directory.last_thanked(giver.id, thanked.id)
    if last is not None and context.now - last < AGAIN_AFTER:
        raise UserError(
            f"You thanked {thanked.display_name} {_ago(last, context.now)} ago; thanks mean "
            "most when they aren't routine, so once a day is the limit. Try again tomorrow."
        )
    reason = context.options.get("reason", "")
    ref = message.ref if message else None
    thanks_id = await directory.thank(
        NewThanks(giver.id, thanked.id, topic, reason, context.channel_id, ref), context.now
    )
    configured = await kudos_channel(context.uow)
    channel = configured or context.channel_id
    note = Post(Reply(_note(giver, thanked, topic, reason, message)), channel_id=channel)
    await context.send(Send(THANKS, f"thanks-{thanks_id}", (note,), {"thanks": thanks_id}))
    where = f" in <#{channel}>" if configured and configured != context.channel_id else ""
    return Reply(f"Thanks to {thanked.display_name} is on its way{where}.", ephemeral=True)


def _note(
    giver: Member, thanked: Member, topic: str | None, reason: str, message: ChatMessage | None
) -> str:
    said = f"🙏 {giver.display_name} thanks <@{thanked.user_id}>"
    if topic:
        said += f" for their help with {topic}"
    if reason:
        said += f": “{reason}”"
    if message is not None:
        said += f"\nFor this message: {message.link}"
    return said


def _ago(then: datetime, now: datetime) -> str:
    hours = int((now - then).total_seconds() // 3600)
    if hours < 1:
        return "less than an hour"
    return f"{hours} hour{'s' * (hours != 1)}"


async def still_between_members(uow: UnitOfWork, send: Send) -> bool:
    """A note not yet posted when either side erased their data would name them: dropped."""
    return await uow.directory.between_members(send.args["thanks"])


async def noted(uow: UnitOfWork, send: Send, delivered: Delivered, now: datetime) -> None:
    """Keep where the note went, so the digest can link to it."""
    message = delivered.refs[0]
    assert message is not None
    await uow.directory.noted(send.args["thanks"], message)


async def times_thanked(context: Context, member: Member) -> CardField | None:
    count = await context.uow.directory.thanks_received(member.id)
    if not count:
        return None
    return CardField("Thanked", "once" if count == 1 else f"{count} times")
