"""A newcomer's three first steps, as derived from what they did, and how many newcomers
finished them (for the moderators' health report)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Steps:
    """Each step is done when its record exists, however the member got there (a welcome
    sets no flag of its own)."""

    profile: bool  # skills, interests or a bio saved on their profile
    answered: bool  # an answer to a weekly prompt counted
    connected: bool  # a mentor request, a mentor offer, or a place in an intros programme

    @property
    def done(self) -> bool:
        return self.profile and self.answered and self.connected

    @property
    def left(self) -> int:
        return [self.profile, self.answered, self.connected].count(False)


@dataclass(frozen=True)
class Progress:
    """Members welcomed since a moment (not those copbot knew before it welcomed anyone),
    and how many of them have done all three first steps by now."""

    welcomed: int
    finished: int
