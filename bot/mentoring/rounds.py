"""Matching rounds: every open request assigned at once, optimally, previewed and
edited by moderators before the asks go out; or run by themselves every week."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.common.collector import round_work
from bot.common.errors import UserError
from bot.common.offload import off_loop
from bot.kernel.catalog import Access, Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.options import WEEKLY, cadence, id_option
from bot.kernel.ports import UnitOfWork
from bot.mentoring.matching import MentorOffer, Seeker, rank
from bot.mentoring.model import MatchingRound, RoundEdits, RoundPair, RoundSchedule
from bot.mentoring.publishing import publish_round
from bot.mentoring.rules import RECENT, candidates, exclusions, offering, person_at, seeking
from bot.mentoring.solver import plan_round_off_loop
from bot.mentoring.views import name_of

ROUND_SHOWN = 40  # pairs listed in a round's preview
LEFT_OUT_SHOWN = 20  # requests named as left out


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


@round_work
async def preview_round(context: Context) -> Reply:
    """A fresh plan, keeping what moderators changed in the one it replaces (they'd expect a
    drop or a swap to stay when new requests come in); discard first to start afresh."""
    # Read from a snapshot and solved before this command's unit of work starts, which
    # then only stores the proposal: a large round holds up no other command meanwhile.
    async with context.store.snapshot(context.actor.community) as snapshot:
        earlier = await snapshot.mentoring.preview_edits()
        seekers, offers = await round_input(snapshot, context.now)
    seekers, offers, edits = with_edits(seekers, offers, earlier)
    plan = await plan_round_off_loop(seekers, offers)
    pairs, left_out = (*edits.pinned, *plan.pairs), (*plan.left_out, *edits.dropped)
    await context.uow.mentoring.add_round(pairs, left_out, context.now, edits)
    shown = await show_round(context, pairs, left_out)
    if not edits:
        return shown
    kept = (
        f"\nYour edits are kept: {len(edits.dropped)} request(s) you dropped stay out, "
        f"{len(edits.pinned)} swapped pair(s) stay. To start afresh, `/mentor round discard` "
        "and preview again."
    )
    return replace(shown, text=shown.text + kept)


def with_edits(
    seekers: list[Seeker], offers: list[MentorOffer], edits: RoundEdits | None
) -> tuple[list[Seeker], list[MentorOffer], RoundEdits]:
    """The round's input without the requests moderators dropped or paired by hand (each
    pinned pair taking its mentor's place), and the edits that still apply: a pinned
    request that closed, or a mentor who can no longer take it, lets the pin go."""
    if not edits:
        return seekers, offers, RoundEdits()
    by_request = {s.request_id: s for s in seekers}
    by_mentor = {o.person.member_id: o for o in offers}
    pinned = []
    for pair in edits.pinned:
        looking, offer = by_request.get(pair.request_id), by_mentor.get(pair.mentor_id)
        if looking and offer and offer.spare > 0 and rank(looking, [offer]):
            pinned.append(pair)
            by_mentor[pair.mentor_id] = replace(offer, spare=offer.spare - 1)
            del by_request[pair.request_id]
    dropped = tuple(r for r in edits.dropped if by_request.pop(r, None))
    return list(by_request.values()), list(by_mentor.values()), RoundEdits(dropped, tuple(pinned))


async def drop_pair(context: Context) -> Reply:
    current = await current_preview(context)
    index = pair_index(current.pairs, context.options["pair"])
    dropped = current.pairs[index].request_id
    edits = RoundEdits(
        (*current.edits.dropped, dropped),
        tuple(p for p in current.edits.pinned if p.request_id != dropped),
    )
    edited = replace(
        current,
        pairs=current.pairs[:index] + current.pairs[index + 1 :],
        left_out=(*current.left_out, dropped),
        edits=edits,
    )
    await context.uow.mentoring.save_round(edited, context.now)
    return await show_round(context, edited.pairs, edited.left_out)


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
    swapped = {first.request_id, second.request_id}
    pins = (*(p for p in current.edits.pinned if p.request_id not in swapped), *fits)
    edited = replace(current, pairs=tuple(pairs), edits=replace(current.edits, pinned=pins))
    await context.uow.mentoring.save_round(edited, context.now)
    return await show_round(context, edited.pairs, edited.left_out)


@round_work
async def publish_preview(context: Context) -> Reply:
    current = await current_preview(context)
    published = await publish_round(context.uow, current.pairs, current.left_out, context.now)
    await context.uow.mentoring.save_round(replace(current, status="published"), context.now)
    asked, kept = len(published.asked), len(published.kept)
    already = (
        f"; {kept} pair(s) already with their mentor keep their time to answer" if kept else ""
    )
    return Reply(
        f"Published: {asked} mentor{'s' if asked != 1 else ''} asked{already}; "
        f"{published.skipped} pair(s) had changed and were skipped.",
        ephemeral=True,
    )


async def discard_round(context: Context) -> Reply:
    current = await current_preview(context)
    await context.uow.mentoring.save_round(replace(current, status="discarded"), context.now)
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


async def round_input(uow: UnitOfWork, now: datetime) -> tuple[list[Seeker], list[MentorOffer]]:
    """Every open request (asking and waitlisted) and every available mentor, as a round
    plans with them."""
    mentoring = uow.mentoring
    requests = await mentoring.open_requests()
    mentors = [m for m in await mentoring.mentors(None, now - RECENT) if m.available(now)]
    people = await uow.members.locales(
        [r.mentee_id for r in requests] + [m.member_id for m in mentors]
    )
    excluded = await exclusions(uow, now)

    def convert() -> tuple[list[Seeker], list[MentorOffer]]:
        seekers = [
            seeking(r, person_at(r.mentee_id, people[r.mentee_id], now), excluded) for r in requests
        ]
        offers = [offering(m, person_at(m.member_id, people[m.member_id], now)) for m in mentors]
        return seekers, offers

    return await off_loop(convert, len(requests) + len(mentors))


async def show_round(
    context: Context, pairs: Sequence[RoundPair], left_out: Sequence[int]
) -> Reply:
    if not pairs and not left_out:
        return Reply("No request is open: there's nothing to match.", ephemeral=True)
    shown = pairs[:ROUND_SHOWN]  # only these are read: a round may hold thousands
    out = left_out[:LEFT_OUT_SHOWN]
    found = [await context.uow.mentoring.request(r) for r in (*(p.request_id for p in shown), *out)]
    requests = {r.id: r for r in found if r}
    people = await context.uow.members.by_ids(
        [r.mentee_id for r in requests.values()] + [p.mentor_id for p in shown]
    )

    def mentee(request_id: int) -> str:
        request = requests.get(request_id)
        return f"{name_of(people, request.mentee_id)} on {request.topic}" if request else "(closed)"

    lines = [
        f"{n}. {mentee(p.request_id)} ← {name_of(people, p.mentor_id)} (fit {p.fit:.0f})"
        for n, p in enumerate(shown, 1)
    ]
    if len(pairs) > len(shown):
        lines.append(f"… and {len(pairs) - len(shown)} more")
    if left_out:
        more = f" and {len(left_out) - len(out)} more" if len(left_out) > len(out) else ""
        lines.append(f"Left out: {', '.join(mentee(r) for r in out)}{more}.")
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
