"""Mentor matching: mentors offer topics and capacity, members request a mentor on a topic,
the best-fitting mentor is asked to accept or decline, and moderators can run a round
that assigns every open request at once, optimally (bot.matching).

A request's row is its state: `asking` one mentor until a deadline, `waiting` on the
waitlist, then `matched` or `cancelled`. Answers are conditional updates on that row,
so of two racing accepts exactly one wins. Messages go out after the state is committed;
the ask to a mentor is marked once sent and re-sent (with the same key) by the
`MentorRunner` until it is, so a crash loses no ask.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.common.tags import normalise_tag
from bot.common.timezones import local_time, utc_offset_hours, zone
from bot.kernel.catalog import Access, Catalog, Choice, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import (
    Button,
    ButtonStyle,
    Card,
    CardField,
    CommunityKey,
    Form,
    FormField,
    MessageRef,
    Reply,
)
from bot.kernel.moderators import tell_moderators
from bot.kernel.options import WEEKLY, weekly
from bot.kernel.ports import ChannelUnavailable, Chat, Clock, Store, UnitOfWork
from bot.mentoring.matching import Fit, MentorOffer, Person, Seeker, plan_round_off_loop, rank
from bot.mentoring.model import (
    OPEN,
    Feedback,
    Match,
    MatchingRound,
    Mentor,
    MentorRequest,
    RequestStatus,
    RoundPair,
    RoundSchedule,
)

log = logging.getLogger(__name__)

ANSWER_HOURS = 48
REPEAT_DAYS = 180
RECENT = timedelta(days=90)  # matches this recent count towards a mentor's load
MAX_CAPACITY = 10
UNSENT_AFTER = timedelta(minutes=1)  # an ask not marked sent by then is sent again
DELIVER_NOW = 25  # asks a published round sends before answering; the timer sends the rest
CHANNEL = "mentoring.channel"
ANSWER_SETTING = "mentoring.answer_hours"
REPEAT_SETTING = "mentoring.repeat_days"
INBOX = "mentoring.inbox."  # + member id: their private space with copbot
ROUND_SHOWN = 40  # pairs listed in a round's preview
ROUND_GRACE = timedelta(hours=6)  # a scheduled round later than this is skipped

_TOPIC = Option(
    "topic",
    "What you want to learn",
    OptionType.TEXT,
    required=True,
    max_length=40,
    autocomplete="topics",
)
MOD = Access.MODERATOR


def _number(name: str, description: str) -> Option:
    return Option(
        name, description, OptionType.INTEGER, required=True, min_value=1, max_value=2**31 - 1
    )


def register(catalog: Catalog) -> None:
    @catalog.source("topics")
    async def topics(context: Context, partial: str) -> list[Choice]:
        """Topics mentors offer (with how many), then other tags members use."""
        typed = partial.strip().casefold()
        offered = dict(await context.uow.mentoring.topics_offered(typed, 25))
        choices = [
            Choice(f"{t} ({n} mentor{'s' if n != 1 else ''})", t) for t, n in offered.items()
        ]
        for tag, _ in await context.uow.members.tags_in_use(typed, 25):
            if tag not in offered:
                choices.append(Choice(f"{tag} (no mentor yet)", tag))
        return choices[:25]

    @catalog.command(
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
    )
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
        await context.uow.mentoring.save_mentor(
            member.id, capacity, topics, paused, until, context.now
        )
        context.later(
            lambda: offer_waitlist(
                context.store, context.chat, context.clock, context.actor.community, member.id
            )
        )
        state = " You're paused: `/mentor resume` when you're ready." if paused else ""
        return Reply(
            f"Thanks for mentoring! Topics: {', '.join(topics)}; up to {capacity} mentee"
            f"{'s' if capacity != 1 else ''} at once.{state}",
            ephemeral=True,
        )

    @catalog.command(
        "mentor pause",
        "Take no new requests for a while",
        Option("until", "Resume on this date, YYYY-MM-DD (until you resume if left out)"),
    )
    async def pause(context: Context) -> Reply:
        member = await context.member()
        mentor = await _mentor(context, member)
        until = _date(context.options.get("until"), member, context.now)
        await context.uow.mentoring.save_mentor(
            member.id, mentor.capacity, mentor.topics, True, until, context.now
        )
        when = f" until {context.options['until']}" if until else " until you `/mentor resume`"
        return Reply(
            f"Paused{when}: nobody will be asked to match with you. Your current mentees "
            "stay yours.",
            ephemeral=True,
        )

    @catalog.command("mentor resume", "Take mentoring requests again")
    async def resume(context: Context) -> Reply:
        member = await context.member()
        mentor = await _mentor(context, member)
        await context.uow.mentoring.save_mentor(
            member.id, mentor.capacity, mentor.topics, False, None, context.now
        )
        context.later(
            lambda: offer_waitlist(
                context.store, context.chat, context.clock, context.actor.community, member.id
            )
        )
        return Reply("Welcome back: you can be asked again.", ephemeral=True)

    @catalog.command("mentor inbox", "Requests waiting for your answer")
    async def inbox(context: Context) -> Reply:
        member = await context.member()
        asking = await context.uow.mentoring.requests([RequestStatus.ASKING], mentor_id=member.id)
        if not asking:
            return Reply("No request is waiting for you.", ephemeral=True)
        mentees = await context.uow.members.by_ids([r.mentee_id for r in asking])
        first = asking[0]
        lines = [
            f"#{r.id} {_name(mentees, r.mentee_id)} on {r.topic}, answer by "
            f"{_when(r.deadline, member)}" + (f": “{r.note}”" if r.note else "")
            for r in asking[:20]
        ]
        return Reply(
            "Waiting for your answer (the buttons answer the first):\n" + "\n".join(lines),
            buttons=_answer_buttons(first.id),
            ephemeral=True,
        )

    @catalog.command(
        "mentor request",
        "Ask for a mentor on a topic",
        _TOPIC,
        Option("note", "A line about what you hope to learn", max_length=300),
        Option("mentor", "Ask this mentor first", OptionType.MEMBER),
    )
    async def request(context: Context) -> Reply:
        member = await context.member()
        topic = normalise_tag(context.options["topic"])
        mentoring = context.uow.mentoring
        if not await _topic_known(context, topic):
            raise UserError(
                f"Nobody here mentors or lists “{topic}” yet. `/mentor topics` shows what "
                "mentors offer; pick one of those, or add it to your profile's interests."
            )
        if any(r.topic == topic for r in await mentoring.requests(OPEN, mentee_id=member.id)):
            raise UserError(
                f"You already have a request on {topic} open. `/mentor requests` shows it."
            )
        wanted = await _wanted_mentor(context, member)
        channel = await _channel(context.uow, context.channel_id)
        made = await mentoring.add_request(
            member.id, topic, context.options.get("note", ""), channel, context.now
        )
        fits = await candidates(context.uow, made, context.now)
        if wanted is not None:
            chosen = [f for f in fits if f.mentor.person.member_id == wanted.id]
            if not chosen:
                raise UserError(
                    f"{wanted.display_name} can't take a request on {topic} now (not offering "
                    "it, paused or full). Leave `mentor:` out and I'll find someone."
                )
            fits = chosen
        return await _ask_first(context, made, fits)

    @catalog.command("mentor requests", "Your open mentoring requests")
    async def my_requests(context: Context) -> Reply:
        member = await context.member()
        mine = await context.uow.mentoring.requests(OPEN, mentee_id=member.id)
        if not mine:
            return Reply(
                "You have no open request. `/mentor request` asks for one.", ephemeral=True
            )
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
            buttons=tuple(
                Button(f"Withdraw #{r.id}", "mentor.withdraw", str(r.id)) for r in mine[:5]
            ),
            ephemeral=True,
        )

    @catalog.action("mentor.withdraw")
    async def withdraw(context: Context) -> Reply:
        member = await context.member()
        found = await context.uow.mentoring.request(context.action_number())
        if found is None or found.mentee_id != member.id:
            raise UserError("That isn't one of your requests.")
        if not await context.uow.mentoring.cancel(found.id, context.now):
            raise UserError("That request isn't open any more.")
        return Reply(f"Withdrew your request #{found.id} on {found.topic}.", ephemeral=True)

    @catalog.command("mentor topics", "Topics mentors here offer, with how many have room")
    async def topic_list(context: Context) -> Reply:
        mentors = await context.uow.mentoring.mentors(None, context.now)
        counts: dict[str, list[int]] = {}
        for mentor in mentors:
            for topic in mentor.topics:
                entry = counts.setdefault(topic, [0, 0])
                entry[0] += 1
                entry[1] += int(mentor.available(context.now) and mentor.spare > 0)
        if not counts:
            return Reply(
                "No mentors yet. Be the first: `/mentor offer topics:... capacity:2`.",
                ephemeral=True,
            )
        lines = [
            f"{topic}: {n} mentor{'s' if n != 1 else ''}, {free} with room"
            for topic, (n, free) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
        ]
        return Reply("Topics on offer:\n" + "\n".join(lines[:40]), ephemeral=True)

    @catalog.command(
        "mentor avoid",
        "Never match me with this member (confidential); list them if left out",
        Option("member", "Who", OptionType.MEMBER),
        Option("remove", "Take them off your list instead", OptionType.BOOLEAN),
    )
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
        await mentoring.avoid(member.id, other.id, keep=not remove)
        if remove:
            return Reply(f"{other.display_name} is off your don't-match list.", ephemeral=True)
        return Reply(
            f"You won't be matched with {other.display_name}, either way round. Nobody else "
            "is told.",
            ephemeral=True,
        )

    @catalog.action("mentor.accept")
    async def accept(context: Context) -> Reply:
        member = await context.member()
        mentoring = context.uow.mentoring
        await mentoring.hold_mentor(member.id)  # then read: another accept may just have won
        request = await _asked(context, member)
        mentor = await mentoring.mentor(member.id)
        if mentor is None or mentor.spare < 1:
            raise UserError(
                "You're at your capacity, so I can't add this one. End a match "
                "(`/mentor end`) or raise your capacity (`/mentor offer capacity:N`) first."
            )
        if not await mentoring.answer(request.id, member.id, RequestStatus.MATCHED, context.now):
            raise UserError("This request was answered already or has moved on.")
        match = await mentoring.add_match(request, member.id, context.now)
        cancelled = await mentoring.cancel_open(request.mentee_id, context.now)
        mentee = (await context.uow.members.by_ids([request.mentee_id]))[request.mentee_id]
        community, store, chat = context.actor.community, context.store, context.chat
        context.later(lambda: open_match_space(store, chat, community, match.id))
        if cancelled:
            log.info("accepting %s cancelled %d other request(s)", request.id, len(cancelled))
        return Reply(
            f"You're matched with {mentee.display_name} on {request.topic}! I'm opening a "
            "private space for the two of you.",
            ephemeral=True,
        )

    @catalog.action("mentor.decline")
    async def decline(context: Context) -> Reply:
        return await _decline(context, pause=False)

    @catalog.action("mentor.decline_pause")
    async def decline_and_pause(context: Context) -> Reply:
        return await _decline(context, pause=True)

    @catalog.command("mentor matches", "Your active mentoring matches")
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
                f"mentoring {_name(people, m.mentee_id)}"
                if m.mentor_id == member.id
                else f"mentored by {_name(people, m.mentor_id)}"
            )
            + f", since {local_time(m.started_at, member.timezone or 'UTC'):%d %b %Y}"
            for m in active
        ]
        return Reply(
            "Your active matches (end one with `/mentor end match:ID`):\n" + "\n".join(lines),
            ephemeral=True,
        )

    @catalog.command(
        "mentor end",
        "End a mentoring match",
        _number("match", "The match's number (see /mentor matches)"),
    )
    async def end(context: Context) -> Reply:
        member = await context.member()
        match = await _my_match(context, member, context.options["match"])
        if match.ended_at is not None:
            raise UserError(f"Match #{match.id} has ended already.")
        return Reply(
            f"End match #{match.id} on {match.topic}? You'll both be asked for feedback.",
            buttons=(Button("End match", "mentor.end", str(match.id), ButtonStyle.DANGER),),
            ephemeral=True,
        )

    @catalog.action("mentor.end")
    async def confirm_end(context: Context) -> Reply:
        member = await context.member()
        match = await _my_match(context, member, context.action_number())
        if not await context.uow.mentoring.end_match(match.id, context.now):
            raise UserError(f"Match #{match.id} has ended already.")
        community, store, chat, clock = (
            context.actor.community,
            context.store,
            context.chat,
            context.clock,
        )
        context.later(lambda: ask_feedback(store, chat, community, match, member.id))
        context.later(lambda: offer_waitlist(store, chat, clock, community, match.mentor_id))
        return Reply(
            f"Match #{match.id} has ended. Thank you both! How did it go?",
            form=feedback_form(match.id),
            ephemeral=True,
        )

    @catalog.action("mentor.feedback_open")
    async def open_feedback(context: Context) -> Reply:
        member = await context.member()
        match = await _my_match(context, member, context.action_number())
        return Reply(form=feedback_form(match.id), ephemeral=True)

    @catalog.action("mentor.feedback")
    async def feedback(context: Context) -> Reply:
        member = await context.member()
        match = await _my_match(context, member, context.action_number())
        if match.ended_at is None:
            raise UserError("Feedback opens once the match has ended.")
        met = _yes_no(str(context.options.get("met", "")))
        rating = _rating(str(context.options.get("rating", "")))
        given = Feedback(match.id, member.id, met, rating, context.now)
        if not await context.uow.mentoring.add_feedback(given):
            raise UserError("You've given feedback on this match already. Thanks!")
        return Reply("Thanks for the feedback!", ephemeral=True)

    @catalog.command(
        "mentor setup",
        "Mentoring settings: where private spaces open, answer time, repeat window",
        Option("channel", "Where private mentoring threads open", OptionType.CHANNEL),
        Option(
            "answer-hours",
            "Hours a mentor has to answer (default 48)",
            OptionType.INTEGER,
            min_value=1,
            max_value=24 * 14,
        ),
        Option(
            "repeat-days",
            "Days before a pair may match again (default 180)",
            OptionType.INTEGER,
            min_value=0,
            max_value=3650,
        ),
        access=MOD,
    )
    async def setup(context: Context) -> Reply:
        settings = context.uow.settings
        for option, key in (
            ("channel", CHANNEL),
            ("answer-hours", ANSWER_SETTING),
            ("repeat-days", REPEAT_SETTING),
        ):
            if option in context.options:
                if option == "channel" and not await context.chat.channel_exists(
                    context.actor.community, context.options[option]
                ):
                    raise UserError("I can't see that channel; check my permissions there.")
                await settings.put(key, context.options[option])
        channel = await settings.get(CHANNEL)
        answer = await _setting(context.uow, ANSWER_SETTING, ANSWER_HOURS)
        repeat = await _setting(context.uow, REPEAT_SETTING, REPEAT_DAYS)
        where = f"<#{channel}>" if isinstance(channel, str) else "the channel of each request"
        return Reply(
            f"Mentoring: private spaces open in {where}; mentors have {answer} h to answer; "
            f"a pair may match again after {repeat} days.",
            ephemeral=True,
        )

    @catalog.command("mentor stats", "Matches made and met, and how they were rated")
    async def stats(context: Context) -> Reply:
        made, met, rating = await context.uow.mentoring.stats()
        waiting = await context.uow.mentoring.requests([RequestStatus.WAITING])
        rated = f", rated {rating:.1f}/5 on average" if rating is not None else ""
        return Reply(
            f"{made} match{'es' if made != 1 else ''} made, {met} met{rated}; "
            f"{len(waiting)} request{'s' if len(waiting) != 1 else ''} on the waitlist.",
            ephemeral=True,
        )

    @catalog.home_section
    async def at_a_glance(context: Context) -> Reply | None:
        """Active matches, one's open requests, and requests waiting for one's answer."""
        member = await context.member()
        mentoring = context.uow.mentoring
        active = await mentoring.matches(member.id, active=True)
        mine = await mentoring.requests(OPEN, mentee_id=member.id)
        asking = await mentoring.requests([RequestStatus.ASKING], mentor_id=member.id)
        if not (active or mine or asking):
            return None
        people = await context.uow.members.by_ids(
            [m.mentee_id if m.mentor_id == member.id else m.mentor_id for m in active]
            + [r.mentee_id for r in asking]
        )
        fields = (
            [
                CardField(
                    f"Match #{m.id}: {m.topic}",
                    f"mentoring {_name(people, m.mentee_id)}"
                    if m.mentor_id == member.id
                    else f"mentored by {_name(people, m.mentor_id)}",
                )
                for m in active[:8]
            ]
            + [
                CardField(
                    f"Your request #{r.id}: {r.topic}",
                    "a mentor is deciding"
                    if r.status is RequestStatus.ASKING
                    else "on the waitlist",
                )
                for r in mine[:8]
            ]
            + [
                CardField(
                    f"Asked of you: #{r.id} {r.topic}",
                    f"{_name(people, r.mentee_id)}, answer by {_when(r.deadline, member)}",
                )
                for r in asking[:8]
            ]
        )
        buttons = _answer_buttons(asking[0].id) if asking else ()
        return Reply(cards=(Card("Mentoring", fields=tuple(fields)),), buttons=buttons)

    _register_rounds(catalog)

    async def export_personal(context: Context, member: Member) -> dict[str, object]:
        mentoring = context.uow.mentoring
        mentor = await mentoring.mentor(member.id)
        avoided = await context.uow.members.by_ids(await mentoring.avoided_by(member.id))
        everything = [*OPEN, RequestStatus.MATCHED, RequestStatus.CANCELLED]
        return {
            "mentor": None
            if mentor is None
            else {
                "topics": list(mentor.topics),
                "capacity": mentor.capacity,
                "paused": mentor.paused,
                "paused_until": mentor.paused_until.isoformat() if mentor.paused_until else None,
            },
            "dont_match_with": sorted(m.display_name for m in avoided.values()),
            "requests": [
                {
                    "topic": r.topic,
                    "note": r.note,
                    "status": r.status.value,
                    "created_at": r.created_at.isoformat(),
                }
                for r in await mentoring.requests(everything, mentee_id=member.id)
            ],
            "matches": [
                {
                    "id": m.id,
                    "topic": m.topic,
                    "role": "mentor" if m.mentor_id == member.id else "mentee",
                    "started_at": m.started_at.isoformat(),
                    "ended_at": m.ended_at.isoformat() if m.ended_at else None,
                }
                for m in await mentoring.matches(member.id, active=False)
            ],
            "feedback": [
                {"match": f.match_id, "met": f.met, "rating": f.rating}
                for f in await mentoring.feedback_by(member.id)
            ],
        }

    async def erase_personal(context: Context, member: Member) -> None:
        await context.uow.mentoring.forget(member.id, context.now)
        await context.uow.settings.put(f"{INBOX}{member.id}", None)

    catalog.keeps_personal_data("mentoring", export_personal, erase_personal)


def _register_rounds(catalog: Catalog) -> None:
    @catalog.command(
        "mentor round preview", "Propose mentors for every open request, optimally", access=MOD
    )
    async def preview(context: Context) -> Reply:
        # Read from a snapshot and solved before this command's unit of work starts, which
        # then only stores the proposal: a large round holds up no other command meanwhile.
        async with context.store.snapshot(context.actor.community) as snapshot:
            seekers, offers = await round_input(snapshot, context.now)
        plan = await plan_round_off_loop(seekers, offers)
        matching_round = await context.uow.mentoring.add_round(
            plan.pairs, plan.left_out, context.now
        )
        return await _show_round(context, matching_round.pairs, matching_round.left_out)

    @catalog.command(
        "mentor round drop",
        "Take a pair out of the proposed round",
        _number("pair", "The pair's number in the preview"),
        access=MOD,
    )
    async def drop(context: Context) -> Reply:
        current = await _preview(context)
        index = _pair_index(current.pairs, context.options["pair"])
        pairs = current.pairs[:index] + current.pairs[index + 1 :]
        await context.uow.mentoring.save_round(current.id, "preview", pairs, context.now)
        left_out = (*current.left_out, current.pairs[index].request_id)
        return await _show_round(context, pairs, left_out)

    @catalog.command(
        "mentor round swap",
        "Swap the mentors of two proposed pairs",
        _number("pair", "A pair's number in the preview"),
        _number("with", "The other pair's number"),
        access=MOD,
    )
    async def swap(context: Context) -> Reply:
        current = await _preview(context)
        a = _pair_index(current.pairs, context.options["pair"])
        b = _pair_index(current.pairs, context.options["with"])
        if a == b:
            raise UserError("Pick two different pairs to swap.")
        first, second = current.pairs[a], current.pairs[b]
        fits = []
        for pair, mentor_id in ((first, second.mentor_id), (second, first.mentor_id)):
            found = await context.uow.mentoring.request(pair.request_id)
            allowed = [] if found is None else await candidates(context.uow, found, context.now)
            fit = next((f for f in allowed if f.mentor.person.member_id == mentor_id), None)
            if fit is None:
                raise UserError(
                    f"Pair {context.options['pair']} and {context.options['with']} can't swap: "
                    "one mentor doesn't offer the other topic, or that pair may not match."
                )
            fits.append(RoundPair(pair.request_id, mentor_id, fit.score))
        pairs = list(current.pairs)
        pairs[a], pairs[b] = fits
        await context.uow.mentoring.save_round(current.id, "preview", pairs, context.now)
        return await _show_round(context, tuple(pairs), current.left_out)

    @catalog.command(
        "mentor round publish", "Send the proposed round's requests to the mentors", access=MOD
    )
    async def publish(context: Context) -> Reply:
        current = await _preview(context)
        sent = await publish_round(context.uow, current.pairs, current.left_out, context.now)
        await context.uow.mentoring.save_round(current.id, "published", current.pairs, context.now)
        for request_id in sent[:DELIVER_NOW]:
            context.later(_deliver(context, request_id))
        later = (
            f" The first {DELIVER_NOW} asks are out; the timer sends the rest within minutes."
            if len(sent) > DELIVER_NOW
            else ""
        )
        return Reply(
            f"Published: {len(sent)} mentor{'s' if len(sent) != 1 else ''} asked; "
            f"{len(current.pairs) - len(sent)} pair(s) had changed and were skipped.{later}",
            ephemeral=True,
        )

    @catalog.command("mentor round discard", "Throw the proposed round away", access=MOD)
    async def discard(context: Context) -> Reply:
        current = await _preview(context)
        await context.uow.mentoring.save_round(current.id, "discarded", current.pairs, context.now)
        return Reply("The proposed round is discarded; nothing was sent.", ephemeral=True)

    @catalog.command(
        "mentor round schedule",
        "Run and publish a round by itself every week",
        *WEEKLY,
        access=MOD,
    )
    async def schedule_rounds(context: Context) -> Reply:
        schedule = RoundSchedule(*weekly(context.options), last_due=context.now)
        await context.uow.mentoring.set_round_schedule(schedule)
        return Reply(
            f"Rounds now run by themselves {schedule.weekly.describe()}: each assigns every open "
            "request optimally and asks the mentors at once, and the moderators' channel "
            "hears how it went. `/mentor round unschedule` stops them.",
            ephemeral=True,
        )

    @catalog.command("mentor round unschedule", "Stop rounds running by themselves", access=MOD)
    async def unschedule_rounds(context: Context) -> Reply:
        if await context.uow.mentoring.round_schedule() is None:
            raise UserError("Rounds don't run by themselves here: there's nothing to stop.")
        await context.uow.mentoring.set_round_schedule(None)
        return Reply("Rounds no longer run by themselves.", ephemeral=True)


# Candidates and asking


async def candidates(uow: UnitOfWork, request: MentorRequest, now: datetime) -> list[Fit]:
    """Mentors who may be asked for this request, best first; never the mentee, a paused
    or full mentor, anyone on either side's don't-match list, a mentor who passed on this
    mentee and topic, nor a recent partner."""
    mentors = [
        m for m in await uow.mentoring.mentors(request.topic, now - RECENT) if m.available(now)
    ]
    people = await uow.members.by_ids([request.mentee_id, *(m.member_id for m in mentors)])
    excluded = await _exclusions(uow, now, request.id)
    seeker = _seeker(request, people[request.mentee_id], excluded, now)
    return rank(seeker, [_offer(m, people[m.member_id], now) for m in mentors])


async def _exclusions(
    uow: UnitOfWork, now: datetime, request_id: int | None = None
) -> dict[int, set[int]]:
    repeat = timedelta(days=await _setting(uow, REPEAT_SETTING, REPEAT_DAYS))
    return await uow.mentoring.exclusions(now - repeat, request_id)


def _seeker(
    request: MentorRequest, mentee: Member, excluded: dict[int, set[int]], now: datetime
) -> Seeker:
    """The request as matching sees it, with every mentor it must never go to."""
    never = frozenset(excluded.get(request.id, ()))
    return Seeker(request.id, _person(mentee, now), request.topic, request.left_out, never)


async def _ask_first(context: Context, request: MentorRequest, fits: list[Fit]) -> Reply:
    if not fits:
        await context.uow.mentoring.wait(request.id, context.now)
        context.later(_announce_waitlist(context, request))
        return Reply(
            f"No mentor for {request.topic} has room right now, so you're on the waitlist. "
            "I'll ask the first fitting mentor who gets room, and the moderators know.",
            ephemeral=True,
        )
    best = fits[0]
    await _ask(context.uow, request, best, context.now)
    context.later(_deliver(context, request.id))
    mentor = (await context.uow.members.by_ids([best.mentor.person.member_id]))[
        best.mentor.person.member_id
    ]
    hours = await _setting(context.uow, ANSWER_SETTING, ANSWER_HOURS)
    return Reply(
        f"I asked {mentor.display_name} ({best.reason(request.topic)}). They have {hours} h "
        "to answer; if they can't, I'll ask the next best mentor. Request "
        f"#{request.id}.",
        ephemeral=True,
    )


async def _ask(uow: UnitOfWork, request: MentorRequest, fit: Fit, now: datetime) -> None:
    await _ask_each(uow, [(request.id, fit.mentor.person.member_id)], now)


async def _ask_each(uow: UnitOfWork, asks: Sequence[tuple[int, int]], now: datetime) -> None:
    hours = await _setting(uow, ANSWER_SETTING, ANSWER_HOURS)
    await uow.mentoring.ask(asks, now, now + timedelta(hours=hours))


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


def _announce_waitlist(context: Context, request: MentorRequest) -> Callable[[], Awaitable[None]]:
    store, chat, community = context.store, context.chat, context.actor.community
    return lambda: announce_waitlist(store, chat, community, request)


async def pass_on(
    uow: UnitOfWork, request: MentorRequest, reason: str, now: datetime
) -> Fit | None:
    """The asked mentor declined or let the time run out: ask the next (returned), or put
    the request on the waitlist (None)."""
    assert request.mentor_id is not None
    await uow.mentoring.add_pass(request.mentee_id, request.mentor_id, request.topic, reason, now)
    fits = await candidates(uow, request, now)
    if fits:
        await _ask(uow, request, fits[0], now)
        return fits[0]
    await uow.mentoring.wait(request.id, now)
    return None


async def _decline(context: Context, *, pause: bool) -> Reply:
    member = await context.member()
    request = await _asked(context, member)
    if not await context.uow.mentoring.answer(
        request.id, member.id, RequestStatus.ASKING, context.now
    ):
        raise UserError("This request was answered already or has moved on.")
    if pause:
        mentor = await context.uow.mentoring.mentor(member.id)
        if mentor is not None:
            await context.uow.mentoring.save_mentor(
                member.id, mentor.capacity, mentor.topics, True, None, context.now
            )
    fit = await pass_on(context.uow, request, "declined", context.now)
    context.later(_tell_mentee_moved_on(context, request, fit))
    context.later(_deliver(context, request.id) if fit else _announce_waitlist(context, request))
    paused = " You're paused now; `/mentor resume` when you're ready." if pause else ""
    return Reply(f"Declined; I'll find someone else.{paused}", ephemeral=True)


async def publish_round(
    uow: UnitOfWork, pairs: Sequence[RoundPair], left_out: Sequence[int], now: datetime
) -> list[int]:
    """Ask each pair's mentor; pairs whose request closed or whose mentor can no longer
    take it since the preview are skipped. Returns the request ids asked.

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
    excluded = await _exclusions(uow, now)

    def recheck() -> tuple[list[int], list[tuple[int, int]]]:
        kept, asks = [], []
        for pair in wanted:
            request = requests[pair.request_id]
            if request.status is RequestStatus.ASKING and request.mentor_id == pair.mentor_id:
                kept.append(request.id)  # already with this mentor: the clock keeps running
                continue
            seeker = _seeker(request, people[request.mentee_id], excluded, now)
            mentor = mentors[pair.mentor_id]
            if rank(seeker, [_offer(mentor, people[mentor.member_id], now)]):
                asks.append((request.id, pair.mentor_id))
        return kept, asks

    kept, asks = await asyncio.to_thread(recheck)  # thousands of fits: the loop runs meanwhile
    await _ask_each(uow, asks, now)
    asked = kept + [request for request, _ in asks]
    await uow.mentoring.count_left_out(asked, left_out=False)
    await uow.mentoring.count_left_out(left_out, left_out=True)
    return asked


