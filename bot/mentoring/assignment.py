"""A round's assignment: the greatest total of copbot's objective (fit, plus a bonus for
requests left out before) over every eligible request-mentor pair, as one min-cost flow
on a graph of aggregated people, not on the pairs themselves (100,000 requests and
20,000 mentors make 300 million pairs).

Why the aggregated graph's optimum is the optimum over every eligible pair:

- A fit is overlap(the two timezones) + language(the two sets of languages) + the mentor's
  own terms (`bot/mentoring/matching.py`). A path class (topic, timezone, languages) ->
  hub (topic, languages, the mentor's timezone) -> profile (topic, the mentor's timezone
  and languages) -> mentor costs the fit of any seeker of the class with that mentor,
  whichever hub and profile it goes through: each arc's cost is the one part of the fit
  its two ends determine.
- Requests of members asking once, on whose topic no mentor is excluded for them (nor is
  the member), are interchangeable within a class: one arc from the source per bonus
  level carries how many of each level the class places.
- So an assignment of the pairs is a flow of the same cost (count each class's pairs per
  hub, profile and mentor), and an integral flow (min-cost flow has an integral optimum)
  splits into paths that are eligible pairs of the same cost: no mentor over their room
  (their arc to the sink), no request placed twice (the class's arcs from the source).
- Every other request stays individual: behind its member's owner node (one request per
  member), to a hub only where no mentor of that timezone is excluded for it, to a
  profile only where none of its mentors is, and to the remaining mentors of the other
  profiles through each profile's segment tree (`bot/mentoring/flows.py`), a few arcs
  instead of one per mentor.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.common.hours import overlap_hours
from bot.mentoring.flows import SINK, SOURCE, SegmentTree, Walker, solve_flow
from bot.mentoring.matching import (
    LEFT_OUT,
    POINT,
    MentorOffer,
    Seeker,
    Side,
    language_points,
    mentor_points,
    overlap_points,
    sharing,
    vocabulary,
)
from bot.mentoring.wire import Assignment

LEVELS = 4  # bonus levels: left out 0, 1, 2, 3 or more times

Ints = NDArray[np.int64]
Pair = tuple[int, int, int]  # request id, mentor index, fit points


def assign(seekers: Sequence[Seeker], mentors: Sequence[MentorOffer]) -> Assignment:
    """The assignment with the greatest total fit (plus a bonus for requests left out
    before) under every mentor's spare capacity, at most one request per member (accepting
    a match cancels the member's other requests); requests may stay unassigned. Pairs come
    by request id; within a class the oldest request gets the best fitting mentor."""
    started = time.perf_counter()
    graph = _Graph(seekers, mentors)
    built = time.perf_counter()
    flows = solve_flow(*graph.arrays(), graph.supply)
    solved = time.perf_counter()
    requests, chosen, points = np.array(graph.pairs(flows), dtype=np.int64).reshape(-1, 3).T
    by_request = np.argsort(requests)
    member_ids = np.array([m.person.member_id for m in mentors], dtype=np.int64)
    request_ids = np.array([s.request_id for s in seekers], dtype=np.int64)
    left_out = request_ids[~np.isin(request_ids, requests)]
    return Assignment(
        requests[by_request],
        member_ids[chosen[by_request]],
        points[by_request],
        left_out,
        (built - started + time.perf_counter() - solved, solved - built),
    )


@dataclass
class _Classes:
    """One topic's classes: the source's arcs into them (one per class and bonus level,
    from `first_arc` on, `sizes` requests each) and their requests in that order."""

    nodes: Ints  # of each arc's class
    first_arc: int
    sizes: Ints
    requests: Ints  # seeker indexes, class by class, higher bonus first, oldest first


class _Graph:
    """The round as a flow network: source, sink, one node per mentor, then per topic
    profiles, hubs, classes and individual requests (see the module's docstring)."""

    def __init__(self, seekers: Sequence[Seeker], mentors: Sequence[MentorOffer]) -> None:
        self.seekers, self.mentors = seekers, mentors
        self.nodes = 2 + len(mentors)  # source, sink, mentors
        self.parts: list[tuple[Ints, Ints, Ints, Ints]] = []
        self.arcs = 0
        self.supply = 0
        self.classes: list[_Classes] = []
        self.singles: list[tuple[int, int]] = []  # (request node, seeker index)
        self.owners: dict[int, int] = {}  # member id: owner node
        self.terms = mentor_points(mentors)
        spare = np.array([m.spare for m in mentors], dtype=np.int64)
        with_room = np.flatnonzero(spare > 0)
        self.add(2 + with_room, np.full(len(with_room), SINK), spare[with_room], 0)
        self.spare = spare
        self._tables()
        self._topics()
        owners = np.array(list(self.owners.values()), dtype=np.int64)
        self.add(np.full(len(owners), SOURCE), owners, 1, 0)
        self.add(np.array([SOURCE]), np.array([SINK]), self.supply, 0)  # leaving one out

    def _tables(self) -> None:
        """Everyone's timezone and languages as small ids, and the overlap and language
        points of every pair of ids."""
        words = vocabulary(self.mentors)
        people = Side.of([s.person for s in self.seekers], words)
        offering = Side.of([m.person for m in self.mentors], words)
        offsets = np.concatenate([people.offsets, offering.offsets])
        unknown = 99.0  # no UTC offset is: every unknown timezone gets one id
        known, self.offset_id = np.unique(np.nan_to_num(offsets, nan=unknown), return_inverse=True)
        known[known == unknown] = np.nan
        self.overlap = overlap_points(overlap_hours(known, known))
        self.seeker_language, self.mentor_language, self.language = _language_ids(people, offering)

    def _topics(self) -> None:
        """Each request plain (in a class) or individual, then each topic's part."""
        offering: dict[str, list[int]] = defaultdict(list)
        by_member: dict[int, list[int]] = defaultdict(list)
        for m, mentor in enumerate(self.mentors):
            by_member[mentor.person.member_id].append(m)
            if mentor.spare > 0:
                for topic in sorted(mentor.topics):  # not in hash order: the same plan anywhere
                    offering[topic].append(m)
        asks = Counter(s.person.member_id for s in self.seekers)
        plain: dict[str, list[int]] = defaultdict(list)
        single: dict[str, list[tuple[int, list[int]]]] = defaultdict(list)
        for s, seeker in enumerate(self.seekers):
            if seeker.topic not in offering:
                continue
            never = seeker.excluded | {seeker.person.member_id}
            touched = [
                m
                for member in never
                for m in by_member.get(member, ())
                if seeker.topic in self.mentors[m].topics and self.mentors[m].spare > 0
            ]
            if touched or asks[seeker.person.member_id] > 1:
                single[seeker.topic].append((s, touched))
            else:
                plain[seeker.topic].append(s)
        for topic, mentors in offering.items():
            if topic in plain or topic in single:
                _Topic(self, np.asarray(mentors, dtype=np.int64)).build(
                    np.asarray(plain[topic], dtype=np.int64), single[topic]
                )

    def new(self, count: int) -> Ints:
        first = self.nodes
        self.nodes += count
        return np.arange(first, self.nodes, dtype=np.int64)

    def owner(self, member_id: int) -> int:
        """The node through which a member's requests pass: at most one is placed."""
        if member_id not in self.owners:
            self.owners[member_id] = int(self.new(1)[0])
            self.supply += 1
        return self.owners[member_id]

    def add(self, tails: Ints, heads: Ints, capacities: Ints | int, costs: Ints | int) -> int:
        """Arcs from `tails` to `heads`; the index of the first."""
        first = self.arcs
        count = len(tails)
        self.parts.append(
            (
                np.asarray(tails, dtype=np.int64),
                np.asarray(heads, dtype=np.int64),
                np.broadcast_to(np.asarray(capacities, dtype=np.int64), count),
                np.broadcast_to(np.asarray(costs, dtype=np.int64), count),
            )
        )
        self.arcs += count
        return first

    def arrays(self) -> tuple[Ints, Ints, Ints, Ints]:
        """The arcs as (tails, heads, capacities, costs), put together once."""
        if self.parts:
            joined = tuple(np.concatenate(a) for a in zip(*self.parts, strict=True))
            self.joined = joined[0], joined[1], joined[2], joined[3]
            self.parts = []
        return self.joined

    def pairs(self, flows: Ints) -> list[Pair]:
        """The flow as request-mentor pairs: each placed request walks arcs that still
        carry flow from its class (or its own node) down to a mentor."""
        walker = Walker(*self.arrays(), flows, self.nodes, range(2, 2 + len(self.mentors)))
        pairs: list[Pair] = []
        for block in self.classes:
            placed = flows[block.first_arc : block.first_arc + len(block.sizes)]
            start = 0
            chosen: dict[int, list[int]] = defaultdict(list)
            for node, size, count in zip(
                block.nodes.tolist(), block.sizes.tolist(), placed.tolist(), strict=True
            ):
                chosen[node].extend(block.requests[start : start + count].tolist())
                start += size
            for node, requests in chosen.items():
                ids = sorted(self.seekers[s].request_id for s in requests)
                ends = sorted(
                    (walker.walk(node) for _ in ids),
                    key=lambda end: (-end[1], self.mentors[end[0]].person.member_id),
                )
                pairs += [(i, m, p) for i, (m, p) in zip(ids, ends, strict=True)]
        for node, s in self.singles:
            if walker.placed(node):
                mentor, points = walker.walk(node)
                pairs.append((self.seekers[s].request_id, mentor, points))
        return pairs


def _language_ids(people: Side, offering: Side) -> tuple[Ints, Ints, Ints]:
    """Seekers' and mentors' languages as ids, and the language points of each pair."""
    sides, ids = [], []
    for side in (people, offering):
        rows = np.column_stack([side.masks, side.silent])
        key, first = _row_ids(rows)
        kinds = rows[first]
        sides.append(Side(side.vocabulary, np.zeros(len(first)), kinds[:, :-1], kinds[:, -1] > 0))
        ids.append(key)
    return ids[0], ids[1], language_points(sharing(*sides), *sides)


def _row_ids(rows: NDArray[np.uint64]) -> tuple[Ints, Ints]:
    """An id per distinct row (ids in order of the rows' values) and the first row of
    each: one column at a time, since a sort of whole rows holds the GIL far longer."""
    key = np.zeros(len(rows), dtype=np.int64)
    for column in rows.T:
        _, ids = np.unique(column, return_inverse=True)
        _, key = np.unique(key * (int(ids.max(initial=0)) + 1) + ids, return_inverse=True)
    _, first = np.unique(key, return_index=True)
    return key.ravel(), first


class _Topic:
    """One topic's part of the graph: its mentors' profiles, the hubs before them, its
    classes and its individual requests."""

    def __init__(self, graph: _Graph, mentors: Ints) -> None:
        self.graph, self.mentors = graph, mentors
        languages = graph.language.shape[1]
        keys = (
            graph.offset_id[len(graph.seekers) + mentors] * languages
            + (graph.mentor_language[mentors])
        )
        profiles, self.profile_of = np.unique(keys, return_inverse=True)
        self.profile_offset, self.profile_language = profiles // languages, profiles % languages
        self.profiles = graph.new(len(profiles))
        graph.add(
            self.profiles[self.profile_of],
            2 + mentors,
            graph.spare[mentors],
            -graph.terms[mentors],
        )
        self.offsets, self.profile_hub = np.unique(self.profile_offset, return_inverse=True)
        self.trees: dict[int, SegmentTree] = {}
        by_profile = np.argsort(self.profile_of, kind="stable")
        bounds = np.searchsorted(self.profile_of[by_profile], np.arange(len(profiles) + 1))
        self.members = [by_profile[a:b] for a, b in itertools.pairwise(bounds.tolist())]
        self.at_hub: list[list[int]] = [[] for _ in self.offsets]
        for p, hub in enumerate(self.profile_hub.tolist()):
            self.at_hub[hub].append(p)
        self.pending: tuple[list[int], list[int], list[int]] = ([], [], [])

    def build(self, plain: Ints, single: list[tuple[int, list[int]]]) -> None:
        graph = self.graph
        asking = np.concatenate([plain, np.array([s for s, _ in single], dtype=np.int64)])
        self.languages = np.unique(graph.seeker_language[asking])
        n_languages, n_offsets, n_profiles = (
            len(self.languages),
            len(self.offsets),
            len(self.profiles),
        )
        self.hubs = graph.new(n_languages * n_offsets).reshape(n_languages, n_offsets)
        language = np.repeat(np.arange(n_languages), n_profiles)
        profile = np.tile(np.arange(n_profiles), n_languages)
        graph.add(
            self.hubs[language, self.profile_hub[profile]],
            self.profiles[profile],
            len(graph.seekers),
            -graph.language[self.languages[language], self.profile_language[profile]],
        )
        if len(plain):
            self._classes(plain)
        for s, touched in single:
            self._single(s, touched)
        self.flush()

    def _classes(self, plain: Ints) -> None:
        """Interchangeable requests as one node per timezone and languages, fed from the
        source by bonus level, with one arc to each hub of their languages."""
        graph = self.graph
        offset = graph.offset_id[plain]
        language = np.searchsorted(self.languages, graph.seeker_language[plain])
        level = np.array([min(graph.seekers[s].left_out, LEVELS - 1) for s in plain])
        keys, of_class, sizes = np.unique(
            offset * len(self.languages) + language, return_inverse=True, return_counts=True
        )
        nodes = graph.new(len(keys))
        group = of_class * LEVELS + (LEVELS - 1 - level)  # higher bonus first
        request_ids = np.array([graph.seekers[s].request_id for s in plain])
        order = np.lexsort((request_ids, group))
        groups, counts = np.unique(group, return_counts=True)
        bonus = (LEVELS - 1 - groups % LEVELS) * round(LEFT_OUT * POINT)
        first = graph.add(np.full(len(groups), SOURCE), nodes[groups // LEVELS], counts, -bonus)
        graph.supply += len(plain)
        graph.classes.append(_Classes(nodes[groups // LEVELS], first, counts, plain[order]))
        n_languages, n_offsets = len(self.languages), len(self.offsets)
        row = np.repeat(np.arange(len(keys)), n_offsets)
        hub = np.tile(np.arange(n_offsets), len(keys))
        graph.add(
            nodes[row],
            self.hubs[(keys % n_languages)[row], hub],
            sizes[row],
            -graph.overlap[(keys // n_languages)[row], self.offsets[hub]],
        )

    def _single(self, s: int, touched: list[int]) -> None:
        """A request on its own: through its member's owner node, avoiding the hubs and
        profiles that lead to a mentor it must not get."""
        graph = self.graph
        seeker = graph.seekers[s]
        node = int(graph.new(1)[0])
        bonus = round(min(seeker.left_out, LEVELS - 1) * LEFT_OUT * POINT)
        self._arc(graph.owner(seeker.person.member_id), node, -bonus)
        graph.singles.append((node, s))
        avoid = np.searchsorted(self.mentors, touched)  # positions among the topic's mentors
        bad_profiles = sorted(set(self.profile_of[avoid].tolist()))
        bad_hubs = set(self.profile_hub[bad_profiles].tolist())
        language = graph.seeker_language[s]
        overlap = graph.overlap[graph.offset_id[s]]
        row = int(np.searchsorted(self.languages, language))
        for hub, offset in enumerate(self.offsets.tolist()):
            if hub not in bad_hubs:
                self._arc(node, int(self.hubs[row, hub]), -int(overlap[offset]))
        near = [p for h in sorted(bad_hubs) for p in self.at_hub[h] if p not in bad_profiles]
        points = (
            overlap[self.profile_offset[near]]
            + graph.language[language, self.profile_language[near]]
        )
        for p, point in zip(near, points.tolist(), strict=True):
            self._arc(node, int(self.profiles[p]), -point)
        for p in bad_profiles:
            pair = int(
                overlap[self.profile_offset[p]] + graph.language[language, self.profile_language[p]]
            )
            self._around(node, pair, p, avoid)

    def _around(self, node: int, pair: int, profile: int, avoid: Ints) -> None:
        """Arcs from a request to every mentor of a profile but those it must not get,
        through the profile's segment tree: a few arcs however many mentors it has."""
        members = self.members[profile]
        if len(members) < 2:
            return  # its one mentor is excluded
        graph = self.graph
        if profile not in self.trees:
            mentors = self.mentors[members]
            self.trees[profile] = SegmentTree(
                graph, 2 + mentors, graph.terms[mentors], graph.spare[mentors]
            )
        excluded = np.searchsorted(members, avoid[self.profile_of[avoid] == profile])
        for head, points in self.trees[profile].cover(sorted(set(excluded.tolist()))):
            self._arc(node, head, -(pair + points))

    def _arc(self, tail: int, head: int, cost: int) -> None:
        """An arc of capacity one, kept until `flush` adds them all at once."""
        self.pending[0].append(tail)
        self.pending[1].append(head)
        self.pending[2].append(cost)

    def flush(self) -> None:
        tails, heads, costs = (np.array(p, dtype=np.int64) for p in self.pending)
        self.graph.add(tails, heads, 1, costs)
