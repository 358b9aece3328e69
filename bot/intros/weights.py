"""How well two participants fit: one formula (`pair_weights`) over index arrays, so a
round scores a million candidate pairs at numpy speed and the reason an intro gives is
the weight the round used.

A weight is in thousandths of a point (integers, so the solvers are exact): a skill swap
(each teaches what the other wants to learn) scores both one-way fits and a bonus on top;
then shared interests, working-hours overlap, a shared language and how long ago they
last met (never: the most). Someone whose last intro was weak counts the fit half again,
so the round gives them one of its better pairs. People who met within the repeat window
lose REPEAT, more than any grouping can gain elsewhere, so they meet again only where no
other grouping exists; avoid lists forbid a pair outright.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.common.hours import WORKDAY_HOURS, overlap_hours
from bot.intros.model import Participant, Rules

POINT = 1000
TEACH = 20 * POINT  # one of them teaches what the other wants to learn
SWAP = 30 * POINT  # both ways: on top of the two one-way fits
INTEREST = 8 * POINT  # per shared interest, up to three
INTERESTS_COUNTED = 3
OVERLAP = 25 * POINT  # a full shared working day
LANGUAGE = 10 * POINT  # half when either named no language
NOVELTY = 10 * POINT  # never met; met long ago: in proportion, full after two windows
REPEAT = 100_000 * POINT  # met within the repeat window
WEAK_SHARE = 2  # a weak match last round adds 1/WEAK_SHARE of the fit

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Crowd:
    """Participants as arrays (bit masks over each vocabulary), with their history as
    sorted pair keys (`i * n + j`, both orders), so a pair's facts are array look-ups."""

    teaches: NDArray[np.uint64]
    learns: NDArray[np.uint64]
    interests: NDArray[np.uint64]
    languages: NDArray[np.uint64]
    silent: NDArray[np.bool_]
    zone: NDArray[np.int64]  # index into `zone_overlap`
    zone_overlap: NDArray[np.int64]  # overlap points between zones
    zone_hours: NDArray[np.float64]  # overlap hours between zones (NaN: unknown)
    weak: NDArray[np.int64]
    met_keys: Ints
    met_days: Ints
    avoid_keys: Ints
    repeat_days: int

    @property
    def size(self) -> int:
        return len(self.zone)


def encode(participants: Sequence[Participant], rules: Rules) -> Crowd:
    """The arrays of a round (a plain loop: in a thread it lets the event loop run)."""
    index = {p.member_id: i for i, p in enumerate(participants)}
    topics = _vocabulary(t for p in participants for t in p.teaches | p.learns)
    offsets = sorted({p.utc_offset for p in participants if p.utc_offset is not None})
    zones = np.array([*offsets, np.nan])
    zone_of = {offset: z for z, offset in enumerate(offsets)}
    hours = overlap_hours(zones, zones)
    points = np.rint(np.where(np.isnan(hours), 0.5, hours / WORKDAY_HOURS) * OVERLAP)
    n = len(participants)
    met: dict[int, int] = {}
    avoid: set[int] = set()
    for i, p in enumerate(participants):
        for other, days in p.met_days_ago.items():
            j = index.get(other)
            if j is not None and j != i:
                for key in (i * n + j, j * n + i):
                    met[key] = min(days, met.get(key, days))
        for other in p.avoid:
            j = index.get(other)
            if j is not None:
                avoid.update((i * n + j, j * n + i))
    keys = np.array(sorted(met), dtype=np.int64)
    return Crowd(
        teaches=_masks([p.teaches for p in participants], topics),
        learns=_masks([p.learns for p in participants], topics),
        interests=_masks(
            [p.interests for p in participants],
            _vocabulary(t for p in participants for t in p.interests),
        ),
        languages=_masks(
            [p.languages for p in participants],
            _vocabulary(t for p in participants for t in p.languages),
        ),
        silent=np.array([not p.languages for p in participants], dtype=bool),
        zone=np.array(
            [len(offsets) if p.utc_offset is None else zone_of[p.utc_offset] for p in participants],
            dtype=np.int64,
        ),
        zone_overlap=points.astype(np.int64),
        zone_hours=hours,
        weak=np.array([p.weak_last_round for p in participants], dtype=np.int64),
        met_keys=keys,
        met_days=np.array([met[k] for k in keys.tolist()], dtype=np.int64),
        avoid_keys=np.array(sorted(avoid), dtype=np.int64),
        repeat_days=7 * rules.repeat_weeks,
    )


def _vocabulary(words: object) -> dict[str, int]:
    return {word: bit for bit, word in enumerate(sorted(set(words)))}  # type: ignore[call-overload]


def _masks(sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> NDArray[np.uint64]:
    masks = np.zeros((len(sets), max(1, -(-len(vocabulary) // 64))), dtype=np.uint64)
    for row, words in enumerate(sets):
        for word in words:
            bit = vocabulary[word]
            masks[row, bit // 64] |= np.uint64(1 << (bit % 64))
    return masks


def pair_weights(crowd: Crowd, i: Ints, j: Ints) -> tuple[Ints, NDArray[np.bool_]]:
    """(weight, allowed) of each pair (i[k], j[k]): the one formula of a pair's weight."""
    forward = (crowd.teaches[i] & crowd.learns[j]).any(axis=1)
    backward = (crowd.teaches[j] & crowd.learns[i]).any(axis=1)
    fit = TEACH * (forward.astype(np.int64) + backward) + SWAP * (forward & backward)
    shared = np.bitwise_count(crowd.interests[i] & crowd.interests[j]).sum(axis=1)
    fit += INTEREST * np.minimum(shared, INTERESTS_COUNTED).astype(np.int64)
    fit += crowd.zone_overlap[crowd.zone[i], crowd.zone[j]]
    speaks = (crowd.languages[i] & crowd.languages[j]).any(axis=1)
    silent = crowd.silent[i] | crowd.silent[j]
    fit += np.where(speaks, LANGUAGE, np.where(silent, LANGUAGE // 2, 0))
    keys = i * crowd.size + j
    days = _look_up(crowd.met_keys, crowd.met_days, keys)
    met = days >= 0
    repeat = met & (days < crowd.repeat_days)
    since = np.where(met, np.minimum(days, 2 * crowd.repeat_days), 2 * crowd.repeat_days)
    fit += np.where(repeat, 0, NOVELTY * since // max(1, 2 * crowd.repeat_days))
    fit += fit * (crowd.weak[i] + crowd.weak[j]) // WEAK_SHARE
    allowed = (i != j) & (_look_up(crowd.avoid_keys, np.zeros_like(crowd.avoid_keys), keys) < 0)
    return fit - REPEAT * repeat, allowed


def _look_up(keys: Ints, values: Ints, wanted: Ints) -> Ints:
    """The value of each wanted key, -1 where it has none."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], -1)
