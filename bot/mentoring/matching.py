"""How well a mentor fits a request, and the optimal assignment of many requests at once.

Fit is one formula (`_components`) used both to rank candidates for a single request and
to plan a matching round, so the reason a member reads is the score the round used.
A round never scores every member-mentor pair: requests are grouped by topic, and within a
topic by timezone and languages (all a fit depends on of the member), so each group is
scored once against the mentors of its topic; each request keeps its best `CANDIDATES`.
The assignment is a min-cost flow (OR-Tools) over that candidate graph: the best total
fit under the mentors' spare capacities.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from bot.mentoring.model import RoundPair

WORKDAY_HOURS = 8.0  # overlap is measured between two 09:00-17:00 local working days
TOPIC = 40.0  # every candidate offers the topic: the base of any fit
OVERLAP = 25.0
LANGUAGE = 15.0
ROOM = 10.0
SPREAD = 10.0
LEFT_OUT = 5.0  # per round a request was left out of, up to three
CANDIDATES = 20  # per request in a round
_BLOCK = 250_000  # pair scores computed at once: bounds memory and each call's GIL hold
_SCALE = 1000  # fits are kept to three decimals so the flow's integer costs are exact

Solver = Callable[
    [
        NDArray[np.integer[Any]],
        NDArray[np.integer[Any]],
        NDArray[np.float64],
        Sequence[int],
        NDArray[np.integer[Any]],
    ],
    NDArray[np.int64],
]


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

    def reason(self, topic: str) -> str:
        """One line for the member, e.g. "python, 3 h overlap, speaks english, has room"."""
        parts = [topic]
        if self.overlap_hours is not None:
            parts.append(f"{self.overlap_hours:g} h overlap")
        if self.shared_language:
            parts.append(f"speaks {self.shared_language}")
        parts.append("has room" if self.mentor.spare > 1 else "one place left")
        return ", ".join(parts)


@dataclass(frozen=True)
class Plan:
    pairs: tuple[RoundPair, ...]
    left_out: tuple[int, ...]  # request ids
    seconds: tuple[float, float] = (0.0, 0.0)  # candidate generation, assignment


def rank(seeker: Seeker, mentors: Sequence[MentorOffer]) -> list[Fit]:
    """Every mentor who may be asked, best first (ties: fewer recent matches, then id)."""
    eligible = _eligible(seeker, mentors)
    if not eligible:
        return []
    side = _Side.of([m.person for m in eligible], _vocabulary(eligible))
    scores, overlaps, shared = _scores(side.others([seeker.person]), side, _terms(eligible))
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


def candidate_graph(
    seekers: Sequence[Seeker], mentors: Sequence[MentorOffer], per_request: int = CANDIDATES
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(seeker index, mentor index, fit) of each request's best mentors, topic by topic.

    A fit depends on the seeker only through their timezone and languages, so seekers
    sharing both form a class and are scored once, against the mentors of their topic."""
    offering: dict[str, list[int]] = defaultdict(list)
    for m, mentor in enumerate(mentors):
        if mentor.spare > 0:
            for topic in mentor.topics:
                offering[topic].append(m)
    asking: dict[str, list[int]] = defaultdict(list)
    for s, seeker in enumerate(seekers):
        asking[seeker.topic].append(s)
    everyone = _Side.of([m.person for m in mentors], _vocabulary(mentors))
    terms = _terms(mentors)
    member_ids = np.array([m.person.member_id for m in mentors], dtype=np.int64)
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    fits: list[NDArray[np.float64]] = []
    for topic, seeker_ids in asking.items():
        if topic not in offering:
            continue
        columns = np.asarray(offering[topic], dtype=np.int64)
        side = everyone.take(columns)
        classes = _classes(seeker_ids, seekers)
        depth = min(
            len(columns), per_request + 1 + max(len(seekers[s].excluded) for s in seeker_ids)
        )
        block = max(1, _BLOCK // len(columns))
        for start in range(0, len(classes), block):
            chunk = classes[start : start + block]
            people = [seekers[group[0]].person for group in chunk]
            scores, _, _ = _scores(side.others(people), side, terms[columns])
            best, best_scores = _best(scores, columns, depth)
            for group, ranked, ranked_scores in zip(chunk, best, best_scores, strict=True):
                ranked_ids = member_ids[ranked]
                top = set(ranked_ids[:per_request].tolist())
                plain = []  # most seekers: nobody they exclude is among the class's best
                for s in group:
                    never = seekers[s].excluded | {seekers[s].person.member_id}
                    if never.isdisjoint(top):
                        plain.append(s)
                        continue
                    keep = np.flatnonzero(~np.isin(ranked_ids, list(never)))[:per_request]
                    rows.append(np.full(len(keep), s, dtype=np.int64))
                    cols.append(ranked[keep])
                    fits.append(ranked_scores[keep])
                # One block for all of them: a few large arrays, not one per seeker, keep
                # the final concatenation short (it holds the GIL).
                width = min(per_request, len(ranked))
                rows.append(np.repeat(np.asarray(plain, dtype=np.int64), width))
                cols.append(np.tile(ranked[:width], len(plain)))
                fits.append(np.tile(ranked_scores[:width], len(plain)))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(fits)


def _best(
    scores: NDArray[np.float64], columns: NDArray[np.int64], depth: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each row's `depth` best columns (as mentor indexes) and their scores, best first."""
    best = np.argpartition(-scores, depth - 1, axis=1)[:, :depth]
    best_scores = np.take_along_axis(scores, best, axis=1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    return columns[np.take_along_axis(best, order, axis=1)], np.take_along_axis(
        best_scores, order, axis=1
    )


def plan_round(
    seekers: Sequence[Seeker], mentors: Sequence[MentorOffer], solve: Solver | None = None
) -> Plan:
    """The assignment with the greatest total fit (plus a bonus for requests left out
    before) under every mentor's spare capacity, at most one request per member (accepting
    a match cancels the member's other requests); requests may stay unassigned."""
    started = time.perf_counter()
    rows, cols, fits = candidate_graph(seekers, mentors)
    scored = time.perf_counter()
    bonus = np.array([LEFT_OUT * min(s.left_out, 3) for s in seekers])
    owners = np.array([s.person.member_id for s in seekers], dtype=np.int64)
    capacities = [m.spare for m in mentors]
    chosen = (solve or assign)(rows, cols, fits + bonus[rows], capacities, owners)
    pairs = tuple(
        RoundPair(seekers[rows[e]].request_id, mentors[cols[e]].person.member_id, float(fits[e]))
        for e in chosen
    )
    placed = {p.request_id for p in pairs}
    left_out = tuple(s.request_id for s in seekers if s.request_id not in placed)
    timings = (scored - started, time.perf_counter() - scored)
    return Plan(pairs, left_out, timings)


def assign(
    rows: NDArray[np.integer[Any]],
    cols: NDArray[np.integer[Any]],
    weights: NDArray[np.float64],
    capacities: Sequence[int],
    owners: NDArray[np.integer[Any]],
) -> NDArray[np.int64]:
    """Indexes of the chosen edges: at most one row of each owner (`owners[row]`), each
    column at most its capacity, greatest total weight. Min-cost flow from a source
    through owners, rows and columns to a sink, with a free bypass so that leaving a row
    out costs nothing."""
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    n_rows = int(rows.max()) + 1
    n_cols = len(capacities)
    _, owner_of_row = np.unique(np.asarray(owners)[:n_rows], return_inverse=True)
    n_owners = int(owner_of_row.max()) + 1
    first_owner = n_rows + n_cols
    source, sink = first_owner + n_owners, first_owner + n_owners + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n_owners, source),
        first_owner + np.arange(n_owners),
        np.ones(n_owners, dtype=np.int64),
        np.zeros(n_owners, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        first_owner + owner_of_row,
        np.arange(n_rows),
        np.ones(n_rows, dtype=np.int64),
        np.zeros(n_rows, dtype=np.int64),
    )
    first_pair = flow.add_arcs_with_capacity_and_unit_cost(
        rows,
        n_rows + cols,
        np.ones(len(rows), dtype=np.int64),
        -np.rint(weights * _SCALE).astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        n_rows + np.arange(n_cols),
        np.full(n_cols, sink),
        np.asarray(capacities, dtype=np.int64),
        np.zeros(n_cols, dtype=np.int64),
    )
    flow.add_arc_with_capacity_and_unit_cost(source, sink, n_owners, 0)
    flow.set_node_supply(source, n_owners)
    flow.set_node_supply(sink, -n_owners)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the assignment solver stopped with status {status}")
    used = flow.flows(first_pair[0] + np.arange(len(rows)))
    return np.flatnonzero(used > 0)


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
class _Side:
    """People as arrays: UTC offsets (NaN when unknown), languages as bit masks over a
    vocabulary, and whether they named no language at all."""

    vocabulary: dict[str, int]
    offsets: NDArray[np.float64]
    masks: NDArray[np.uint64]
    silent: NDArray[np.bool_]

    @classmethod
    def of(cls, people: Sequence[Person], vocabulary: dict[str, int]) -> _Side:
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

    def take(self, indexes: NDArray[np.int64]) -> _Side:
        return _Side(
            self.vocabulary, self.offsets[indexes], self.masks[indexes], self.silent[indexes]
        )

    def others(self, people: Sequence[Person]) -> _Side:
        """Other people (seekers) in this side's vocabulary, to score against it."""
        return _Side.of(people, self.vocabulary)


def _scores(
    seekers: _Side, mentors: _Side, mentor_terms: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """(fit, overlap hours or NaN when a timezone is unknown, shares a language) of every
    seeker-mentor pair: the one formula of a fit."""
    apart = np.abs(seekers.offsets[:, None] - mentors.offsets[None, :]) % 24
    overlap = np.maximum(0.0, WORKDAY_HOURS - np.minimum(apart, 24 - apart))
    overlap_score = np.where(np.isnan(overlap), 0.5, overlap / WORKDAY_HOURS) * OVERLAP
    shared = np.zeros(overlap.shape, dtype=bool)
    for word in range(mentors.masks.shape[1]):
        shared |= (seekers.masks[:, word, None] & mentors.masks[None, :, word]) != 0
    silent = seekers.silent[:, None] | mentors.silent[None, :]
    language_score = np.where(shared, LANGUAGE, np.where(silent, LANGUAGE / 2, 0.0))
    fit = np.round(overlap_score + language_score + mentor_terms[None, :], 3)
    return fit, overlap, shared


def _terms(mentors: Sequence[MentorOffer]) -> NDArray[np.float64]:
    """The part of a fit that depends on the mentor alone: room left and recent load."""
    return np.array(
        [TOPIC + ROOM * m.spare / m.capacity + SPREAD / (1 + m.recent) for m in mentors]
    )


def _vocabulary(mentors: Sequence[MentorOffer]) -> dict[str, int]:
    """Mentors' languages: a seeker's other languages can't be shared with any of them."""
    spoken = sorted(set().union(*(m.person.languages for m in mentors)))
    return {language: bit for bit, language in enumerate(spoken)}


def _classes(indexes: Iterable[int], seekers: Sequence[Seeker]) -> list[list[int]]:
    """Seekers grouped by timezone offset and languages: all a fit depends on of them."""
    groups: dict[tuple[float | None, frozenset[str]], list[int]] = defaultdict(list)
    for i in indexes:
        person = seekers[i].person
        groups[(person.utc_offset, person.languages)].append(i)
    return list(groups.values())


def _first_shared(a: frozenset[str], b: frozenset[str]) -> str | None:
    common = sorted(a & b)
    return common[0] if common else None
