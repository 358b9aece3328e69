"""Where every pair can be scored (up to candidates.FULL_UP_TO people), which pairs a
round needs, proven by linear programming rather than guessed by each one's best few.

Each person's best few make a graph that misses what the round needs: people whose last
intro was weak, or who teach a popular topic, are on everyone's list, so the others' lists
hold few pairs among themselves (at 1,000 people the best 20 each fell 2.9% short of the
optimum). So the graph grows by pricing, as in column generation: the fractional matching
LP on the graph (GLOP) gives each person a dual value y; a pair outside whose weight beats
y_u + y_v could improve it and joins; until none does. Then y bounds every matching on
every pair (weak duality), and a pair whose reduced cost y_u + y_v - w_uv exceeds the gap
between that bound and a matching already found is in no better matching
(`needed_for`): the pairs left hold every optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import linear_solver_pb2, pywraplp

from bot.intros.weights import Ints

Floats = NDArray[np.float64]
ROUNDS = 12  # LPs solved at most; degenerate duals can bring back a few pairs each time
JOIN = 10  # the pairs that break a person's dual most, joining per round
_EPSILON = 1e-6


@dataclass(frozen=True)
class Priced:
    """Every allowed pair (`u`, `v`, `weights`), those in the graph, and a dual feasible
    on every pair (the LP's, raised where pricing stopped short)."""

    u: Ints
    v: Ints
    weights: Ints
    chosen: NDArray[np.bool_]
    dual: Floats

    def graph(self) -> tuple[Ints, Ints, Ints]:
        return self.u[self.chosen], self.v[self.chosen], self.weights[self.chosen]

    def needed_for(self, lower: int) -> tuple[Ints, Ints, Ints]:
        """The graph and every pair a matching weighing more than `lower` can use: a
        matching weighs at most sum(dual) less the reduced costs of its pairs."""
        slack = float(self.dual.sum()) - lower + _EPSILON
        keep = self.chosen | (self._reduced_costs() <= slack)
        return self.u[keep], self.v[keep], self.weights[keep]

    def _reduced_costs(self) -> Floats:
        return self.dual[self.u] + self.dual[self.v] - self.weights


def price(n: int, u: Ints, v: Ints, weights: Ints, chosen: NDArray[np.bool_]) -> Priced:
    """The graph `chosen` among the pairs (u, v), grown until the LP's dual is feasible on
    every pair or ROUNDS are done (the dual then raised to be)."""
    chosen = chosen.copy()
    dual = np.zeros(n)
    for _ in range(ROUNDS):
        dual = _lp_dual(n, u[chosen], v[chosen], weights[chosen])
        broken = (dual[u] + dual[v] - weights < -_EPSILON) & ~chosen
        if not broken.any():
            return Priced(u, v, weights, chosen, dual)
        chosen[_worst_of_each(n, u, v, dual[u] + dual[v] - weights, broken)] = True
    return Priced(u, v, weights, chosen, _raised(n, u, v, weights, dual))


def _lp_dual(n: int, u: Ints, v: Ints, weights: Ints) -> Floats:
    """y of the fractional matching LP's dual: max w.x, each person's pairs sum <= 1."""
    request = linear_solver_pb2.MPModelRequest(
        solver_type=linear_solver_pb2.MPModelRequest.GLOP_LINEAR_PROGRAMMING
    )
    model = request.model
    model.maximize = True
    for weight in weights.tolist():
        model.variable.add(lower_bound=0.0, upper_bound=np.inf, objective_coefficient=weight)
    ends = np.concatenate([u, v])
    order = np.argsort(ends, kind="stable")
    pairs = np.concatenate([np.arange(len(u))] * 2)[order]
    bounds = np.searchsorted(ends[order], np.arange(n + 1)).tolist()
    for person in range(n):
        columns = pairs[bounds[person] : bounds[person + 1]].tolist()
        row = model.constraint.add(lower_bound=-np.inf, upper_bound=1.0)
        row.var_index.extend(columns)
        row.coefficient.extend([1.0] * len(columns))
    response = linear_solver_pb2.MPSolutionResponse()
    pywraplp.Solver.SolveWithProto(request, response)
    if response.status != linear_solver_pb2.MPSOLVER_OPTIMAL:
        raise RuntimeError(f"the intros' LP ended {response.status}")
    dual: Floats = np.maximum(0.0, np.array(response.dual_value))
    return dual


def _worst_of_each(n: int, u: Ints, v: Ints, costs: Floats, broken: NDArray[np.bool_]) -> Ints:
    """The JOIN most negative reduced costs of each person, among the broken pairs."""
    which = np.flatnonzero(broken)
    ends = np.concatenate([u[which], v[which]])
    pair = np.concatenate([which, which])
    order = np.lexsort((np.concatenate([costs[which]] * 2), ends))
    ends, pair = ends[order], pair[order]
    rank = np.arange(len(ends)) - np.searchsorted(ends, ends)
    return pair[rank < JOIN]


def _raised(n: int, u: Ints, v: Ints, weights: Ints, dual: Floats) -> Floats:
    """`dual` raised until feasible on every pair: each pair (u < v) short of its weight
    raises y_u by the most any of u's pairs is short."""
    short = np.maximum(0.0, weights - dual[u] - dual[v])
    raised = dual.copy()
    np.maximum.at(raised, u, dual[u] + short)
    return raised
