"""Searches that found nothing, for the community's gap map: a library search, `/who knows`
or a mentor request nobody could take is counted per topic and week, and nothing else is
kept (neither who searched nor the rest of their words), so the counts are nobody's data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.common.tags import MAX_TAG_LENGTH


class Missed(StrEnum):
    LIBRARY = "library"  # a library search with no result
    WHO = "who"  # `/who knows` with nobody listed
    MENTOR = "mentor"  # a mentor request no mentor could take (waitlisted, or refused)


def gap_topic(words: str) -> str:
    """What a search was about, in one spelling: a tag as it is, free words lowercased and
    single-spaced, cut to a tag's length."""
    return " ".join(words.casefold().split())[:MAX_TAG_LENGTH]


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the week `moment` falls in: a gap's week."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


class GapRepository(Protocol):
    async def missed(self, kind: Missed, topic: str, now: datetime) -> None:
        """Count one search of `kind` for `topic` that found nothing, in `now`'s week."""
        ...