async def round_input(uow: UnitOfWork, now: datetime) -> tuple[list[Seeker], list[MentorOffer]]:
    """Every open request (asking and waitlisted) and every available mentor, as a round
    plans with them."""
    mentoring = uow.mentoring
    requests = await mentoring.requests(OPEN)
    mentors = [m for m in await mentoring.mentors(None, now - RECENT) if m.available(now)]
    people = await uow.members.by_ids(
        [r.mentee_id for r in requests] + [m.member_id for m in mentors]
    )
    excluded = await _exclusions(uow, now)

    def convert() -> tuple[list[Seeker], list[MentorOffer]]:
        seekers = [_seeker(r, people[r.mentee_id], excluded, now) for r in requests]
        return seekers, [_offer(m, people[m.member_id], now) for m in mentors]

    return await asyncio.to_thread(convert)  # thousands of objects: the loop runs meanwhile


async def _show_round(
    context: Context, pairs: Sequence[RoundPair], left_out: Sequence[int]
) -> Reply:
    if not pairs and not left_out:
        return Reply("No request is open: there's nothing to match.", ephemeral=True)
    shown = pairs[:ROUND_SHOWN]  # only these are read: a round may hold thousands
    requests = [await context.uow.mentoring.request(p.request_id) for p in shown]
    people = await context.uow.members.by_ids(
        [r.mentee_id for r in requests if r] + [p.mentor_id for p in shown]
    )
    lines = []
    for n, (pair, request) in enumerate(zip(shown, requests, strict=True), 1):
        mentee = _name(people, request.mentee_id) if request else "(closed)"
        topic = request.topic if request else "?"
        lines.append(
            f"{n}. {mentee} ← {_name(people, pair.mentor_id)} on {topic} (fit {pair.fit:.0f})"
        )
    if len(pairs) > len(shown):
        lines.append(f"… and {len(pairs) - len(shown)} more")
    total = sum(p.fit for p in pairs)
    listing = "\n".join(lines)
    return Reply(
        f"Proposed round: {len(pairs)} pair(s), total fit {total:.0f}; {len(left_out)} "
        f"request(s) left out (favoured next time).\n{listing}\n"
        "Edit with `/mentor round drop` or `/mentor round swap`; send with "
        "`/mentor round publish`.",
        ephemeral=True,
    )


