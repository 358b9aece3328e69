"""Moderators and the next round: preview it (a draft the round then publishes as edited),
drop a group, swap two members, or run it now."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.common.collector import round_work
from bot.common.errors import UserError
from bot.intros.notices import names
from bot.intros.programmes import PROGRAMME, pick
from bot.intros.publishing import claim_and_publish, prepare
from bot.intros.records import IntroGroup, IntroRound, Programme
from bot.intros.weights import POINT
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.options import id_option
from bot.kernel.ports import UnitOfWork

SHOWN = 40  # groups listed in a preview


def register(catalog: Catalog) -> None:
    catalog.command(
        "intro preview",
        "Plan the next round and show it, to edit before it goes out",
        PROGRAMME,
        Option(
            "afresh", "Plan it anew, dropping your edits to the last preview", OptionType.BOOLEAN
        ),
        access=Access.MODERATOR,
    )(preview)
    catalog.command(
        "intro drop",
        "Take a group out of the previewed round",
        id_option("group", "The group's number in the preview"),
        PROGRAMME,
        access=Access.MODERATOR,
    )(drop)
    catalog.command(
        "intro swap",
        "Swap two members between their groups in the previewed round",
        Option("member", "A member in the preview", OptionType.MEMBER, required=True),
        Option("with", "A member of another group", OptionType.MEMBER, required=True),
        PROGRAMME,
        access=Access.MODERATOR,
    )(swap)
    catalog.command(
        "intro run-now",
        "Run the next round now (as previewed, if it was)",
        PROGRAMME,
        access=Access.MODERATOR,
    )(run_now)


def _next_due(programme: Programme, now: datetime) -> datetime:
    due = programme.next_due(now)
    if programme.paused or due is None:
        raise UserError(f"`{programme.name}` is paused: `/intro programme resume` first.")
    return due


@round_work
async def preview(context: Context) -> Reply:
    """The next round, stored as its draft: planned, or the draft previewed before as the
    moderator left it (their drops and swaps stay; who joined since is grouped among
    themselves, who left is taken out), unless they ask for it afresh."""
    async with context.store.snapshot(context.actor.community) as snapshot:
        programme = await pick(snapshot, context.options.get("programme"), context.channel_id)
    due = _next_due(programme, context.now)
    afresh = bool(context.options.get("afresh"))
    planned = await prepare(
        context.store, context.actor.community, programme, due, context.now, afresh=afresh
    )
    draft = await context.uow.intros.save_draft(
        programme.id, due, planned.draft_groups(), context.now
    )
    shown = await show(context.uow, programme, draft)
    notes = []
    if planned.left_out:
        people = await context.uow.members.by_ids(planned.left_out)
        notes.append(
            f"Nobody could be grouped with: {', '.join(p.display_name for p in people.values())}."
        )
    if planned.from_draft:
        notes.append("Your edits are kept. To plan the round anew, `/intro preview afresh:yes`.")
    if not notes:
        return shown
    return Reply("\n".join((shown.text, *notes)), ephemeral=True)


async def show(uow: UnitOfWork, programme: Programme, draft: IntroRound) -> Reply:
    groups = await uow.intros.groups(draft.id, dropped=True)
    if not groups:
        return Reply(
            f"`{programme.name}`'s next round has nobody to introduce yet: fewer than two "
            "members take part in it.",
            ephemeral=True,
        )
    shown = groups[:SHOWN]
    people = await uow.members.by_ids([m for g in shown for m in g.member_ids])
    lines = [
        f"{g.number}. {names(people, g.member_ids)}"
        + (" (dropped)" if g.dropped else f" (fit {g.weight / POINT:.0f})")
        for g in shown
    ]
    if len(groups) > SHOWN:
        lines.append(f"… and {len(groups) - SHOWN} more")
    live = [g for g in groups if not g.dropped]
    return Reply(
        f"`{programme.name}`'s round of {programme.local(draft.due_at)}: {len(live)} intro(s), "
        f"{sum(len(g.member_ids) for g in live)} member(s).\n" + "\n".join(lines) + "\n"
        "Edit with `/intro drop` or `/intro swap`; it goes out as shown when it's due, or at "
        "`/intro run-now`. Members who join meanwhile are grouped among themselves.",
        ephemeral=True,
    )


async def _draft(context: Context) -> tuple[Programme, IntroRound, list[IntroGroup]]:
    programme = await pick(context.uow, context.options.get("programme"), context.channel_id)
    draft = await context.uow.intros.draft(programme.id)
    if draft is None or draft.due_at <= programme.last_due:
        raise UserError(
            f"There's no previewed round of `{programme.name}`: `/intro preview` makes one."
        )
    return programme, draft, await context.uow.intros.groups(draft.id, dropped=True)


async def drop(context: Context) -> Reply:
    programme, draft, groups = await _draft(context)
    number = context.options["group"]
    if not 1 <= number <= len(groups):
        raise UserError(f"The previewed round has groups 1 to {len(groups)}.")
    await context.uow.intros.set_groups(
        draft.id,
        [(g.member_ids, g.weight, g.dropped or g.number == number) for g in groups],
    )
    return await show(context.uow, programme, draft)


async def swap(context: Context) -> Reply:
    programme, draft, groups = await _draft(context)
    members = context.uow.members
    first = await members.by_user(context.options["member"])
    second = await members.by_user(context.options["with"])
    where = {m: g.number for g in groups if not g.dropped for m in g.member_ids}
    if first is None or second is None or first.id not in where or second.id not in where:
        raise UserError("Name two members who are in the previewed round's groups.")
    if where[first.id] == where[second.id]:
        raise UserError("Those two are in the same group: pick members of two groups.")
    swapped = {first.id: second.id, second.id: first.id}
    edited = [tuple(swapped.get(m, m) for m in g.member_ids) for g in groups]
    avoided = {frozenset(pair) for pair in await context.uow.intros.avoided()}
    since = context.now - timedelta(weeks=programme.repeat_weeks)
    met = {frozenset((a, b)) for a, b, _ in await context.uow.intros.history(programme.id, since)}
    for group, was in zip(edited, groups, strict=True):
        pairs = {frozenset((a, b)) for a in group for b in group if a != b}
        if group == was.member_ids:
            continue
        if pairs & avoided:
            raise UserError("Those two can't swap: one of the new groups may not be put together.")
        if pairs & met:
            raise UserError(
                "Those two can't swap: a new group would put together members who met in the "
                f"last {programme.repeat_weeks} weeks."
            )
    await context.uow.intros.set_groups(
        draft.id,
        [(e, g.weight, g.dropped) for e, g in zip(edited, groups, strict=True)],
    )
    return await show(context.uow, programme, draft)


@round_work
async def run_now(context: Context) -> Reply:
    """The next round, now: it counts as that round, so the schedule goes on from the one
    after it."""
    async with context.store.snapshot(context.actor.community) as snapshot:
        programme = await pick(snapshot, context.options.get("programme"), context.channel_id)
    due = _next_due(programme, context.now)
    planned = await prepare(context.store, context.actor.community, programme, due, context.now)
    published = await claim_and_publish(context.uow, programme, due, planned, context.now)
    if published is None:
        raise UserError("That round went out this very moment; nothing more was sent.")
    left = (
        f" Nobody could be grouped with {len(published.left_out)} member(s)."
        if published.left_out
        else ""
    )
    return Reply(
        f"`{programme.name}`'s round is out: {published.groups} intro(s) for "
        f"{published.people} member(s).{left}",
        ephemeral=True,
    )
