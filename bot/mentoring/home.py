"""Mentoring at a glance: a member's matches, requests and asks (Slack's App Home)."""

from __future__ import annotations

from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Card, CardField, Reply
from bot.mentoring.model import OPEN, RequestStatus
from bot.mentoring.views import inbox_buttons, name_of, their_time


def register(catalog: Catalog) -> None:
    catalog.home_section(at_a_glance)


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
                f"mentoring {name_of(people, m.mentee_id)}"
                if m.mentor_id == member.id
                else f"mentored by {name_of(people, m.mentor_id)}",
            )
            for m in active[:8]
        ]
        + [
            CardField(
                f"Your request #{r.id}: {r.topic}",
                "a mentor is deciding" if r.status is RequestStatus.ASKING else "on the waitlist",
            )
            for r in mine[:8]
        ]
        + [
            CardField(
                f"Asked of you: #{r.id} {r.topic}",
                f"{name_of(people, r.mentee_id)}, answer by {their_time(r.deadline, member)}",
            )
            for r in asking[:8]
        ]
    )
    buttons = inbox_buttons(asking)
    return Reply(cards=(Card("Mentoring", fields=tuple(fields)),), buttons=buttons)
