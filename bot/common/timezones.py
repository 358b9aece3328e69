"""IANA timezones: validated by name, with a suggestion for near misses."""

from __future__ import annotations

import difflib
from datetime import date, datetime, time
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

from bot.common.errors import UserError


@cache
def _names() -> dict[str, str]:
    """Every IANA name, by its case-folded form (`europe/berlin` -> `Europe/Berlin`)."""
    names = {n for n in available_timezones() if "/" in n or n == "UTC"}
    return {n.casefold(): n for n in sorted(names)}


def canonical_timezone(raw: str) -> str:
    name = raw.strip().replace(" ", "_")
    found = _names().get(name.casefold())
    if found:
        return found
    close = difflib.get_close_matches(name.casefold(), _names(), n=1, cutoff=0.6)
    hint = f" Did you mean `{_names()[close[0]]}`?" if close else ""
    raise UserError(
        f"`{raw.strip()[:60]}` isn't a timezone I know.{hint} "
        "Use an IANA name such as `Europe/Berlin` or `America/New_York`."
    )


def search_timezones(partial: str, limit: int) -> list[str]:
    """Names containing `partial` (case-insensitive), those starting with it first."""
    needle = partial.strip().replace(" ", "_").casefold()
    hits = [
        (not key.startswith(needle) and "/" + needle not in key, name)
        for key, name in _names().items()
        if needle in key
    ]
    return [name for _, name in sorted(hits)[:limit]]


def local_time(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(zone(timezone))


@lru_cache(maxsize=1024)
def utc_offset_hours(moment: datetime, timezone: str) -> float:
    """How far `timezone` is ahead of UTC at `moment`, daylight saving included. Kept for
    the moments just asked about: ranking a topic's thousand mentors, or a round's twelve
    thousand people, asks it once per person at one moment, over a few dozen zones (30 us
    each in full)."""
    delta = local_time(moment, timezone).utcoffset()
    return delta.total_seconds() / 3600 if delta is not None else 0.0


@cache
def zone(timezone: str) -> ZoneInfo:
    """`ZoneInfo` keeps only eight zones strongly cached; a round over a community that
    lives in more reloaded their files for every member."""
    return ZoneInfo(timezone)


def day_begins(text: str, timezone: str, now: datetime) -> datetime:
    """A future YYYY-MM-DD in `timezone`, as the UTC moment that day begins (a pause's end)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"“{text[:20]}” isn't a date like 2026-12-31.") from None
    local = zone(timezone)
    if day <= now.astimezone(local).date():  # compared as dates: year 1 has no UTC before it
        raise UserError("That date has passed; pick a future one.")
    return datetime.combine(day, time(0), local).astimezone(now.tzinfo)
