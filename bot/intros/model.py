"""What a round of intros is planned from, and what it gives back."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Participant:
    """A member taking part in this round (the caller leaves out whoever is paused).

    `met_days_ago`: for each member met before, how many days ago they last met;
    `avoid`: members never to be grouped with (either side's list is enough);
    `weak_last_round`: their last intro was a weak match, so this one counts more."""

    member_id: int
    teaches: frozenset[str] = frozenset()
    learns: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    utc_offset: float | None = None
    languages: frozenset[str] = frozenset()
    met_days_ago: Mapping[int, int] = field(default_factory=dict)
    avoid: frozenset[int] = frozenset()
    weak_last_round: bool = False


@dataclass(frozen=True)
class Rules:
    repeat_weeks: int = 12  # people who met within this many weeks are not grouped again
    size: int = 2  # 2: pairs (one trio when the count is odd); 3: groups of three


@dataclass(frozen=True)
class Link:
    """Why two members of a group fit: the parts of their weight an intro can say."""

    members: tuple[int, int]
    weight: int  # thousandths of a point
    first_teaches: tuple[str, ...]  # what members[0] teaches that members[1] wants to learn
    second_teaches: tuple[str, ...]
    shared_interests: tuple[str, ...]
    overlap_hours: float | None  # None: a timezone is unknown
    shared_language: str | None
    repeat: bool  # they met within the repeat window: no other grouping existed

    @property
    def swap(self) -> bool:
        """Each teaches what the other wants to learn: the best kind of intro."""
        return bool(self.first_teaches and self.second_teaches)


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]
    links: tuple[Link, ...]  # the links the weight counts (a trio: its two strongest)

    @property
    def weight(self) -> int:
        return sum(link.weight for link in self.links)


@dataclass(frozen=True)
class Round:
    groups: tuple[Group, ...]
    left_out: tuple[int, ...]  # empty unless avoid lists leave someone no one at all
    seconds: float = 0.0

    @property
    def weight(self) -> int:
        return sum(group.weight for group in self.groups)

    @property
    def repeats(self) -> int:
        return sum(link.repeat for group in self.groups for link in group.links)


def assemble(participants: Sequence[Participant], groups: list[Group], started: float) -> Round:
    """The round: its groups, whoever is in none, and the time since `started`."""
    grouped = {m for g in groups for m in g.members}
    left = tuple(p.member_id for p in participants if p.member_id not in grouped)
    return Round(tuple(groups), left, time.perf_counter() - started)
