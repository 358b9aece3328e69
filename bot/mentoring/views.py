"""How mentoring shows times, names and the buttons that answer an ask."""

from __future__ import annotations

from datetime import datetime

from bot.common.timezones import local_time
from bot.kernel.members import Member
from bot.kernel.messages import Button, ButtonStyle, Form, FormField


def answer_buttons(request_id: int) -> tuple[Button, ...]:
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


def their_time(moment: datetime | None, member: Member) -> str:
    if moment is None:
        return "soon"
    zone = member.timezone or "UTC"
    return f"{local_time(moment, zone):%a %d %b %H:%M} ({zone})"


def name_of(people: dict[int, Member], member_id: int) -> str:
    found = people.get(member_id)
    return found.display_name if found else "someone"
