"""Seating whoever the candidate graph left without a group."""

from __future__ import annotations

import numpy as np

from bot.intros import solve
from bot.intros.weights import Crowd, Ints, pair_weights


def pairs_of(partner: Ints) -> list[tuple[int, ...]]:
    """The pairs of a matching given as each node's partner."""
    return [(a, int(b)) for a, b in enumerate(partner.tolist()) if a < b]


def seat_the_rest(crowd: Crowd, groups: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Whoever the candidate graph could not match: matched exactly among themselves on
    every pair, and a last one on their own joins the group they fit best."""
    seated = np.zeros(crowd.size, dtype=bool)
    for group in groups:
        seated[list(group)] = True
    rest = np.flatnonzero(~seated)
    if len(rest) >= 2:
        u, v = np.triu_indices(len(rest), 1)
        weights, allowed = pair_weights(crowd, rest[u], rest[v])
        partner = solve.exact(len(rest), u[allowed], v[allowed], weights[allowed])
        groups = groups + [(int(rest[a]), int(rest[b])) for a, b in pairs_of(partner)]
        rest = rest[partner < 0]
    for person in rest.tolist():
        groups = _join_best(crowd, groups, int(person))
    return groups


def _join_best(crowd: Crowd, groups: list[tuple[int, ...]], person: int) -> list[tuple[int, ...]]:
    """The group where `person` adds most (a link to one member), allowed with all."""
    best, gain = None, None
    for at, group in enumerate(groups):
        weights, allowed = pair_weights(crowd, np.full(len(group), person), np.array(group))
        if allowed.all() and (gain is None or weights.max() > gain):
            best, gain = at, int(weights.max())
    if best is None:
        return groups  # avoid lists leave them no one: left out, and the caller says so
    group = groups[best]
    weights, _ = pair_weights(crowd, np.full(len(group), person), np.array(group))
    link = group[int(weights.argmax())]
    joined = (link, *[m for m in group if m != link], person)
    return [*groups[:best], joined, *groups[best + 1 :]]
