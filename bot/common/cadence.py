"""A time every week in a timezone (prompt schedules, scheduled rounds): when it falls
due, daylight saving included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.common.timezones import zone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Weekly:
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str

    def trigger(self) -> CronTrigger:
        return CronTrigger(
            day_of_week=self.weekday,
            hour=self.hour,
            minute=self.minute,
            timezone=zone(self.timezone),
        )

    def due_times(self, after: datetime, until: datetime) -> Iterator[datetime]:
        """Due times (UTC) after `after` up to `until`. When clocks fall back, a wall-clock
        time that happens twice is due only the first time."""
        trigger, local, previous = self.trigger(), zone(self.timezone), after
        while True:
            # Cron times have whole seconds; APScheduler rounds a finer start back down.
            due = trigger.get_next_fire_time(None, previous + timedelta(seconds=1))
            if due is not None and due <= previous:
                # Inside the hour clocks fall back, APScheduler maps the start to the first
                # pass of that hour and answers an earlier time: step past the fold.
                previous += timedelta(hours=1)
                continue
            if due is None or due > until:
                return
            wall = due.astimezone(local).replace(tzinfo=None)
            if wall != previous.astimezone(local).replace(tzinfo=None):
                yield due.astimezone(UTC)
            previous = due

    def describe(self) -> str:
        """E.g. "Mondays at 09:00 Europe/Berlin"."""
        day = WEEKDAYS[self.weekday].title()
        return f"{day}s at {self.hour:02}:{self.minute:02} {self.timezone}"