# Messages sent after a command, and the background runner


def _deliver(context: Context, request_id: int) -> Callable[[], Awaitable[None]]:
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
        deadline = _when(request.deadline, mentor)
        ask = Reply(
            f"{mentee.display_name} would like you as their mentor on {request.topic}.{note}\n"
            f"Please answer by {deadline}; after that I'll ask someone else.",
            buttons=_answer_buttons(request.id),
        )
        space = await _inbox(uow, chat, mentor, request.channel_id)
        await uow.commit()
    key = f"ask-{request.id}-{request.mentor_id}-{int(request.asked_at.timestamp())}"
    await chat.post(community, space.channel_id, ask, thread_id=space.thread_id, key=key)
    async with store.unit_of_work(community) as uow:
        await uow.mentoring.mark_notified(request.id, request.mentor_id)
        await uow.commit()


def _tell_mentee_moved_on(
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
        space = await _inbox(uow, chat, mentee, request.channel_id)
        await uow.commit()
    await chat.post(community, space.channel_id, Reply(text), thread_id=space.thread_id)


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
        channel = await _channel(uow, request.channel_id)
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
        space = await _inbox(uow, chat, other, request.channel_id if request else "")
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
                await _ask(uow, request, fits[0], now)
                asked.append(request.id)
        await uow.commit()
    for request_id in asked:
        await deliver_ask(store, chat, community, request_id)


@dataclass
class MentorRunner:
    """The timer's mentoring work: pass on requests whose answer time is up, send asks
    that a crash left unsent, and run scheduled rounds. Every step is a conditional update,
    so two processes running it at once do each thing once."""

    store: Store
    chat: Chat
    clock: Clock

    async def run_due(self) -> int:
        """Returns how many requests moved on."""
        moved = 0
        for community in await self.store.communities_asking_mentors():
            moved += await self._expire(community)
            await self._resend(community)
        for community in await self.store.communities_with_round_schedules():
            await self._scheduled_round(community)
        return moved

    async def _expire(self, community: CommunityKey) -> int:
        now = self.clock.now()
        async with self.store.unit_of_work(community) as uow:
            expired = await uow.mentoring.expired(now)
        moved = 0
        for request in expired:
            assert request.mentor_id is not None
            async with self.store.unit_of_work(community) as uow:
                answered = await uow.mentoring.answer(
                    request.id, request.mentor_id, RequestStatus.ASKING, now
                )
                if not answered:
                    continue  # answered meanwhile, or another process took it
                fit = await pass_on(uow, request, "timeout", now)
                await uow.commit()
            moved += 1
            await self._after(community, request, fit)
        return moved

    async def _after(
        self, community: CommunityKey, request: MentorRequest, fit: Fit | None
    ) -> None:
        try:
            await tell_mentee_moved_on(self.store, self.chat, community, request, fit)
            if fit is not None:
                await deliver_ask(self.store, self.chat, community, request.id)
            else:
                await announce_waitlist(self.store, self.chat, community, request)
        except ChannelUnavailable:
            log.warning("couldn't tell about request %s in %s", request.id, community)

    async def _resend(self, community: CommunityKey) -> None:
        async with self.store.unit_of_work(community) as uow:
            unsent = await uow.mentoring.unnotified(self.clock.now() - UNSENT_AFTER)
        await self._send(community, [request.id for request in unsent])

    async def _send(self, community: CommunityKey, request_ids: Sequence[int]) -> None:
        for request_id in request_ids:
            try:
                await deliver_ask(self.store, self.chat, community, request_id)
            except ChannelUnavailable:  # still unsent: the next minute tries again
                log.warning("couldn't send request %s in %s", request_id, community)

    async def _scheduled_round(self, community: CommunityKey) -> None:
        """The community's scheduled round if it is due: planned from a snapshot, then
        published by whichever process claims it (a conditional update), once. One missed
        by more than `ROUND_GRACE` (copbot was down) is skipped, not run late."""
        now = self.clock.now()
        async with self.store.unit_of_work(community) as uow:
            schedule = await uow.mentoring.round_schedule()
            due = schedule.due(now) if schedule else None
            if due is not None and now - due > ROUND_GRACE:
                if await uow.mentoring.claim_round(due):
                    await uow.commit()
                    log.warning("skipped the round due %s in %s: too late", due, community)
                return
        if due is None:
            return
        async with self.store.snapshot(community) as snapshot:
            seekers, offers = await round_input(snapshot, now)
        plan = await plan_round_off_loop(seekers, offers)
        async with self.store.unit_of_work(community) as uow:
            if not await uow.mentoring.claim_round(due):
                return  # another process ran it
            asked = await publish_round(uow, plan.pairs, plan.left_out, now)
            await uow.commit()
        await self._send(community, asked)
        async with self.store.unit_of_work(community) as uow:
            await tell_moderators(
                uow,
                self.chat,
                Reply(
                    f"The weekly matching round asked {len(asked)} mentor(s); "
                    f"{len(plan.left_out)} request(s) were left out and come first next time."
                ),
            )


# Small helpers


async def _inbox(uow: UnitOfWork, chat: Chat, member: Member, channel_id: str) -> MessageRef:
    """The member's private space with copbot, opened once and kept."""
    key = f"{INBOX}{member.id}"
    known = await uow.settings.get(key)
    if isinstance(known, dict):
        return MessageRef(uow.community.platform, known["channel"], "", known.get("thread"))
    channel = await _channel(uow, channel_id)
    space = await chat.open_private_space(
        uow.community, channel, [member.user_id], f"Mentoring · {member.display_name}"[:100]
    )
    await uow.settings.put(key, {"channel": space.channel_id, "thread": space.thread_id})
    return space


async def _channel(uow: UnitOfWork, fallback: str) -> str:
    configured = await uow.settings.get(CHANNEL)
    return configured if isinstance(configured, str) else fallback


async def _setting(uow: UnitOfWork, key: str, default: int) -> int:
    value = await uow.settings.get(key)
    return value if isinstance(value, int) else default


async def _topic_known(context: Context, topic: str) -> bool:
    """Offered by a mentor, or at least in someone's profile (it may find a mentor later)."""
    in_use = [
        *await context.uow.mentoring.topics_offered(topic, 5),
        *await context.uow.members.tags_in_use(topic, 5),
    ]
    return any(tag == topic for tag, _ in in_use)


async def _wanted_mentor(context: Context, member: Member) -> Member | None:
    user_id = context.options.get("mentor")
    if user_id is None:
        return None
    if user_id == context.actor.user_id:
        raise UserError("You can't be your own mentor. Leave `mentor:` out and I'll find one.")
    wanted = await context.uow.members.by_user(user_id)
    if wanted is None or await context.uow.mentoring.mentor(wanted.id) is None:
        raise UserError("That member doesn't mentor here. `/mentor topics` shows who does.")
    return wanted


async def _mentor(context: Context, member: Member) -> Mentor:
    mentor = await context.uow.mentoring.mentor(member.id)
    if mentor is None:
        raise UserError("You're not a mentor yet: `/mentor offer topics:... capacity:2`.")
    return mentor


async def _asked(context: Context, member: Member) -> MentorRequest:
    """The request this button is about, if it is `member`'s to answer now."""
    request = await context.uow.mentoring.request(context.action_number())
    if (
        request is None
        or request.mentor_id != member.id
        or request.status is not RequestStatus.ASKING
    ):
        raise UserError(
            "This request isn't waiting for your answer: only the mentor being asked can "
            "answer, and only until it's answered or moves on."
        )
    return request


async def _my_match(context: Context, member: Member, match_id: int) -> Match:
    match = await context.uow.mentoring.match(match_id)
    if match is None or member.id not in (match.mentor_id, match.mentee_id):
        raise UserError(f"You have no match #{match_id}. `/mentor matches` lists yours.")
    return match


async def _preview(context: Context) -> MatchingRound:
    current = await context.uow.mentoring.preview()
    if current is None:
        raise UserError("There's no proposed round. `/mentor round preview` makes one.")
    return current


def _pair_index(pairs: Sequence[RoundPair], number: int) -> int:
    if not 1 <= number <= len(pairs):
        raise UserError(f"The proposed round has pairs 1 to {len(pairs)}.")
    return number - 1


def _answer_buttons(request_id: int) -> tuple[Button, ...]:
    value = str(request_id)
    return (
        Button("Accept", "mentor.accept", value, ButtonStyle.PRIMARY),
        Button("Decline", "mentor.decline", value),
        Button("Decline and pause me", "mentor.decline_pause", value),
    )


def feedback_form(match_id: int) -> Form:
    return Form(
        "Mentoring feedback",
        "mentor.feedback",
        "Send feedback",
        (
            FormField("met", "Did you meet? (yes or no)", required=True, max_length=3),
            FormField("rating", "How was it, 1 to 5? (optional)", max_length=1),
        ),
        str(match_id),
    )


def _yes_no(text: str) -> bool:
    answer = text.strip().casefold()
    if answer in ("yes", "y"):
        return True
    if answer in ("no", "n"):
        return False
    raise UserError("Please answer “Did you meet?” with yes or no.")


def _rating(text: str) -> int | None:
    if not text.strip():
        return None
    number = whole_number(text.strip(), 5)
    if number is None or number < 1:
        raise UserError("A rating is a number from 1 to 5.")
    return number


def _date(text: str | None, member: Member, now: datetime) -> datetime | None:
    """A YYYY-MM-DD in the member's timezone, as the UTC moment that day begins."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"“{text[:20]}” isn't a date like 2026-12-31.") from None
    midnight = datetime.combine(day, time(0), zone(member.timezone or "UTC"))
    moment = midnight.astimezone(now.tzinfo)
    if moment <= now:
        raise UserError("That date has passed; pick a future one.")
    return moment


def _when(moment: datetime | None, member: Member) -> str:
    if moment is None:
        return "soon"
    zone = member.timezone or "UTC"
    return f"{local_time(moment, zone):%a %d %b %H:%M} ({zone})"


def _name(people: dict[int, Member], member_id: int) -> str:
    found = people.get(member_id)
    return found.display_name if found else "someone"


def _person(member: Member, now: datetime) -> Person:
    offset = utc_offset_hours(now, member.timezone) if member.timezone else None
    return Person(member.id, offset, frozenset(member.languages))


def _offer(mentor: Mentor, member: Member, now: datetime) -> MentorOffer:
    return MentorOffer(
        _person(member, now),
        frozenset(mentor.topics),
        mentor.capacity,
        mentor.spare,
        mentor.recent,
    )
