"""The optimum of copbot's objective over every eligible pair, computed apart from copbot's
round (bot/mentoring/assignment.py) to check it: it shares only the objective (the fit
formula `fit_matrix`, plus LEFT_OUT per earlier round left out, up to three) and builds
its own graphs and solves them its own way.

- `explicit_pairs`: one arc per eligible request-mentor pair (mentor offers the topic and
  has room, is neither the member nor excluded for the request).
- `lp_optimum`: those pairs as a linear program for SciPy's HiGHS: at most one pair per
  member, at most a mentor's room. The matrix is the incidence matrix of a bipartite
  (member, mentor) multigraph, totally unimodular, so the LP optimum is the integer one.
- `flow_optimum`: the same pairs as an OR-Tools min-cost flow, source -> member -> request
  -> mentor -> sink.
- `relaxed_bound`: for communities too large to list every pair (100,000 x 20,000 is
  300 million): every exclusion dropped, which can only raise the optimum, and requests
  equal in topic, timezone and languages merged (then interchangeable) into one node with
  an arc to every mentor of the topic. An upper bound: a round within 0.5% of it is within
  0.5% of the optimum, and equal to it is optimal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sparse
from numpy.typing import ArrayLike, NDArray
from ortools.graph.python import min_cost_flow
from scipy.optimize import linprog

from bot.mentoring.matching import (
    LEFT_OUT,
    MentorOffer,
    Seeker,
    Side,
    fit_matrix,
    mentor_points,
    vocabulary,
)

Ints = NDArray[np.int64]
_BLOCK = 2_000_000  # pairs scored at once


def bonus_points(seekers: Sequence[Seeker]) -> Ints:
    return np.array([round(1000 * LEFT_OUT * min(s.left_out, 3)) for s in seekers], dtype=np.int64)


def _topics(
    seekers: Sequence[Seeker], offers: Sequence[MentorOffer]
) -> Iterator[tuple[Ints, Ints, Ints, Ints]]:
    """Per topic: (its requests, the mentors with room offering it, each request's class
    of equal timezone and languages, the fit points of each class and mentor)."""
    offering: dict[str, list[int]] = defaultdict(list)
    for m, offer in enumerate(offers):
        if offer.spare > 0:
            for topic in sorted(offer.topics):
                offering[topic].append(m)
    asking: dict[str, list[int]] = defaultdict(list)
    for s, seeker in enumerate(seekers):
        asking[seeker.topic].append(s)
    words = vocabulary(offers)
    for topic, requests in asking.items():
        mentors = np.array(offering.get(topic, []), dtype=np.int64)
        if not len(mentors):
            continue
        side = Side.of([offers[m].person for m in mentors], words)
        terms = mentor_points([offers[m] for m in mentors])
        index: dict[object, int] = {}
        people = [seekers[s].person for s in requests]
        of_class = np.array(
            [index.setdefault((p.utc_offset, p.languages), len(index)) for p in people],
            dtype=np.int64,
        )
        first = np.unique(of_class, return_index=True)[1]
        points = np.zeros((len(first), len(mentors)), dtype=np.int64)
        step = max(1, _BLOCK // len(mentors))
        for start in range(0, len(first), step):
            rows = first[start : start + step]
            fits = fit_matrix(Side.of([people[r] for r in rows], words), side, terms)[0]
            points[start : start + step] = np.rint(fits * 1000).astype(np.int64)
        yield np.array(requests, dtype=np.int64), mentors, of_class, points


def explicit_pairs(
    seekers: Sequence[Seeker], offers: Sequence[MentorOffer]
) -> tuple[Ints, Ints, Ints]:
    """(request, mentor, points = 1000 x (fit + bonus)) of every eligible pair."""
    where = {o.person.member_id: m for m, o in enumerate(offers)}
    bonus = bonus_points(seekers)
    rows, cols, points = [], [], []
    for requests, mentors, of_class, fits in _topics(seekers, offers):
        keep = np.ones((len(requests), len(mentors)), dtype=bool)
        column = {int(m): j for j, m in enumerate(mentors)}
        for i, s in enumerate(requests.tolist()):
            for member in seekers[s].excluded | {seekers[s].person.member_id}:
                j = column.get(where.get(member, -1))
                if j is not None:
                    keep[i, j] = False
        i, j = np.nonzero(keep)
        rows.append(requests[i])
        cols.append(mentors[j])
        points.append(fits[of_class[i], j] + bonus[requests[i]])
    if not rows:
        return (np.zeros(0, dtype=np.int64),) * 3
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(points)


def lp_optimum(
    rows: Ints, cols: Ints, points: Ints, seekers: Sequence[Seeker], offers: Sequence[MentorOffer]
) -> float:
    if not len(rows):
        return 0.0
    edges = len(rows)
    _, member = np.unique([seekers[r].person.member_id for r in rows.tolist()], return_inverse=True)
    by_member = sparse.csr_matrix((np.ones(edges), (member, np.arange(edges))))
    by_mentor = sparse.csr_matrix(
        (np.ones(edges), (cols, np.arange(edges))), shape=(len(offers), edges)
    )
    bounds = np.concatenate([np.ones(by_member.shape[0]), [o.spare for o in offers]])
    solved = linprog(
        -points.astype(float), A_ub=sparse.vstack([by_member, by_mentor]), b_ub=bounds,
        bounds=(0, 1), method="highs",
    )  # fmt: skip
    if solved.status != 0:
        raise RuntimeError(solved.message)
    return round(-solved.fun / 1000, 3)


def flow_optimum(
    rows: Ints, cols: Ints, points: Ints, seekers: Sequence[Seeker], offers: Sequence[MentorOffer]
) -> float:
    """Nodes: 0 source, 1 sink, then members, requests, mentors."""
    _, member = np.unique([s.person.member_id for s in seekers], return_inverse=True)
    members = int(member.max()) + 1 if len(seekers) else 0
    first_request = 2 + members
    first_mentor = first_request + len(seekers)
    tails = [
        np.zeros(members),
        2 + member,
        first_request + rows,
        first_mentor + np.arange(len(offers)),
    ]
    heads = [
        2 + np.arange(members),
        first_request + np.arange(len(seekers)),
        first_mentor + cols,
        np.ones(len(offers)),
    ]
    capacities = [
        np.ones(members),
        np.ones(len(seekers)),
        np.ones(len(rows)),
        [o.spare for o in offers],
    ]
    costs = [np.zeros(members), np.zeros(len(seekers)), -points, np.zeros(len(offers))]
    return _solve(tails, heads, capacities, costs, members)


def relaxed_bound(seekers: Sequence[Seeker], offers: Sequence[MentorOffer]) -> float:
    """An upper bound (see the module's docstring). Nodes: 0 source, 1 sink, mentors, then
    one per (topic, timezone, languages) class; bonus levels as parallel source arcs."""
    bonus = bonus_points(seekers)
    tails, heads, capacities, costs = [], [], [], []
    first_mentor, nodes = 2, 2 + len(offers)
    for requests, mentors, of_class, fits in _topics(seekers, offers):
        classes = nodes + np.arange(len(fits))
        nodes += len(fits)
        level, count = np.unique(of_class * 100_000 + bonus[requests], return_counts=True)
        tails.append(np.zeros(len(level)))
        heads.append(classes[level // 100_000])
        capacities.append(count)
        costs.append(-(level % 100_000))
        size = np.bincount(of_class)
        tails.append(np.repeat(classes, len(mentors)))
        heads.append(np.tile(first_mentor + mentors, len(classes)))
        capacities.append(np.repeat(size, len(mentors)))
        costs.append(-fits.ravel())
    tails.append(first_mentor + np.arange(len(offers)))
    heads.append(np.ones(len(offers)))
    capacities.append([o.spare for o in offers])
    costs.append(np.zeros(len(offers)))
    return _solve(tails, heads, capacities, costs, len(seekers))


def _solve(
    tails: list[ArrayLike],
    heads: list[ArrayLike],
    capacities: list[ArrayLike],
    costs: list[ArrayLike],
    supply: int,
) -> float:
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        *(
            np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])
            for parts in (tails, heads, capacities, costs)
        )
    )
    flow.add_arc_with_capacity_and_unit_cost(0, 1, supply, 0)  # a request left out
    flow.set_node_supply(0, supply)
    flow.set_node_supply(1, -supply)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("the independent flow found no optimum")
    return round(-flow.optimal_cost() / 1000, 3)
