"""Members and intros: join (always opt-in), pause, leave, see where they stand, and
answer "did you meet?". Pause and leave take effect for the next round."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.common.errors import UserError
from bot.common.timezones import day_begins, local_time
from bot.intros.notices import ANSWER_ACTION, ANSWER_LABELS
from bot.intros.programmes import PROGRAMME, pick
from bot.intros.records import Answer, Participant, Programme
from bot.kernel.catalog import Catalog, Option
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import Button, ButtonStyle, Reply

EVERY = {"every-round": 1, "every-other-round": 2, "every-fourth-round": 4}
UNTIL_RESUMED = datetime(9999, 1, 1, tzinfo=UTC)  # a pause with no end date
MET_SHOWN = 5
LEAVE_ACTION = "intro.leave"


def register(catalog: Catalog) -> None:
    catalog.command(
        "intro join",
        "Be introduced to members you haven't met, every round or less often",
        Option("cadence", "How often you'd like an intro", choices=tuple(EVERY)),
        PROGRAMME,
    )(join)
    catalog.command(
        "intro pause",
        "No intros for a while",
        Option("until", "Back on this date, YYYY-MM-DD (until you /intro join if left out)"),
        PROGRAMME,
    )(pause)
    catalog.command("intro leave", "Stop intros (asks you confirm first)", PROGRAMME)(ask_to_leave)
    catalog.action(LEAVE_ACTION)(leave)
    catalog.command(
        "intro status", "Your intros: next round, whom you met, your settings", reads=True
    )(status)
    catalog.action(ANSWER_ACTION)(answer)


async def join(context: Context) -> Reply:
    programme = await pick(context.uow, context.options.get("programme"), context.channel_id)
    if not programme.whole_community and context.channel_id != programme.channel_id:
        raise UserError(
            f"`{programme.name}` is for members of <#{programme.channel_id}>: "
            "run `/intro join` there."
        )
    member = await context.member()
    every = EVERY[context.options.get("cadence", "every-round")]
    current = await context.uow.intros.participant(programme.id, member.id)
    joined = Participant(programme.id, member.id, every, None, False, 0, None, context.now)
    if current is not None:
        joined = replace(joined, last_seq=current.last_seq, joined_at=current.joined_at)
    await context.uow.intros.save_participant(joined)
    due = programme.next_due(context.now)
    when = f" The next round: {_their(due, member)}." if due and not programme.paused else ""
    how = _cadence(every)
    if current is not None and _active(current, context.now):
        return Reply(f"You're in `{programme.name}` already; now {how}.{when}", ephemeral=True)
    hello = "Welcome back" if current is not None else "You're in"
    return Reply(
        f"{hello}: `{programme.name}` will introduce you to members you haven't met, {how}. "
        f"Each intro opens a private space with them, says why you fit, and a question to "
        f"start with.{when} A more complete profile (`/profile set`) makes better intros.",
        ephemeral=True,
    )


async def pause(context: Context) -> Reply:
    programme = await pick(context.uow, context.options.get("programme"), context.channel_id)
    member = await context.member()
    current = await _taking_part(context, programme, member)
    text = context.options.get("until")
    until = day_begins(text, member.timezone or "UTC", context.now) if text else UNTIL_RESUMED
    await context.uow.intros.save_participant(replace(current, paused_until=until))
    back = f"until {text}" if text else "until you `/intro join` again"
    return Reply(f"No `{programme.name}` intros for you {back}.", ephemeral=True)


async def ask_to_leave(context: Context) -> Reply:
    programme = await pick(context.uow, context.options.get("programme"), context.channel_id)
    await _taking_part(context, programme, await context.member())
    return Reply(
        f"Leave `{programme.name}`? You'll get no more intros; the spaces you have stay yours. "
        "`/intro join` brings you back any time.",
        buttons=(Button("Leave intros", LEAVE_ACTION, str(programme.id), ButtonStyle.DANGER),),
        ephemeral=True,
    )


async def leave(context: Context) -> Reply:
    programme = await context.uow.intros.programme(context.action_number())
    if programme is None:
        raise UserError("That programme is gone; there's nothing to leave.")
    current = await context.uow.intros.participant(programme.id, (await context.member()).id)
    if current is None or current.left_at is not None:
        return Reply(f"You're not in `{programme.name}`.", ephemeral=True)
    await context.uow.intros.save_participant(replace(current, left_at=context.now))
    return Reply(f"You left `{programme.name}`: no more intros.", ephemeral=True)


async def status(context: Context) -> Reply:
    member = await context.member()
    mine = await context.uow.intros.memberships(member.id)
    if not mine:
        return Reply(
            "You're in no intros programme. `/intro join` to be introduced.", ephemeral=True
        )
    programmes = {p.id: p for p in await context.uow.intros.programmes()}
    lines = [
        standing(programmes[p.programme_id], p, member, context.now)
        for p in mine
        if p.programme_id in programmes
    ]
    met = await context.uow.intros.met_in(member.id, MET_SHOWN)
    people = await context.uow.members.by_ids([other for _, _, other in met])
    if met:
        lines.append(
            "Introduced to: "
            + ", ".join(
                f"{people[o].display_name if o in people else 'a former member'} ({name}, "
                f"{local_time(when, member.timezone or 'UTC'):%d %b})"
                for name, when, o in met
            )
        )
    return Reply("\n".join(lines), ephemeral=True)


async def answer(context: Context) -> Reply:
    """A "did you meet?" button: each member of the group answers for themselves."""
    group_id, _, said = (context.action.value if context.action else "").partition(":")
    found = next((a for a in Answer if a.value == said), None)
    if found is None or not group_id.isdigit():
        raise UserError("That button has expired; there's nothing to answer.")
    member = await context.member()
    if not await context.uow.intros.answer(int(group_id), member.id, found, context.now):
        raise UserError("This question is for the members of that intro.")
    thanks = {
        Answer.MET: "Great to hear you met!",
        Answer.NOT_YET: "Thanks: there's still time before the next round.",
        Answer.CANT: "Thanks for saying so; the next round brings someone new.",
    }
    return Reply(f"{thanks[found]} (You answered “{ANSWER_LABELS[found]}”.)", ephemeral=True)


async def _taking_part(context: Context, programme: Programme, member: Member) -> Participant:
    current = await context.uow.intros.participant(programme.id, member.id)
    if current is None or current.left_at is not None:
        raise UserError(f"You're not in `{programme.name}`; `/intro join` to take part.")
    return current


def _active(participant: Participant, now: datetime) -> bool:
    return (
        participant.left_at is None
        and not participant.ghosted
        and (participant.paused_until is None or participant.paused_until <= now)
    )


def _cadence(every: int) -> str:
    return "every round" if every == 1 else f"every {'other' if every == 2 else 'fourth'} round"


def _their(moment: datetime, member: Member) -> str:
    zone = member.timezone or "UTC"
    return f"{local_time(moment, zone):%a %d %b %H:%M} ({zone})"


def standing(programme: Programme, p: Participant, member: Member, now: datetime) -> str:
    if p.left_at is not None:
        state = "you left; `/intro join` brings you back"
    elif p.ghosted:
        state = "paused by copbot after three unanswered intros; `/intro join` brings you back"
    elif p.paused_until is not None and p.paused_until > now:
        state = (
            "paused until you `/intro join` again"
            if p.paused_until == UNTIL_RESUMED
            else f"paused until {_their(p.paused_until, member)}"
        )
    elif programme.paused:
        state = f"taking part, {_cadence(p.every_rounds)}; the programme is paused"
    else:
        due = programme.next_due(now)
        state = f"taking part, {_cadence(p.every_rounds)}" + (
            f"; next round {_their(due, member)}" if due else ""
        )
    return f"`{programme.name}`: {state}."
