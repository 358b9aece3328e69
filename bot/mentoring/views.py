"""How mentoring shows times, names and the buttons that answer an ask."""

from __future__ import annotations

from datetime import datetime

from bot.common.timezones import local_time
from bot.kernel.members import Member
from bot.kernel.messages import Button, ButtonStyle, Form, FormField
from bot.mentoring.matching import Fit
from bot.mentoring.model import MentorRequest

MAX_CHANGED = 500  # characters of "what changed for you?"
INBOX_ANSWERS = 10  # requests answered from one inbox (two buttons each; 25 fit a message)


def answer_buttons(request_id: int) -> tuple[Button, ...]:
    value = str(request_id)
    return (
        Button("Accept", "mentor.accept", value, ButtonStyle.PRIMARY),
        Button("Decline", "mentor.decline", value),
        Button("Decline and pause me", "mentor.decline_pause", value),
    )


def inbox_buttons(asking: list[MentorRequest]) -> tuple[Button, ...]:
    """Accept and Decline for each request waiting for the mentor's answer, by number."""
    return tuple(
        button
        for r in asking[:INBOX_ANSWERS]
        for button in (
            Button(f"Accept #{r.id}", "mentor.accept", str(r.id), ButtonStyle.PRIMARY),
            Button(f"Decline #{r.id}", "mentor.decline", str(r.id)),
        )
    )


def why(fit: Fit, topic: str) -> str:
    """Why this mentor, in one line for the member ("python, 3 h overlap, speaks english,
    has room"): only what speaks for them, so no working hours in common goes unsaid."""
    parts = [topic]
    if fit.overlap_hours:
        parts.append(f"{fit.overlap_hours:g} h overlap")
    if fit.shared_language:
        parts.append(f"speaks {fit.shared_language}")
    parts.append("has room" if fit.mentor.spare > 1 else "one place left")
    return ", ".join(parts)


def feedback_form(match_id: int) -> Form:
    return Form(
        "Mentoring feedback",
        "mentor.feedback",
        "Send feedback",
        (
            FormField("met", "Did you meet? (yes or no)", required=True, max_length=3),
            FormField("rating", "How was it, 1 to 5? (optional)", max_length=1),
            FormField(
                "changed",
                "What changed for you? (optional)",
                multiline=True,
                max_length=MAX_CHANGED,
                placeholder="What you can do now, or see differently",
            ),
            FormField(
                "named",
                "May moderators see your name with it? (yes or no)",
                default="no",
                max_length=3,
            ),
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
