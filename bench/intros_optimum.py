"""The optimum of an intros round, computed apart from copbot's engine to check it: it
shares only the objective's constants (bot/intros/weights.py) and scores every pair its
own way (boolean topic matrices multiplied, where the engine uses bit masks and index
arrays), on the FULL graph of every allowed pair, never the engine's candidates.

- `lp_bound`: a dual of the fractional matching LP feasible on every pair, whose sum
  bounds the optimum. HiGHS solves the LP on some pairs (any pairs: here the engine's
  candidates, scored anew); its dual y (y_u + y_v >= w_uv on those pairs) is then checked
  against EVERY pair, and raised where a pair breaks it. The raised y is feasible for the
  dual of the LP on every pair, so sum(y) bounds the optimum whatever pairs the LP started
  from: the pruning can make the bound looser, never wrong. The pairs that broke it are
  added and the LP solved again, until none does.
- `exact_optimum`: networkx's maximum-weight matching among the maximum-cardinality ones
  (an implementation of the blossom algorithm apart from the engine's rustworkx), on
  every allowed pair that an optimum can use by LP reduced cost. For an even count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import networkx as nx
import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray
from scipy.optimize import linprog

from bot.intros.model import Participant, Rules
from bot.intros.weights import (
    INTEREST,
    INTERESTS_COUNTED,
    LANGUAGE,
    NOVELTY,
    OVERLAP,
    REPEAT,
    SWAP,
    TEACH,
    WEAK_SHARE,
)

Floats = NDArray[np.float64]
_ROWS = 400  # rows of the full weight matrix scored at once
_PAIRS = 200_000  # pairs scored at once


class Everyone:
    """Every participant as boolean matrices, to score blocks of the full weight matrix."""

    def __init__(self, people: Sequence[Participant], rules: Rules) -> None:
        self.n = len(people)
        self.index = {p.member_id: i for i, p in enumerate(people)}
        self.teach, self.learn = self._matrix(people, "teaches", "learns")
        (self.interest,) = self._matrix(people, "interests")
        (self.speak,) = self._matrix(people, "languages")
        self.silent = self.speak.sum(1) == 0
        self.offset = np.array([np.nan if p.utc_offset is None else p.utc_offset for p in people])
        self.weak = np.array([p.weak_last_round for p in people], dtype=np.int64)
        self.window = 7 * rules.repeat_weeks
        rows, cols, days, avoid_r, avoid_c = [], [], [], [], []
        for i, p in enumerate(people):
            for other, d in p.met_days_ago.items():
                if other in self.index:
                    rows += [i, self.index[other]]
                    cols += [self.index[other], i]
                    days += [d + 1, d + 1]
            for other in p.avoid:
                if other in self.index:
                    avoid_r += [i, self.index[other]]
                    avoid_c += [self.index[other], i]
        self.met = _most_recent(rows, cols, days, self.n)  # days + 1; 0: never met
        self.avoid = sparse.csr_matrix(
            (np.ones(len(avoid_r)), (avoid_r, avoid_c)), shape=(self.n,) * 2
        )

    @staticmethod
    def _matrix(people: Sequence[Participant], *fields: str) -> list[Floats]:
        words = sorted({w for p in people for f in fields for w in getattr(p, f)})
        column = {w: k for k, w in enumerate(words)}
        out = []
        for f in fields:
            m = np.zeros((len(people), max(1, len(words))), dtype=np.float32)
            for i, p in enumerate(people):
                m[i, [column[w] for w in getattr(p, f)]] = 1
            out.append(m)
        return out

    def block(self, start: int, stop: int) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """(weight, allowed) of rows start..stop against everyone."""
        r = slice(start, stop)
        return self._scored(
            forward=(self.teach[r] @ self.learn.T) > 0,
            backward=(self.learn[r] @ self.teach.T) > 0,
            shared=self.interest[r] @ self.interest.T,
            speaks=(self.speak[r] @ self.speak.T) > 0,
            met=self.met[r].toarray(),
            avoided=self.avoid[r].toarray() != 0,
            a=np.arange(start, stop)[:, None],
            b=np.arange(self.n)[None, :],
        )

    def blocks(self) -> Iterator[tuple[int, NDArray[np.int64], NDArray[np.bool_]]]:
        for start in range(0, self.n, _ROWS):
            yield (start, *self.block(start, min(self.n, start + _ROWS)))

    def weights(self, i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.int64]:
        """The weight of each pair (i[k], j[k]); an AssertionError if one is not allowed."""
        out = np.zeros(len(i), dtype=np.int64)
        for start in range(0, len(i), _PAIRS):
            a, b = i[start : start + _PAIRS], j[start : start + _PAIRS]
            weights, allowed = self._scored(
                forward=(self.teach[a] * self.learn[b]).sum(1) > 0,
                backward=(self.learn[a] * self.teach[b]).sum(1) > 0,
                shared=(self.interest[a] * self.interest[b]).sum(1),
                speaks=(self.speak[a] * self.speak[b]).sum(1) > 0,
                met=np.asarray(self.met[a, b]).ravel(),
                avoided=np.asarray(self.avoid[a, b]).ravel() != 0,
                a=a,
                b=b,
            )
            if not allowed.all():
                raise AssertionError("a pair that may not be grouped")
            out[start : start + _PAIRS] = weights
        return out

    def _scored(
        self,
        *,
        forward: NDArray[np.bool_],
        backward: NDArray[np.bool_],
        shared: Floats,
        speaks: NDArray[np.bool_],
        met: NDArray[np.int64],
        avoided: NDArray[np.bool_],
        a: NDArray[np.int64],
        b: NDArray[np.int64],
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """(weight, allowed) of the pairs (a, b), from what their matrices' rows share."""
        fit = TEACH * (forward.astype(np.int64) + backward) + SWAP * (forward & backward)
        fit += INTEREST * np.minimum(np.rint(shared).astype(np.int64), INTERESTS_COUNTED)
        apart = np.abs(self.offset[a] - self.offset[b]) % 24
        hours = np.maximum(0.0, 8.0 - np.minimum(apart, 24 - apart))
        fit += np.rint(np.where(np.isnan(hours), 0.5, hours / 8.0) * OVERLAP).astype(np.int64)
        silent = self.silent[a] | self.silent[b]
        fit += np.where(speaks, LANGUAGE, np.where(silent, LANGUAGE // 2, 0))
        days = met.astype(np.int64) - 1  # -1: never met
        repeat = (days >= 0) & (days < self.window)
        since = np.where(days >= 0, np.minimum(days, 2 * self.window), 2 * self.window)
        fit += np.where(repeat, 0, NOVELTY * since // max(1, 2 * self.window))
        fit += fit * (self.weak[a] + self.weak[b]) // WEAK_SHARE
        return fit - REPEAT * repeat, ~avoided & (a != b)


def _most_recent(rows: list[int], cols: list[int], days: list[int], n: int) -> sparse.csr_matrix:
    """Where two lists name the same meeting differently, the most recent counts."""
    latest: dict[tuple[int, int], int] = {}
    for (r, c), d in zip(zip(rows, cols, strict=True), days, strict=True):
        latest[r, c] = min(d, latest.get((r, c), d))
    keys = list(latest)
    return sparse.csr_matrix(
        ([latest[k] for k in keys], ([k[0] for k in keys], [k[1] for k in keys])), shape=(n, n)
    )


def exact_optimum(everyone: Everyone, y: Floats, lower: int) -> int:
    """The maximum weight among maximum-cardinality matchings on every allowed pair.

    networkx's blossom takes hours on all 500,000 pairs of 1,000 people, so pairs that no
    optimum can use are left out first, by LP reduced cost: with `y` feasible for the dual
    on every pair (`lp_bound`), any matching M weighs sum(y) minus at least the reduced
    costs y_u + y_v - w_uv of its pairs, so a pair of an optimum costs at most
    sum(y) - optimum <= sum(y) - `lower`, for any `lower` some matching reaches. The
    pairs kept hold every optimum, whatever `lower` was: only how many pairs are kept
    depends on it."""
    slack = float(y.sum()) - lower + 1e-6
    graph = nx.Graph()
    graph.add_nodes_from(range(everyone.n))
    for start, weights, allowed in everyone.blocks():
        rows = np.arange(start, start + len(weights))
        cost = y[rows, None] + y[None, :] - weights
        keep = allowed & (cost <= slack) & (rows[:, None] < np.arange(everyone.n)[None, :])
        r, c = np.nonzero(keep)
        graph.add_weighted_edges_from(
            zip((r + start).tolist(), c.tolist(), weights[r, c].tolist(), strict=True)
        )
    matched = nx.max_weight_matching(graph, maxcardinality=True)
    if 2 * len(matched) != everyone.n:
        raise AssertionError("no perfect matching on every allowed pair")
    return sum(graph[a][b]["weight"] for a, b in matched)


def lp_bound(
    everyone: Everyone, u: NDArray[np.int64], v: NDArray[np.int64], rounds: int = 8
) -> Floats:
    """A dual y feasible on every pair, so sum(y) bounds the maximum-weight matching
    (module docstring); the LP is solved again with the pairs that broke it until none
    does or `rounds` are done."""
    pairs = {(int(a), int(b)) for a, b in zip(np.minimum(u, v), np.maximum(u, v), strict=True)}
    best: Floats | None = None
    for _ in range(rounds):
        y = _lp_dual(everyone, sorted(pairs))
        raised, broken = _raise_to_feasible(everyone, y)
        if best is None or raised.sum() < best.sum():
            best = raised
        if not broken:
            break
        pairs |= broken
    assert best is not None
    return best


def _lp_dual(everyone: Everyone, pairs: list[tuple[int, int]]) -> Floats:
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    w = everyone.weights(a, b).astype(float)
    k = np.arange(len(pairs))
    incidence = sparse.csr_matrix(
        (np.ones(2 * len(pairs)), (np.concatenate([a, b]), np.concatenate([k, k]))),
        shape=(everyone.n, len(pairs)),
    )
    solved = linprog(-w, A_ub=incidence, b_ub=np.ones(everyone.n), bounds=(0, None), method="highs")
    if solved.status != 0:
        raise RuntimeError(solved.message)
    return np.maximum(0.0, -np.asarray(solved.ineqlin.marginals))


def _raise_to_feasible(everyone: Everyone, y: Floats) -> tuple[Floats, set[tuple[int, int]]]:
    """y raised until y_u + y_v >= w_uv on every allowed pair (u < v raises y_u by its
    row's largest shortfall, so each pair is mended once), and the pairs that broke it
    (each row's worst few)."""
    raised = y.copy()
    broken: set[tuple[int, int]] = set()
    for start, weights, allowed in everyone.blocks():
        rows = np.arange(start, start + len(weights))
        later = rows[:, None] < np.arange(everyone.n)[None, :]
        short = np.where(allowed & later, weights - y[rows, None] - y[None, :], 0.0)
        raised[rows] += np.maximum(0.0, short.max(axis=1))
        worst = np.argpartition(-short, 5, axis=1)[:, :5]  # the five worst, in any order
        for r, cols in zip(rows.tolist(), worst.tolist(), strict=True):
            broken |= {(r, c) for c in cols if short[r - start, c] > 1e-6}
    return raised, broken
