"""What moderators see of mentoring beyond the figures: who waits for a mentor, and which
mentors are paused (copbot pauses those who let three asks in a row time out)."""

from __future__ import annotations

from bot.common.timezones import local_time
from bot.kernel.catalog import Access, Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.mentoring.model import Mentor, RequestStatus
from bot.mentoring.views import name_of

WAITLIST_SHOWN = 40
STORIES_SHOWN = 15


def register(catalog: Catalog) -> None:
    catalog.command(
        "mentor waitlist", "Requests waiting for a mentor, oldest first", access=Access.MODERATOR
    )(waitlist)
    catalog.command("mentor paused", "Mentors who are paused, and why", access=Access.MODERATOR)(
        paused_mentors
    )
    catalog.command(
        "mentor stories",
        "What changed for members, from their feedback (named only if they agreed)",
        access=Access.MODERATOR,
    )(value_stories)


async def waitlist(context: Context) -> Reply:
    waiting = await context.uow.mentoring.requests([RequestStatus.WAITING])
    if not waiting:
        return Reply("Nobody is on the mentoring waitlist.", ephemeral=True)
    shown = waiting[:WAITLIST_SHOWN]
    people = await context.uow.members.by_ids([r.mentee_id for r in shown])
    zone = (await context.member()).timezone or "UTC"
    lines = [
        f"#{r.id} {name_of(people, r.mentee_id)} on {r.topic}, since "
        f"{local_time(r.created_at, zone):%d %b %Y}"
        + (f", left out of {r.left_out} round(s)" if r.left_out else "")
        for r in shown
    ]
    if len(waiting) > len(shown):
        lines.append(f"… and {len(waiting) - len(shown)} more")
    return Reply(
        f"On the waitlist ({len(waiting)}), oldest first:\n" + "\n".join(lines) + "\n"
        "More mentors for these topics would help; `/mentor round preview` assigns what it can.",
        ephemeral=True,
    )


async def paused_mentors(context: Context) -> Reply:
    paused = [
        m
        for m in await context.uow.mentoring.mentors(None, context.now)
        if not m.available(context.now)
    ]
    if not paused:
        return Reply("No mentor is paused.", ephemeral=True)
    people = await context.uow.members.by_ids([m.member_id for m in paused])
    zone = (await context.member()).timezone or "UTC"

    def why(mentor: Mentor) -> str:
        if mentor.paused_silent:
            return "paused by copbot: three requests in a row ran out of time"
        if mentor.paused_until is not None:
            return f"paused until {local_time(mentor.paused_until, zone):%d %b %Y}"
        return "paused until they resume"

    lines = [f"{name_of(people, m.member_id)}: {why(m)}" for m in paused[:WAITLIST_SHOWN]]
    if len(paused) > WAITLIST_SHOWN:
        lines.append(f"… and {len(paused) - WAITLIST_SHOWN} more")
    return Reply("Paused mentors:\n" + "\n".join(lines), ephemeral=True)


async def value_stories(context: Context) -> Reply:
    """Members' own words on what mentoring changed for them: the value moderators can
    show. Anonymous (a mentee, a mentor) unless the member agreed to be named."""
    stories = await context.uow.mentoring.stories(STORIES_SHOWN)
    if not stories:
        return Reply(
            "No stories yet: they come from “What changed for you?” in matches' feedback.",
            ephemeral=True,
        )
    people = await context.uow.members.by_ids([f.member_id for f, _ in stories if f.named])
    lines = []
    for feedback, match in stories:
        role = "mentor" if feedback.member_id == match.mentor_id else "mentee"
        who = name_of(people, feedback.member_id) if feedback.named else f"a {role}"
        lines.append(f"“{feedback.changed}” ({who}, {match.topic})")
    return Reply("What changed for members:\n" + "\n".join(lines), ephemeral=True)
