"""Cadences on their own: every few weeks and one weekday of each month, through the days
clocks change (a time that happens twice is due once, one that doesn't is due as much
later as the clocks skipped)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.common.cadence import LAST, Cadence


def due(cadence: Cadence, start: datetime, end: datetime) -> list[datetime]:
    return list(cadence.due_times(start, end))


def test_the_last_sunday_of_each_month_at_0230_in_berlin() -> None:
    """Clocks go forward on the last Sunday of March and back on the last of October, at
    02:00-03:00: 02:30 doesn't happen on the one and happens twice on the other."""
    cadence = Cadence(6, 2, 30, "Europe/Berlin", week_of_month=LAST)
    found = due(cadence, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert [d.date() for d in found] == [
        date(2026, 3, 29),
        date(2026, 4, 26),
        date(2026, 5, 31),
        date(2026, 6, 28),
        date(2026, 7, 26),
        date(2026, 8, 30),
        date(2026, 9, 27),
        date(2026, 10, 25),
    ]
    assert found[0] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30, the hour skipped
    assert found[-1] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 only


def test_every_two_weeks_is_due_once_on_the_day_clocks_go_back() -> None:
    weekly = Cadence(6, 2, 30, "Europe/Berlin")
    cadence = weekly.every_few_weeks(2, datetime(2026, 10, 20, tzinfo=UTC))
    assert cadence.start == date(2026, 10, 25)
    found = due(cadence, datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
    assert found == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 11, 8, 1, 30, tzinfo=UTC),
        datetime(2026, 11, 22, 1, 30, tzinfo=UTC),
    ]
    assert cadence.describe() == (
        "every 2 weeks on Sundays at 02:30 Europe/Berlin, from 25 Oct 2026"
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"every": 2}, "start date"),
        ({"every": 0}, "start date"),
        ({"every": 13, "start": date(2026, 1, 5)}, "start date"),
        ({"week_of_month": 5}, "week of month"),
        ({"week_of_month": 1, "every": 2, "start": date(2026, 1, 5)}, "week of month"),
    ],
)
def test_a_cadence_that_means_nothing_cannot_be_made(kwargs: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Cadence(0, 9, 0, "UTC", **kwargs)  # type: ignore[arg-type]
