"""Whole numbers typed by members or carried by buttons, checked one way everywhere."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"^[0-9]{1,10}$")
MAX_ID = 2**31 - 1  # what both engines' integer columns hold


def whole_number(text: str, largest: int = MAX_ID) -> int | None:
    """ASCII digits within range, or None: `str.isdigit` also accepts `²`, which int() refuses,
    and a huge id would overflow the database's integer column."""
    if not _DIGITS.match(text):
        return None
    number = int(text)
    return number if number <= largest else None
