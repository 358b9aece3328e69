"""Matching rounds: every open request assigned at once, optimally, previewed and
edited by moderators before the asks go out; or run by themselves every week."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from bot.common.errors import UserError
from bot.kernel.catalog import Access, Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.options import WEEKLY, cadence, id_option
from bot.kernel.ports import UnitOfWork
from bot.mentoring.matching import MentorOffer, Seeker, rank
from bot.mentoring.model import (
    OPEN,
    MatchingRound,
    MentorRequest,
    RequestStatus,
    RoundPair,
    RoundSchedule,
)
from bot.mentoring.rules import RECENT, ask_each, candidates, exclusions, offer_of, seeker
from bot.mentoring.solver import plan_round_off_loop
from bot.mentoring.views import name_of

ROUND_SHOWN = 40  # pairs listed in a round's preview


def register(catalog: Catalog) -> None:
    catalog.command(
        "mentor round preview",
        "Propose mentors for every open request, optimally",
        access=Access.MODERATOR,
    )(preview_round)
    catalog.command(
        "mentor round drop",
        "Take a pair out of the proposed round",
        id_option("pair", "The pair's number in the preview"),
        access=Access.MODERATOR,
    )(drop_pair)
    catalog.command(
        "mentor round swap",
        "Swap the mentors of two proposed pairs",
        id_option("pair", "A pair's number in the preview"),
        id_option("with", "The other pair's number"),
        access=Access.MODERATOR,
    )(swap_pairs)
    catalog.command(
        "mentor round publish",
        "Send the proposed round's requests to the mentors",
        access=Access.MODERATOR,
    )(publish_preview)
    catalog.command(
        "mentor round discard", "Throw the proposed round away", access=Access.MODERATOR
    )(discard_round)
    catalog.command(
        "mentor round schedule",
        "Run and publish a round by itself every week",
        *WEEKLY,
        access=Access.MODERATOR,
    )(schedule_rounds)
    catalog.command(
        "mentor round unschedule", "Stop rounds running by themselves", access=Access.MODERATOR
    )(unschedule_rounds)


async def preview_round(context: Context) -> Reply:
    # Read from a snapshot and solved before this command's unit of work starts, which
    # then only stores the proposal: a large round holds up no other command meanwhile.
    async with context.store.snapshot(context.actor.community) as snapshot:
        seekers, offers = await round_input(snapshot, context.now)
    plan = await plan_round_off_loop(seekers, offers)
    matching_round = await context.uow.mentoring.add_round(plan.pairs, plan.left_out, context.now)
    return await show_round(context, matching_round.pairs, matching_round.left_out)


async def drop_pair(context: Context) -> Reply:
    current = await current_preview(context)
    index = pair_index(current.pairs, context.options["pair"])
    pairs = current.pairs[:index] + current.pairs[index + 1 :]
    await context.uow.mentoring.save_round(current.id, "preview", pairs, context.now)
    left_out = (*current.left_out, current.pairs[index].request_id)
    return await show_round(context, pairs, left_out)


async def swap_pairs(context: Context) -> Reply:
    current = await current_preview(context)
    a = pair_index(current.pairs, context.options["pair"])
    b = pair_index(current.pairs, context.options["with"])
    if a == b:
        raise UserError("Pick two different pairs to swap.")
    first, second = current.pairs[a], current.pairs[b]
    fits = []
    for pair, mentor_id in ((first, second.mentor_id), (second, first.mentor_id)):
        found = await context.uow.mentoring.request(pair.request_id)
        allowed = (
            []
            if found is None
            else await candidates(context.uow, found, context.now, counting_asks=False)
        )
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
    return await show_round(context, tuple(pairs), current.left_out)


async def publish_preview(context: Context) -> Reply:
    current = await current_preview(context)
    sent = await publish_round(context.uow, current.pairs, current.left_out, context.now)
    await context.uow.mentoring.save_round(current.id, "published", current.pairs, context.now)
    return Reply(
        f"Published: {len(sent)} mentor{'s' if len(sent) != 1 else ''} asked; "
        f"{len(current.pairs) - len(sent)} pair(s) had changed and were skipped.",
        ephemeral=True,
    )


async def discard_round(context: Context) -> Reply:
    current = await current_preview(context)
    await context.uow.mentoring.save_round(current.id, "discarded", current.pairs, context.now)
    return Reply("The proposed round is discarded; nothing was sent.", ephemeral=True)


async def schedule_rounds(context: Context) -> Reply:
    schedule = RoundSchedule(cadence(context.options, context.now), last_due=context.now)
    await context.uow.mentoring.set_round_schedule(schedule)
    return Reply(
        f"Rounds now run by themselves {schedule.cadence.describe()}: each assigns every open "
        "request optimally and asks the mentors at once, and the moderators' channel "
        "hears how it went. `/mentor round unschedule` stops them.",
        ephemeral=True,
    )


async def unschedule_rounds(context: Context) -> Reply:
    if await context.uow.mentoring.round_schedule() is None:
        raise UserError("Rounds don't run by themselves here: there's nothing to stop.")
    await context.uow.mentoring.set_round_schedule(None)
    return Reply("Rounds no longer run by themselves.", ephemeral=True)


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
    excluded = await exclusions(uow, now)

    def recheck() -> tuple[list[int], list[tuple[MentorRequest, int]]]:
        kept, asks = [], []
        for pair in wanted:
            request = requests[pair.request_id]
            if request.status is RequestStatus.ASKING and request.mentor_id == pair.mentor_id:
                kept.append(request.id)  # already with this mentor: the clock keeps running
                continue
            looking = seeker(request, people[request.mentee_id], excluded, now)
            mentor = mentors[pair.mentor_id]
            if rank(looking, [offer_of(mentor, people[mentor.member_id], now)]):
                asks.append((request, pair.mentor_id))
        return kept, asks

    kept, asks = await asyncio.to_thread(recheck)  # thousands of fits: the loop runs meanwhile
    await ask_each(uow, asks, now)
    asked = kept + [request.id for request, _ in asks]
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
    excluded = await exclusions(uow, now)

    def convert() -> tuple[list[Seeker], list[MentorOffer]]:
        seekers = [seeker(r, people[r.mentee_id], excluded, now) for r in requests]
        return seekers, [offer_of(m, people[m.member_id], now) for m in mentors]

    return await asyncio.to_thread(convert)  # thousands of objects: the loop runs meanwhile


async def show_round(
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
        mentee = name_of(people, request.mentee_id) if request else "(closed)"
        topic = request.topic if request else "?"
        lines.append(
            f"{n}. {mentee} ← {name_of(people, pair.mentor_id)} on {topic} (fit {pair.fit:.0f})"
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


async def current_preview(context: Context) -> MatchingRound:
    current = await context.uow.mentoring.preview()
    if current is None:
        raise UserError("There's no proposed round. `/mentor round preview` makes one.")
    return current


def pair_index(pairs: Sequence[RoundPair], number: int) -> int:
    if not 1 <= number <= len(pairs):
        raise UserError(f"The proposed round has pairs 1 to {len(pairs)}.")
    return number - 1
