"""Built-in starter prompts: what a community gets when its own prompt queue is empty, and
the conversation starter of each intro (both capabilities read the one bank, so it lives
here, below them).

They live in `starter.txt` beside this module, one a line. copbot records which ones a
community used by their place in the bank, so only ever append, never reorder or remove.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Final


def _bank() -> tuple[tuple[str, str], ...]:
    """(theme, prompt) pairs, in the file's order."""
    text = files(__package__).joinpath("starter.txt").read_text(encoding="utf-8")
    pairs = (line.split(": ", 1) for line in text.splitlines() if line and line[0] != "#")
    return tuple((theme, prompt) for theme, prompt in pairs)


STARTER_PROMPTS: Final[tuple[tuple[str, str], ...]] = _bank()
