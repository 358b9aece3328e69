"""What mentoring sends once a change has committed: asks, the mentee's news,
match spaces, feedback requests, the waitlist; each in units of work of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import Button, CommunityKey, MessageRef, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.ports import Chat, Clock, Store, UnitOfWork
from bot.mentoring.matching import Fit
from bot.mentoring.model import Match, MentorRequest, RequestStatus
from bot.mentoring.rules import ask, candidates
from bot.mentoring.settings import space_channel
from bot.mentoring.views import answer_buttons, their_time


def deliver_later(context: Context, request_id: int) -> Callable[[], Awaitable[None]]:
    store, chat, community = context.store, context.chat, context.actor.community
    return lambda: deliver_ask(store, chat, community, request_id)


async def deliver_ask(store: Store, chat: Chat, community: CommunityKey, request_id: int) -> None:
    """Send the asked mentor the request with its buttons, once (keyed by the ask)."""
    async with store.unit_of_work(community) as uow:
        request = await uow.mentoring.request(request_id)
        if request is None or request.status is not RequestStatus.ASKING or request.notified:
            return
        assert request.mentor_id is not None and request.asked_at is not None
        people = await uow.members.by_ids([request.mentee_id, request.mentor_id])
        mentee, mentor = people[request.mentee_id], people[request.mentor_id]
        note = f"\n“{request.note}”" if request.note else ""
        deadline = their_time(request.deadline, mentor)
        message = Reply(
            f"{mentee.display_name} would like you as their mentor on {request.topic}.{note}\n"
            f"Please answer by {deadline}; after that I'll ask someone else.",
            buttons=answer_buttons(request.id),
        )
        space = await inbox_of(uow, chat, mentor, request.channel_id)
        await uow.commit()
    key = f"ask-{request.id}-{request.mentor_id}-{int(request.asked_at.timestamp())}"
    await chat.post(community, space.channel_id, message, thread_id=space.thread_id, key=key)
    async with store.unit_of_work(community) as uow:
        await uow.mentoring.mark_notified(request.id, request.mentor_id)
        await uow.commit()


def tell_mentee_later(
    context: Context, request: MentorRequest, fit: Fit | None
) -> Callable[[], Awaitable[None]]:
    store, chat, community = context.store, context.chat, context.actor.community
    return lambda: tell_mentee_moved_on(store, chat, community, request, fit)


async def tell_mentee_moved_on(
    store: Store, chat: Chat, community: CommunityKey, request: MentorRequest, fit: Fit | None
) -> None:
    async with store.unit_of_work(community) as uow:
        ids = [request.mentee_id] + ([fit.mentor.person.member_id] if fit else [])
        people = await uow.members.by_ids(ids)
        mentee = people[request.mentee_id]
        if fit is None:
            text = (
                f"The mentor I asked about {request.topic} couldn't take it, and nobody else "
                "fitting has room: you're on the waitlist, and I'll ask as soon as someone does."
            )
        else:
            mentor = people[fit.mentor.person.member_id]
            text = (
                f"The mentor I asked about {request.topic} couldn't take it, so I asked "
                f"{mentor.display_name} ({fit.reason(request.topic)})."
            )
        space = await inbox_of(uow, chat, mentee, request.channel_id)
        await uow.commit()
    await chat.post(community, space.channel_id, Reply(text), thread_id=space.thread_id)


def announce_waitlist_later(
    context: Context, request: MentorRequest
) -> Callable[[], Awaitable[None]]:
    store, chat, community = context.store, context.chat, context.actor.community
    return lambda: announce_waitlist(store, chat, community, request)


async def announce_waitlist(
    store: Store, chat: Chat, community: CommunityKey, request: MentorRequest
) -> None:
    """Tell the moderators, once the request is on the waitlist (committed)."""
    async with store.unit_of_work(community) as uow:
        mentee = (await uow.members.by_ids([request.mentee_id]))[request.mentee_id]
        await tell_moderators(
            uow,
            chat,
            Reply(
                f"Mentoring waitlist: {mentee.display_name} is waiting for a mentor on "
                f"{request.topic} (request #{request.id}). More mentors for it would help."
            ),
        )


async def open_match_space(
    store: Store, chat: Chat, community: CommunityKey, match_id: int
) -> None:
    """A private space for mentor and mentee, announced there to both."""
    async with store.unit_of_work(community) as uow:
        match = await uow.mentoring.match(match_id)
        request = await uow.mentoring.request(match.request_id) if match else None
        if match is None or request is None or match.channel_id is not None:
            return
        people = await uow.members.by_ids([match.mentor_id, match.mentee_id])
        mentor, mentee = people[match.mentor_id], people[match.mentee_id]
        channel = await space_channel(uow, request.channel_id)
    space = await chat.open_private_space(
        community,
        channel,
        [mentor.user_id, mentee.user_id],
        f"Mentoring: {mentee.display_name} & {mentor.display_name} ({match.topic})"[:100],
    )
    note = f"\n{mentee.display_name} wrote: “{request.note}”" if request.note else ""
    welcome = Reply(
        f"{mentor.display_name} is mentoring {mentee.display_name} on {match.topic} "
        f"(match #{match.id}). This space is yours: say hello and find a time to meet!{note}\n"
        "When you're done, `/mentor end match:" + f"{match.id}` closes it."
    )
    await chat.post(
        community, space.channel_id, welcome, thread_id=space.thread_id, key=f"match-{match.id}"
    )
    async with store.unit_of_work(community) as uow:
        await uow.mentoring.set_space(match.id, space)
        await uow.commit()


async def ask_feedback(
    store: Store, chat: Chat, community: CommunityKey, match: Match, ended_by: int
) -> None:
    """Ask the other side too (the one who ended it got the form in their reply)."""
    other_id = match.mentee_id if ended_by == match.mentor_id else match.mentor_id
    async with store.unit_of_work(community) as uow:
        other = (await uow.members.by_ids([other_id]))[other_id]
        request = await uow.mentoring.request(match.request_id)
        space = await inbox_of(uow, chat, other, request.channel_id if request else "")
        await uow.commit()
    reply = Reply(
        f"Your mentoring match #{match.id} on {match.topic} has ended. Did you meet, and how "
        "was it?",
        buttons=(Button("Give feedback", "mentor.feedback_open", str(match.id)),),
    )
    await chat.post(community, space.channel_id, reply, thread_id=space.thread_id)


async def offer_waitlist(
    store: Store, chat: Chat, clock: Clock, community: CommunityKey, mentor_id: int
) -> None:
    """A mentor got room (offered, resumed, a match ended): ask them, or the best fitting
    mentor, for the oldest waiting requests on their topics, as many as they have room."""
    now = clock.now()
    async with store.unit_of_work(community) as uow:
        mentor = await uow.mentoring.mentor(mentor_id)
        if mentor is None or not mentor.available(now) or mentor.spare < 1:
            return
        waiting = await uow.mentoring.requests([RequestStatus.WAITING], topics=mentor.topics)
        asked: list[int] = []
        for request in waiting:
            if len(asked) >= mentor.spare:
                break
            fits = await candidates(uow, request, now)
            if fits:
                await ask(uow, request, fits[0], now)
                asked.append(request.id)
        await uow.commit()
    for request_id in asked:
        await deliver_ask(store, chat, community, request_id)


async def inbox_of(uow: UnitOfWork, chat: Chat, member: Member, channel_id: str) -> MessageRef:
    """The member's private space with copbot, opened once and kept."""
    known = await uow.mentoring.inbox(member.id)
    if known is not None:
        return known
    channel = await space_channel(uow, channel_id)
    space = await chat.open_private_space(
        uow.community, channel, [member.user_id], f"Mentoring · {member.display_name}"[:100]
    )
    await uow.mentoring.set_inbox(member.id, space)
    return space
