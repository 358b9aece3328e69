"""Why each group was put together: the parts of each counted link an intro can say."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.intros.model import Group, Link, Participant
from bot.intros.weights import REPEAT, Crowd, pair_weights


def describe(
    participants: Sequence[Participant], crowd: Crowd, groups: Sequence[tuple[int, ...]]
) -> list[Group]:
    """Each group with its links: the first member's link to each other member (a pair:
    its one link; a trio: its two strongest, the ones its weight counts)."""
    firsts = np.array([g[0] for g in groups for _ in g[1:]], dtype=np.int64)
    seconds = np.array([m for g in groups for m in g[1:]], dtype=np.int64)
    weights, _ = pair_weights(crowd, firsts, seconds)
    described = []
    at = 0
    for group in groups:
        links = []
        for other in group[1:]:
            links.append(_link(participants, crowd, group[0], other, int(weights[at])))
            at += 1
        described.append(Group(tuple(participants[m].member_id for m in group), tuple(links)))
    return described


def _link(participants: Sequence[Participant], crowd: Crowd, i: int, j: int, weight: int) -> Link:
    a, b = participants[i], participants[j]
    hours = float(crowd.zone_hours[crowd.zone[i], crowd.zone[j]])
    common = sorted(a.languages & b.languages)
    return Link(
        members=(a.member_id, b.member_id),
        weight=weight,
        first_teaches=tuple(sorted(a.teaches & b.learns)),
        second_teaches=tuple(sorted(b.teaches & a.learns)),
        shared_interests=tuple(sorted(a.interests & b.interests)),
        overlap_hours=None if np.isnan(hours) else hours,
        shared_language=common[0] if common else None,
        repeat=weight < -REPEAT // 2,
    )
