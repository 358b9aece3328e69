"""When recurring work falls due (prompt schedules, scheduled rounds): a weekday and a
time in a timezone, every week, every few weeks, or on one such weekday of each month,
daylight saving included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from apscheduler.triggers.cron import CronTrigger

from bot.common.timezones import zone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LAST = -1  # `week_of_month` for the last such weekday of the month
WEEKS_OF_MONTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": LAST}
MAX_EVERY = 12  # weeks
_CRON_WEEK = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", LAST: "last"}
_AHEAD = timedelta(days=400)  # far enough for the next few due times of any cadence


@dataclass(frozen=True)
class Cadence:
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str
    every: int = 1  # weeks from one due time to the next
    week_of_month: int | None = None  # 1-4 or LAST: that weekday of each month instead
    start: date | None = None  # every few weeks: the local date the count starts from

    def __post_init__(self) -> None:
        if not 1 <= self.every <= MAX_EVERY or (self.every > 1) != (self.start is not None):
            raise ValueError(f"every {self.every} weeks needs a start date, and only then")
        if self.week_of_month is not None and (
            self.every > 1 or self.week_of_month not in _CRON_WEEK
        ):
            raise ValueError(
                f"week of month {self.week_of_month} doesn't go with every {self.every}"
            )

    def every_few_weeks(self, every: int, now: datetime) -> Cadence:
        """This weekly cadence every `every` weeks instead, counted from its first due time
        after `now`."""
        if every == 1:
            return self
        first = next(self.upcoming(now)).astimezone(zone(self.timezone))
        return replace(self, every=every, start=first.date())

    def trigger(self) -> CronTrigger:
        """An alarm at every due time; every few weeks, also in the weeks between, which
        `due_times` leaves out."""
        return _trigger(self.weekday, self.hour, self.minute, self.timezone, self.week_of_month)

    def due_times(self, after: datetime, until: datetime) -> Iterator[datetime]:
        """Due times (UTC) after `after` up to `until`. When clocks fall back, a wall-clock
        time that happens twice is due only the first time; one that doesn't happen (clocks
        go forward) is due as much later as the clocks skipped (02:30 at 03:30)."""
        trigger, local, previous = self.trigger(), zone(self.timezone), after
        while True:
            # Cron times have whole seconds; APScheduler rounds a finer start back down.
            due = _next_fire(trigger, previous + timedelta(seconds=1))
            if due is not None and due <= previous:
                # Inside the hour clocks fall back, APScheduler maps the start to the first
                # pass of that hour and answers an earlier time: step past the fold.
                previous += timedelta(hours=1)
                continue
            if due is None or due > until:
                return
            wall = due.astimezone(local)
            again = wall.replace(tzinfo=None) == previous.astimezone(local).replace(tzinfo=None)
            if not again and self._in_step(wall.date()):
                yield due.astimezone(UTC)
            previous = due

    def upcoming(self, after: datetime) -> Iterator[datetime]:
        """Due times after `after`, soonest first (lazily: take what you need)."""
        return self.due_times(after, after + _AHEAD)

    def describe(self) -> str:
        """E.g. "Mondays at 09:00 Europe/Berlin", "the last Friday of each month at ..."."""
        day = WEEKDAYS[self.weekday].title()
        at = f"at {self.hour:02}:{self.minute:02} {self.timezone}"
        if self.week_of_month is not None:
            which = next(n for n, week in WEEKS_OF_MONTH.items() if week == self.week_of_month)
            return f"the {which} {day} of each month {at}"
        if self.start is not None:
            return f"every {self.every} weeks on {day}s {at}, from {self.start:%d %b %Y}"
        return f"{day}s {at}"

    def _in_step(self, day: date) -> bool:
        """Every few weeks: whether `day` is in a week the cadence is due."""
        if self.start is None:
            return True
        return day >= self.start and (day - self.start).days // 7 % self.every == 0


@lru_cache(maxsize=4096)
def _trigger(
    weekday: int, hour: int, minute: int, timezone: str, week_of_month: int | None
) -> CronTrigger:
    """Built once per distinct time (building one costs more than asking it for the next
    due time): thousands of schedules share a few hundred."""
    day: dict[str, object] = (
        {"day": f"{_CRON_WEEK[week_of_month]} {WEEKDAYS[weekday][:3]}"}
        if week_of_month is not None
        else {"day_of_week": weekday}
    )
    return CronTrigger(hour=hour, minute=minute, timezone=zone(timezone), **day)


@lru_cache(maxsize=65536)
def _next_fire(trigger: CronTrigger, after: datetime) -> datetime | None:
    """The trigger's first time from `after` on: schedules with the same time that last
    fell due together (thousands, when a minute's prompts go out) ask it once."""
    fire: datetime | None = trigger.get_next_fire_time(None, after)
    return fire
