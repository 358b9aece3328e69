"""What moderators see of mentoring beyond the figures: who waits for a mentor."""

from __future__ import annotations

from bot.common.timezones import local_time
from bot.kernel.catalog import Access, Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.mentoring.model import RequestStatus
from bot.mentoring.views import name_of

WAITLIST_SHOWN = 40


def register(catalog: Catalog) -> None:
    catalog.command(
        "mentor waitlist", "Requests waiting for a mentor, oldest first", access=Access.MODERATOR
    )(waitlist)


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
