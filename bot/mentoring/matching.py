"""How well a mentor fits a request: one formula (`_scores`), used both to rank the
mentors of a single request and by a round (`bot/mentoring/assignment.py`), so the reason
a member reads is the score the round used.

A fit is a sum of three parts, each kept in thousandths of a point (integers, so a
round's min-cost flow is exact): working-hours overlap (the two timezones alone), a shared
language (the two sets of languages alone) and the mentor's own terms (room left, recent
load). A round relies on that split to aggregate identical people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bot.common.hours import WORKDAY_HOURS, overlap_hours

if TYPE_CHECKING:  # the round's worker process imports this module, not the records'
    from bot.mentoring.model import RoundPair

TOPIC = 40.0  # every candidate offers the topic: the base of any fit
OVERLAP = 25.0
LANGUAGE = 15.0
ROOM = 10.0
SPREAD = 10.0
LEFT_OUT = 5.0  # per round a request was left out of, up to three
POINT = 1000  # a fit's part is a whole number of thousandths


@dataclass(frozen=True)
class Person:
    """What matching knows of someone: the UTC offset of their timezone now (hours) and
    the languages they speak; either may be unknown."""

    member_id: int
    utc_offset: float | None
    languages: frozenset[str]


@dataclass(frozen=True)
class MentorOffer:
    person: Person
    topics: frozenset[str]
    capacity: int
    spare: int  # capacity minus active matches
    recent: int  # matches started lately: fewer spreads the load


@dataclass(frozen=True)
class Seeker:
    """An open request: who, on what, how often left out, and mentors never to ask."""

    request_id: int
    person: Person
    topic: str
    left_out: int = 0
    excluded: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Fit:
    mentor: MentorOffer
    score: float
    overlap_hours: float | None
    shared_language: str | None


@dataclass(frozen=True)
class Plan:
    pairs: tuple[RoundPair, ...]
    left_out: tuple[int, ...]  # request ids
    seconds: tuple[float, float] = (0.0, 0.0)  # building the graph, solving it


def rank(seeker: Seeker, mentors: Sequence[MentorOffer]) -> list[Fit]:
    """Every mentor who may be asked, best first (ties: fewer recent matches, then id)."""
    eligible = _eligible(seeker, mentors)
    if not eligible:
        return []
    side = Side.of([m.person for m in eligible], vocabulary(eligible))
    scores, overlaps, shared = fit_matrix(
        side.others([seeker.person]), side, mentor_points(eligible)
    )
    fits = [
        Fit(
            mentor,
            float(scores[0, i]),
            None if np.isnan(overlaps[0, i]) else float(overlaps[0, i]),
            _first_shared(seeker.person.languages, mentor.person.languages)
            if shared[0, i]
            else None,
        )
        for i, mentor in enumerate(eligible)
    ]
    fits.sort(key=lambda f: (-f.score, f.mentor.recent, f.mentor.person.member_id))
    return fits


def _eligible(seeker: Seeker, mentors: Iterable[MentorOffer]) -> list[MentorOffer]:
    return [
        m
        for m in mentors
        if seeker.topic in m.topics
        and m.spare > 0
        and m.person.member_id != seeker.person.member_id
        and m.person.member_id not in seeker.excluded
    ]


@dataclass(frozen=True)
class Side:
    """People as arrays: UTC offsets (NaN when unknown), languages as bit masks over a
    vocabulary, and whether they named no language at all."""

    vocabulary: dict[str, int]
    offsets: NDArray[np.float64]
    masks: NDArray[np.uint64]
    silent: NDArray[np.bool_]

    @classmethod
    def of(cls, people: Sequence[Person], vocabulary: dict[str, int]) -> Side:
        words = max(1, -(-len(vocabulary) // 64))
        masks = np.zeros((len(people), words), dtype=np.uint64)
        for row, person in enumerate(people):
            for language in person.languages:
                bit = vocabulary.get(language)
                if bit is not None:
                    masks[row, bit // 64] |= np.uint64(1 << (bit % 64))
        offsets = np.array([np.nan if p.utc_offset is None else p.utc_offset for p in people])
        silent = np.array([not p.languages for p in people], dtype=bool)
        return cls(vocabulary, offsets, masks, silent)

    def take(self, indexes: NDArray[np.int64]) -> Side:
        return Side(
            self.vocabulary, self.offsets[indexes], self.masks[indexes], self.silent[indexes]
        )

    def others(self, people: Sequence[Person]) -> Side:
        """Other people (seekers) in this side's vocabulary, to score against it."""
        return Side.of(people, self.vocabulary)


def fit_matrix(
    seekers: Side, mentors: Side, mentor_terms: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """(fit, overlap hours or NaN when a timezone is unknown, shares a language) of every
    seeker-mentor pair: the one formula of a fit."""
    overlap = overlap_hours(seekers.offsets, mentors.offsets)
    shared = sharing(seekers, mentors)
    points = overlap_points(overlap) + language_points(shared, seekers, mentors)
    return (points + mentor_terms[None, :]) / POINT, overlap, shared


def overlap_points(overlap: NDArray[np.float64]) -> NDArray[np.int64]:
    """The overlap part of a fit, in thousandths; an unknown timezone counts half."""
    score = np.where(np.isnan(overlap), 0.5, overlap / WORKDAY_HOURS) * OVERLAP
    return np.rint(score * POINT).astype(np.int64)


def sharing(seekers: Side, mentors: Side) -> NDArray[np.bool_]:
    """Whether each seeker and mentor speak a language in common."""
    shared = np.zeros((len(seekers.offsets), len(mentors.offsets)), dtype=bool)
    for word in range(mentors.masks.shape[1]):
        shared |= (seekers.masks[:, word, None] & mentors.masks[None, :, word]) != 0
    return shared


def language_points(shared: NDArray[np.bool_], seekers: Side, mentors: Side) -> NDArray[np.int64]:
    """The language part of a fit, in thousandths: half when either named no language."""
    silent = seekers.silent[:, None] | mentors.silent[None, :]
    score: NDArray[np.float64] = np.where(shared, LANGUAGE, np.where(silent, LANGUAGE / 2, 0.0))
    return np.rint(score * POINT).astype(np.int64)


def mentor_points(mentors: Sequence[MentorOffer]) -> NDArray[np.int64]:
    """The part of a fit that depends on the mentor alone (room left, recent load), in
    thousandths."""
    terms = [TOPIC + ROOM * m.spare / m.capacity + SPREAD / (1 + m.recent) for m in mentors]
    return np.rint(np.array(terms, dtype=np.float64) * POINT).astype(np.int64)


def vocabulary(mentors: Sequence[MentorOffer]) -> dict[str, int]:
    """Mentors' languages: a seeker's other languages can't be shared with any of them."""
    spoken = sorted(set().union(*(m.person.languages for m in mentors)))
    return {language: bit for bit, language in enumerate(spoken)}


def _first_shared(a: frozenset[str], b: frozenset[str]) -> str | None:
    common = sorted(a & b)
    return common[0] if common else None
