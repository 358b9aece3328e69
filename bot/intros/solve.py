"""Maximum-weight matchings among the most people possible, on a candidate graph.

Up to EXACT_UP_TO nodes: Edmonds' blossom algorithm (rustworkx), exact. Beyond, the
blossom algorithm is too slow (21 s for 10,000 people), so the matching is relaxed: the
fractional matching is an assignment on the doubled bipartite graph (each person once as
a giver, once as a taker), which OR-Tools solves exactly (twice as fast as its min-cost
flow on the same graph). Its optimum
is half-integral: pairs at 1, odd cycles at 1/2. The pairs stand; the people on cycles
(a small share) are matched again exactly among themselves, with their full weights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import rustworkx as rx
from ortools.graph.python import linear_sum_assignment

from bot.intros.weights import REPEAT, Ints

EXACT_UP_TO = 6_000  # nodes, with a trio's extra nodes (3 per person)
LEAVE = 4 * REPEAT  # a person left unmatched: worse than any pair, a repeat included

Scorer = Callable[[Ints, Ints], tuple[Ints, Ints, Ints]]  # nodes -> their allowed pairs


def exact(nodes: int, u: Ints, v: Ints, weights: Ints) -> Ints:
    """Each node's partner (-1: none) in a maximum-weight matching among the
    maximum-cardinality ones."""
    graph = rx.PyGraph()
    graph.add_nodes_from(range(nodes))
    # Every maximum-cardinality matching has as many edges: shifting the weights positive
    # changes none of their order.
    shifted = (weights + LEAVE).tolist()
    graph.add_edges_from(list(zip(u.tolist(), v.tolist(), shifted, strict=True)))
    partner = np.full(nodes, -1, dtype=np.int64)
    for a, b in rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int):
        partner[a], partner[b] = b, a
    return partner


def relaxed(nodes: int, u: Ints, v: Ints, weights: Ints) -> tuple[Ints, Ints]:
    """(each node's partner, -1: none or on an odd cycle; the nodes on odd cycles) of an
    optimal half-integral matching: giver i takes taker j at the pair's weight, or takes
    itself (left out) at -LEAVE."""
    assignment = linear_sum_assignment.SimpleLinearSumAssignment()
    people = np.arange(nodes, dtype=np.int64)
    assignment.add_arcs_with_cost(
        np.concatenate([u, v, people]),
        np.concatenate([v, u, people]),
        np.concatenate([-weights, -weights, np.full(nodes, LEAVE, dtype=np.int64)]),
    )
    if assignment.solve() != assignment.OPTIMAL:
        raise RuntimeError("the intros' relaxed matching has no optimum")
    takes = np.array([assignment.right_mate(i) for i in range(nodes)], dtype=np.int64)
    mutual = (takes != people) & (takes[takes] == people)
    partner = np.where(mutual, takes, -1)
    cycling = np.flatnonzero(~mutual & (takes != people))
    return partner, cycling


def matching(nodes: int, u: Ints, v: Ints, weights: Ints) -> Ints:
    """Each node's partner (-1: none) on the candidate graph."""
    if nodes <= EXACT_UP_TO:
        return exact(nodes, u, v, weights)
    partner, cycling = relaxed(nodes, u, v, weights)
    inside = np.zeros(nodes, dtype=bool)
    inside[cycling] = True
    among = inside[u] & inside[v]
    local = np.full(nodes, -1, dtype=np.int64)
    local[cycling] = np.arange(len(cycling))
    again = exact(len(cycling), local[u[among]], local[v[among]], weights[among])
    matched = again >= 0
    partner[cycling[matched]] = cycling[again[matched]]
    return partner
