"""`/community health` for moderators: members by level of participation over 90 days, the
gap map, and how mentoring went. The levels are defined here, once (the README repeats
them for moderators):

- new: copbot first met them in the last 30 days, whatever they did;
- core: at least 12 actions in the last 90 days;
- active: 3 to 11 actions;
- peripheral: fewer than 3 (none included): those who mostly read.

An action is a resource saved, an upvote given, thanks given, a mentor request made, a
match begun as mentor, or an answer to a prompt (each answer counts).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

from bot.community.expertise import counted
from bot.community.model import Gap, MentoringOutcomes, Participation
from bot.kernel.catalog import Access, Catalog, HealthFact
from bot.kernel.context import Context
from bot.kernel.gaps import week_of
from bot.kernel.messages import Card, Reply

WINDOW = timedelta(days=90)
NEW_FOR = timedelta(days=30)
CORE_ACTIONS = 12
ACTIVE_ACTIONS = 3
GAP_WEEKS = 4  # the gap map looks at searches from the last four weeks
GAPS_SHOWN = 10


def register(catalog: Catalog) -> None:
    facts = catalog.health_facts  # filled in as the capabilities after this one register
    catalog.command(
        "community health",
        "Participation over 90 days, the gap map and mentoring outcomes",
        access=Access.MODERATOR,
        reads=True,
    )(partial(health, facts=facts))


async def health(context: Context, *, facts: list[HealthFact]) -> Reply:
    directory, now = context.uow.directory, context.now
    levels = await directory.participation(
        now - WINDOW, now - NEW_FOR, ACTIVE_ACTIONS, CORE_ACTIONS
    )
    gaps = await directory.gaps(gap_map_since(now), GAPS_SHOWN)
    outcomes = await directory.mentoring_outcomes(now - WINDOW)
    since = now - WINDOW
    extra = [field for fact in facts if (field := await fact(context, since)) is not None]
    return Reply(
        "Community health (the last 90 days):",
        cards=(
            Card("Participation", levels_text(levels), tuple(extra)),
            Card("Gap map", gap_map_text(gaps)),
            Card("Mentoring", outcomes_text(outcomes)),
        ),
        ephemeral=True,
    )


def gap_map_since(now: datetime) -> date:
    """The Monday, `GAP_WEEKS` weeks back counting this one, that the gap map reads from."""
    return week_of(now) - timedelta(weeks=GAP_WEEKS - 1)


def levels_text(levels: Participation) -> str:
    total = levels.core + levels.active + levels.peripheral + levels.new
    return "\n".join(
        (
            f"Core (≥ {CORE_ACTIONS} actions): {levels.core}",
            f"Active ({ACTIVE_ACTIONS}-{CORE_ACTIONS - 1} actions): {levels.active}",
            f"Peripheral (< {ACTIVE_ACTIONS} actions): {levels.peripheral}",
            f"New (first seen in {NEW_FOR.days} days): {levels.new}",
            f"Members: {total}",
        )
    )


def gap_map_text(gaps: list[Gap]) -> str:
    if not gaps:
        return "No gaps: every topic asked about lately has a mentor and a resource."
    return "\n".join(gap_line(gap) for gap in gaps)


def gap_line(gap: Gap) -> str:
    asked = []
    if gap.searches:
        asked.append(f"{counted(gap.searches, 'search', 'searches')} found nothing")
    if gap.unmatched:
        asked.append(f"{counted(gap.unmatched, 'mentor request')} found nobody free")
    if gap.waiting:
        asked.append(f"{counted(gap.waiting, 'request')} waiting now")
    missing = [
        what for what, n in (("no mentor", gap.mentors), ("no resource", gap.resources)) if not n
    ]
    return f"• {gap.topic}: {', '.join(asked)} ({', '.join(missing)})"


def outcomes_text(outcomes: MentoringOutcomes) -> str:
    if not outcomes.matches:
        return "No match began in the last 90 days."
    lines = [f"Matches begun: {outcomes.matches}"]
    if outcomes.answered:
        rate = round(100 * outcomes.met / outcomes.answered)
        lines.append(f"Met: {outcomes.met} of {outcomes.answered} answered ({rate}%)")
    else:
        lines.append("Met: nobody has answered “did you meet?” yet")
    if outcomes.rating is not None:
        lines.append(f"Rating: {outcomes.rating:.1f} of 5 ({counted(outcomes.ratings, 'rating')})")
    return "\n".join(lines)
