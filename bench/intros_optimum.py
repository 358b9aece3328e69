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

import time
from collections.abc import Callable, Iterator, Sequence

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
Ints = NDArray[np.int64]
_ROWS = 100  # rows of the full weight matrix scored at once (arrays that stay in cache)
_PAIRS = 200_000  # pairs scored at once
SETTLED = 5e-4  # a round of the LP bound that gains less than this share of it is the last


class Everyone:
    """Every participant as boolean matrices, to score blocks of the full weight matrix.

    What two people's time zones and languages give depends only on the two (zone,
    languages) settings, so it is scored once per pair of distinct settings (`between`),
    and history is sparse: a block starts from "never met" and mends the pairs that met."""

    def __init__(self, people: Sequence[Participant], rules: Rules) -> None:
        self.n = len(people)
        self.index = {p.member_id: i for i, p in enumerate(people)}
        self.teach, self.learn = self._matrix(people, "teaches", "learns")
        (self.interest,) = self._matrix(people, "interests")
        (speak,) = self._matrix(people, "languages")
        offset = np.array([np.nan if p.utc_offset is None else p.utc_offset for p in people])
        self.setting, self.between = _settings(offset, speak)
        self.weak = np.array([p.weak_last_round for p in people], dtype=np.int8)
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

    def block(self, start: int, stop: int) -> tuple[NDArray[np.int32], NDArray[np.bool_]]:
        """(weight, allowed) of rows start..stop against everyone."""
        r = slice(start, stop)
        met, avoided = self.met[r].tocoo(), self.avoid[r].tocoo()
        allowed = np.ones((stop - start, self.n), dtype=np.bool_)
        allowed[avoided.row, avoided.col] = False
        allowed[np.arange(stop - start), np.arange(start, stop)] = False
        weights = self._scored(
            forward=(self.teach[r] @ self.learn.T) > 0,
            backward=(self.learn[r] @ self.teach.T) > 0,
            shared=self.interest[r] @ self.interest.T,
            between=self.between[self.setting[r]].take(self.setting, axis=1),
            weak=self.weak[r, None] + self.weak[None, :],
            met_at=(met.row, met.col),
            met_days=met.data.astype(np.int64),
        )
        return weights, allowed

    def blocks(self) -> Iterator[tuple[int, NDArray[np.int32], NDArray[np.bool_]]]:
        for start in range(0, self.n, _ROWS):
            yield (start, *self.block(start, min(self.n, start + _ROWS)))

    def weights(self, i: Ints, j: Ints) -> Ints:
        """The weight of each pair (i[k], j[k]); an AssertionError if one is not allowed."""
        out = np.zeros(len(i), dtype=np.int64)
        for start in range(0, len(i), _PAIRS):
            a, b = i[start : start + _PAIRS], j[start : start + _PAIRS]
            if (a == b).any() or (np.asarray(self.avoid[a, b]).ravel() != 0).any():
                raise AssertionError("a pair that may not be grouped")
            days = np.asarray(self.met[a, b]).ravel().astype(np.int64)
            (met_at,) = np.nonzero(days)
            out[start : start + _PAIRS] = self._scored(
                forward=(self.teach[a] * self.learn[b]).sum(1) > 0,
                backward=(self.learn[a] * self.teach[b]).sum(1) > 0,
                shared=(self.interest[a] * self.interest[b]).sum(1),
                between=self.between[self.setting[a], self.setting[b]],
                weak=self.weak[a] + self.weak[b],
                met_at=(met_at,),
                met_days=days[met_at],
            )
        return out

    def _scored(
        self,
        *,
        forward: NDArray[np.bool_],
        backward: NDArray[np.bool_],
        shared: NDArray[np.float32],
        between: NDArray[np.int32],
        weak: NDArray[np.int8],
        met_at: tuple[Ints, ...],
        met_days: Ints,
    ) -> NDArray[np.int32]:
        """The weight of pairs from what their rows share (any shape), scored as if they
        had never met, then mended where they did (`met_at`, `met_days`: days + 1)."""
        fit = forward.astype(np.int32)  # in place, in 32 bits: blocks are large
        fit += backward
        fit *= TEACH
        np.add(fit, SWAP, out=fit, where=forward & backward)
        interests = np.rint(shared).astype(np.int32)
        np.minimum(interests, INTERESTS_COUNTED, out=interests)
        interests *= INTEREST
        fit += interests
        fit += between
        fit += NOVELTY  # never met: the whole novelty
        days = met_days - 1
        repeat = days < self.window
        since = np.minimum(days, 2 * self.window)
        fit[met_at] += np.where(repeat, 0, NOVELTY * since // max(1, 2 * self.window)) - NOVELTY
        extra = fit * weak
        extra //= WEAK_SHARE
        fit += extra
        fit[tuple(at[repeat] for at in met_at)] -= REPEAT
        return fit


def _settings(offset: Floats, speak: Floats) -> tuple[Ints, NDArray[np.int32]]:
    """Each person's (zone, languages) setting, and what each pair of settings adds to a
    pair's fit: working-hours overlap (half when either zone is unknown) and a shared
    language (half when either named none)."""
    keys = np.column_stack([np.nan_to_num(offset, nan=99.0), speak])
    distinct, setting = np.unique(keys, axis=0, return_inverse=True)
    zone, speaks = distinct[:, 0], distinct[:, 1:]
    unknown = zone == 99.0
    apart = np.abs(zone[:, None] - zone[None, :]) % 24
    hours = np.maximum(0.0, 8.0 - np.minimum(apart, 24 - apart))
    unsure = unknown[:, None] | unknown[None, :]
    between = np.rint(np.where(unsure, 0.5, hours / 8.0) * OVERLAP).astype(np.int64)
    silent = speaks.sum(1) == 0
    shared = (speaks @ speaks.T) > 0
    quiet = silent[:, None] | silent[None, :]
    between += np.where(shared, LANGUAGE, np.where(quiet, LANGUAGE // 2, 0))
    return setting.ravel().astype(np.int64), between.astype(np.int32)


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
    everyone: Everyone,
    u: NDArray[np.int64],
    v: NDArray[np.int64],
    rounds: int = 8,
    report: Callable[[str], None] = lambda line: None,
) -> Floats:
    """A dual y feasible on every pair, so sum(y) bounds the maximum-weight matching
    (module docstring); the LP is solved again with the pairs that broke it until none
    does, the bound gains less than `SETTLED` of itself in a round, or `rounds` are done.
    Stopping early only leaves the bound looser: each round's is valid."""
    pairs = {(int(a), int(b)) for a, b in zip(np.minimum(u, v), np.maximum(u, v), strict=True)}
    best: Floats | None = None
    for k in range(rounds):
        started = time.perf_counter()
        y = _lp_dual(everyone, sorted(pairs))
        solved = time.perf_counter()
        raised, broken = _raise_to_feasible(everyone, y)
        report(
            f"LP round {k + 1}: {len(pairs):,} pairs, LP {solved - started:.0f} s, every pair"
            f" checked {time.perf_counter() - solved:.0f} s; LP {y.sum():,.0f}, bound"
            f" {raised.sum():,.0f}, {len(broken):,} pairs broke it"
        )
        gained = np.inf if best is None else best.sum() - raised.sum()
        if best is None or raised.sum() < best.sum():
            best = raised
        if not broken or gained < SETTLED * best.sum():
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
        short = weights - y[rows, None]
        short -= y[None, :]
        short *= allowed
        short[:, :start] = 0.0  # each pair once: u < v
        square = short[:, start : start + len(rows)]
        square[np.tril_indices(len(rows))] = 0.0
        most = short.max(axis=1)
        raised[rows] += np.maximum(0.0, most)
        (hot,) = np.nonzero(most > 1e-6)
        worst = np.argpartition(-short[hot], 5, axis=1)[:, :5]  # the five worst, any order
        for r, cols in zip(hot.tolist(), worst.tolist(), strict=True):
            broken |= {(start + r, c) for c in cols if short[r, c] > 1e-6}
    return raised, broken
