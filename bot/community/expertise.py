"""The one rule of who knows a topic best, and how to say why.

Expertise shows in what members do, not only in what they declare: a declared skill
counts, and so does every match they mentored on the topic (more when their mentees rated
it well), every resource they saved under its tag and the upvotes others gave it, and
every thanks for it. Counts that are easy to pile up (saving, votes) are capped, so that
no one tops the directory by saving links alone.
"""

from __future__ import annotations

from datetime import datetime

from bot.common.timezones import local_time
from bot.community.model import Knower, MentorRoom, Signals

TEACHES = 3.0  # a skill on their profile
MENTORS = 2.0  # offering mentoring on the topic
MATCH = 2.0  # each match mentored on it, times rating / NEUTRAL_RATING when rated
NEUTRAL_RATING = 3.0  # a 3 leaves a match's points as they are; a 5 makes them 5/3
SAVED = 0.5  # each resource saved under the tag, up to MAX_SAVED
MAX_SAVED = 10
VOTE = 0.25  # each upvote others gave those, up to MAX_VOTES
MAX_VOTES = 20
THANKED = 1.5  # each thanks for the topic


def score(signals: Signals) -> float:
    rating = signals.rating
    per_match = MATCH * (rating / NEUTRAL_RATING if rating is not None else 1.0)
    return (
        TEACHES * signals.teaches
        + MENTORS * signals.mentors
        + per_match * signals.matches
        + SAVED * min(signals.saved, MAX_SAVED)
        + VOTE * min(signals.votes, MAX_VOTES)
        + THANKED * signals.thanked
    )


def ranked(knowers: list[Knower]) -> list[Knower]:
    """Best first; equal scores by name, so a page is the same every time."""
    return sorted(
        knowers, key=lambda k: (-score(k.signals), k.display_name.casefold(), k.member_id)
    )


def why(signals: Signals, topic: str) -> str:
    """“teaches python; mentored 4 people on it, rated 4.8; saved 12 resources tagged python
    (30 upvotes); thanked 3 times for python”."""
    parts = []
    if signals.teaches and signals.mentors:
        parts.append(f"teaches and mentors {topic}")
    elif signals.teaches:
        parts.append(f"teaches {topic}")
    elif signals.mentors:
        parts.append(f"mentors {topic}")
    if signals.matches:
        mentored = f"mentored {counted(signals.matches, 'person', 'people')} on it"
        if signals.rating is not None:
            mentored += f", rated {signals.rating:.1f}"
        parts.append(mentored)
    if signals.saved:
        saved = f"saved {counted(signals.saved, 'resource')} tagged {topic}"
        if signals.votes:
            saved += f" ({counted(signals.votes, 'upvote')})"
        parts.append(saved)
    if signals.thanked:
        times = "once" if signals.thanked == 1 else f"{signals.thanked} times"
        parts.append(f"thanked {times} for {topic}")
    return "; ".join(parts)


def local_clock(timezone: str | None, now: datetime) -> str:
    if timezone is None:
        return "timezone not set"
    return f"{local_time(now, timezone):%a %H:%M} local time ({timezone})"


def room_to_mentor(room: MentorRoom | None, now: datetime) -> str:
    """Whether they could take a mentee: never why they can't (a pause is theirs)."""
    if room is None:
        return "doesn't mentor here"
    if room.taking(now):
        free = room.capacity - room.active
        return f"room to mentor ({free} of {room.capacity} places free)"
    return "no room to mentor right now"


def counted(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"
