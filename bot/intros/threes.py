"""Groups of three (programmes of size 3): a heuristic, not an optimum.

Grouping people in threes at the highest weight is NP-hard (it contains partition into
triangles), so: the round's maximum-weight matching gives pairs; the strongest pairs
stay as cores, the members of the weakest become third members, and the third members
join cores greedily, the highest gain first (a link from the third to one member of the
core, among the candidate pairs, allowed with both). The count decides the shape:
n = 3t: t trios; 3t + 1: t - 1 trios and two pairs; 3t + 2: t trios and a pair.
"""

from __future__ import annotations

import numpy as np

from bot.intros import solve
from bot.intros.seating import pairs_of, seat_the_rest
from bot.intros.weights import Crowd, Ints, pair_weights


def plan_threes(crowd: Crowd, graph: tuple[Ints, Ints, Ints]) -> list[tuple[int, ...]]:
    n = crowd.size
    trios = n // 3 - (1 if n % 3 == 1 and n > 3 else 0)
    u, v, weights = graph
    pairs = pairs_of(solve.matching(n, u, v, weights))
    if not pairs:
        return seat_the_rest(crowd, [])
    ends = np.array(pairs, dtype=np.int64)
    strength = pair_weights(crowd, ends[:, 0], ends[:, 1])[0]
    order = np.argsort(-strength, kind="stable")
    cores = ends[order[: trios + (n - 3 * trios) // 2]]
    thirds = np.ones(n, dtype=bool)
    thirds[cores.ravel()] = False
    return seat_the_rest(crowd, _join(crowd, cores, np.flatnonzero(thirds), graph))


def _join(
    crowd: Crowd, cores: Ints, thirds: Ints, graph: tuple[Ints, Ints, Ints]
) -> list[tuple[int, ...]]:
    """Third members into cores, greedily by the gain of the best link, allowed with both."""
    u, v, _ = graph
    core_of = np.full(crowd.size, -1, dtype=np.int64)
    core_of[cores[:, 0]] = core_of[cores[:, 1]] = np.arange(len(cores))
    is_third = np.zeros(crowd.size, dtype=bool)
    is_third[thirds] = True
    person = np.concatenate([u[is_third[u]], v[is_third[v]]])
    core = core_of[np.concatenate([v[is_third[u]], u[is_third[v]]])]
    person, core = person[core >= 0], core[core >= 0]
    one, ok_one = pair_weights(crowd, person, cores[core, 0])
    two, ok_two = pair_weights(crowd, person, cores[core, 1])
    ok = ok_one & ok_two
    person, core, one, two = person[ok], core[ok], one[ok], two[ok]
    groups: list[tuple[int, ...]] = [tuple(c) for c in cores.tolist()]
    taken_core = np.zeros(len(cores), dtype=bool)
    seated = np.zeros(crowd.size, dtype=bool)
    for k in np.argsort(-np.maximum(one, two), kind="stable").tolist():
        if taken_core[core[k]] or seated[person[k]]:
            continue
        taken_core[core[k]] = seated[person[k]] = True
        a, b = groups[core[k]]
        centre, other = (a, b) if one[k] >= two[k] else (b, a)
        groups[core[k]] = (centre, other, int(person[k]))
    return groups
