"""A round of intros: every participant in one group, the total weight as high as it goes.

Pairs are a maximum-weight matching on a general graph (bot/intros/solve.py) over the
candidate pairs (bot/intros/candidates.py), among the matchings that leave the fewest
people out. An odd count makes one trio, planned in the same matching: each person gets
a copy that may take a partner of its own, each copy a private stand-in, and one extra
node takes the stand-in of exactly one copy. So exactly one person is matched twice,
and the trio is that person with both partners; its weight is those two links, its two
strongest (the third, weakest link adds nothing, and so the round stays a matching,
solved exactly where the matching is). A trio whose third link breaks a rule (avoid
list, repeat window) is planned again by branch and bound (`_best_with_a_trio`), exact
within _TRIO_TRIES matchings; beyond, the third joins the group they fit best.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from bot.intros import solve, threes
from bot.intros.candidates import FULL_UP_TO, candidate_graph, every_pair
from bot.intros.model import Participant, Round, Rules, assemble
from bot.intros.reasons import describe
from bot.intros.seating import pairs_of, seat_the_rest
from bot.intros.weights import REPEAT, Crowd, Ints, encode, pair_weights

_TRIO_TRIES = 12


DEFAULT_RULES = Rules()


def plan_round(participants: Sequence[Participant], rules: Rules = DEFAULT_RULES) -> Round:
    """The round (every participant grouped, reasons included); slow at scale: see
    bot/intros/worker.py for running it off the event loop."""
    started = time.perf_counter()
    crowd = encode(participants, rules)
    groups = plan(crowd, rules.size)
    return assemble(participants, describe(participants, crowd, groups), started)


def plan(crowd: Crowd, size: int = 2) -> list[tuple[int, ...]]:
    """Groups as index tuples into the crowd; a trio lists its two-link member first."""
    if size == 3:
        return threes.plan_threes(crowd, candidate_graph(crowd))
    n = crowd.size
    if n % 2 == 0:
        return seat_the_rest(crowd, pairs_of(_best_pairs(crowd)))
    u, v, weights = candidate_graph(crowd)
    return seat_the_rest(crowd, _best_with_a_trio(crowd, u, v, weights))


def _best_pairs(crowd: Crowd) -> Ints:
    """Each person's partner in a maximum-weight matching: on every pair where every pair
    is scored (the candidates, then every pair no better matching can do without), on the
    drawn candidates beyond."""
    n = crowd.size
    if n > FULL_UP_TO:
        return solve.matching(n, *candidate_graph(crowd))
    priced = every_pair(crowd)
    u, v, weights = priced.graph()
    partner = solve.matching(n, u, v, weights)
    if (partner < 0).any():  # the bound is on weight alone: only a perfect matching is
        return partner  # sure to have the most people too
    wider = priced.needed_for(int(weights[partner[u] == v].sum()))
    if len(wider[0]) == len(u):
        return partner
    return solve.matching(n, *wider)


def _best_with_a_trio(crowd: Crowd, u: Ints, v: Ints, weights: Ints) -> list[tuple[int, ...]]:
    """The best grouping whose trio keeps every rule, by branch and bound: a trio
    (centre c, partner b, third a) whose link a-b breaks a rule is excluded by two
    branches that between them keep every valid grouping: without c's copy linking to a,
    or without the pair c-b (a valid grouping using that copy link has another partner
    for c). A branch's matching bounds every grouping in it, so a branch no better than
    the best valid grouping found is dropped."""
    n = crowd.size
    best: tuple[tuple[int, int], list[tuple[int, ...]]] | None = None
    last: list[tuple[int, ...]] = []
    branches: list[tuple[frozenset[int], frozenset[int]]] = [(frozenset(), frozenset())]
    for _ in range(_TRIO_TRIES):
        if not branches:
            break
        copies_banned, pairs_banned = branches.pop()
        groups, trio = _with_a_trio(n, u, v, weights, copies_banned, pairs_banned)
        value = _value(crowd, groups)
        if best is not None and value <= best[0]:
            continue
        if trio is None or _third_link_allowed(crowd, trio):
            best = (value, groups)
            continue
        last = [g for g in groups if g != trio] + [trio[:2]]  # the third seated elsewhere
        centre, partner, third = trio
        branches.append((copies_banned | {centre * n + third}, pairs_banned))
        branches.append((copies_banned, pairs_banned | {_key(n, centre, partner)}))
    return best[1] if best is not None else last


def _key(n: int, a: int, b: int) -> int:
    return min(a, b) * n + max(a, b)


def _value(crowd: Crowd, groups: list[tuple[int, ...]]) -> tuple[int, int]:
    """(people seated, weight) of groups whose first member links to each other one."""
    firsts = np.array([g[0] for g in groups for _ in g[1:]], dtype=np.int64)
    others = np.array([m for g in groups for m in g[1:]], dtype=np.int64)
    return sum(map(len, groups)), int(pair_weights(crowd, firsts, others)[0].sum())


def _with_a_trio(
    n: int,
    u: Ints,
    v: Ints,
    weights: Ints,
    copies_banned: frozenset[int],
    pairs_banned: frozenset[int],
) -> tuple[list[tuple[int, ...]], tuple[int, int, int] | None]:
    """(groups, the trio as (centre, partner, third)) from the matching on the graph with
    copies (n + i), stand-ins (2n + i) and the one extra node (3n) described above."""
    pair = ~np.isin(u * n + v, list(pairs_banned))
    u, v, weights = u[pair], v[pair], weights[pair]
    copy_u, copy_v = np.concatenate([u, v]), np.concatenate([v, u])
    keep = ~np.isin(copy_u * n + copy_v, list(copies_banned))
    people = np.arange(n, dtype=np.int64)
    tails = np.concatenate([u, n + copy_u[keep], n + people, 2 * n + people])
    heads = np.concatenate([v, copy_v[keep], 2 * n + people, np.full(n, 3 * n)])
    costs = np.concatenate(
        [weights, np.concatenate([weights, weights])[keep], np.zeros(2 * n, dtype=np.int64)]
    )
    partner = solve.matching(3 * n + 1, tails, heads, costs)
    real = np.where(partner[:n] < n, partner[:n], -1)
    groups = pairs_of(real)
    centre = [c for c in range(n) if 0 <= partner[n + c] < n]
    if not centre:
        return groups, None
    c = centre[0]
    trio = (c, int(real[c]), int(partner[n + c]))
    if trio[1] < 0:  # the centre has no partner of its own: its copy's link is a pair
        return [*groups, (c, trio[2])], None
    groups = [g for g in groups if c not in g]
    return [*groups, trio], trio


def _third_link_allowed(crowd: Crowd, trio: tuple[int, int, int]) -> bool:
    weight, allowed = pair_weights(crowd, np.array([trio[1]]), np.array([trio[2]]))
    return bool(allowed[0]) and bool(weight[0] > -REPEAT // 2)
