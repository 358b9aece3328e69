"""Which pairs a round considers: each participant's best few, by the true weight.

An exact general matching on every pair is too slow at scale (rustworkx needs a minute
for 1,000 people on all 500,000 pairs), and a person's best partners are few: so each
participant keeps their KEEP best candidates, and the graph is the union of both sides'
lists (symmetric, so no one loses a partner who chose them). Up to FULL_UP_TO people
every pair is scored, and the lists grow by pricing until the graph provably holds the
round's optimum (bot/intros/pricing.py). Beyond, candidates are drawn from where good
pairs are: people who swap skills with them, teach what they learn, learn what they teach,
share an interest (most of them in their own time zone or the next: the overlap of working
hours is a large part of a pair's weight, and a random holder of a popular topic is
usually far away), a few who swap skills with them and share one of their interests (the
best pairs; among thousands of swap partners of a popular topic, random draws miss them:
at 50,000 people the round weighed 1.3% under the LP bound without them, 0.6% with),
plus a few at random so the graph stays connected.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from bot.intros.pricing import Priced, price
from bot.intros.weights import Crowd, Ints, pair_weights

FULL_UP_TO = 2_000
KEEP_FULL = 20
KEEP_DRAWN = 40
DRAWS = 24  # candidates drawn per relation (a topic swapped, taught, learnt or shared)
NEAR = 16  # of which in the same time zone or the next ones
SWAP_DRAWS, SWAP_NEAR = 6, 4  # drawn per skill swap and interest, and of them near
RANDOM = 6  # candidates drawn at random per participant
_BLOCK = 4_000_000  # pairs scored at once


def candidate_graph(crowd: Crowd, seed: int = 0) -> tuple[Ints, Ints, Ints]:
    """(u, v, weight) with u < v: the pairs a round chooses from, allowed ones only."""
    n = crowd.size
    if n <= FULL_UP_TO:
        return every_pair(crowd).graph()
    u, v, weights = _scored(crowd, *_drawn(crowd, np.random.default_rng(seed)))
    best = _best_of_each(n, u, v, weights, KEEP_DRAWN)
    return u[best], v[best], weights[best]


def every_pair(crowd: Crowd) -> Priced:
    """Every allowed pair, each one's KEEP_FULL best grown by pricing (bot/intros/pricing.py)."""
    u, v, weights = _scored(crowd, *np.triu_indices(crowd.size, 1))
    return price(crowd.size, u, v, weights, _best_of_each(crowd.size, u, v, weights, KEEP_FULL))


def _scored(crowd: Crowd, u: Ints, v: Ints) -> tuple[Ints, Ints, Ints]:
    """The allowed pairs among (u, v), with their weights."""
    u, v = u.astype(np.int64), v.astype(np.int64)
    weights = np.empty(len(u), dtype=np.int64)
    allowed = np.empty(len(u), dtype=bool)
    for start in range(0, len(u), _BLOCK):
        part = slice(start, start + _BLOCK)
        weights[part], allowed[part] = pair_weights(crowd, u[part], v[part])
    return u[allowed], v[allowed], weights[allowed]


def _best_of_each(n: int, u: Ints, v: Ints, weights: Ints, keep: int) -> NDArray[np.bool_]:
    """Pairs among the `keep` best of either member."""
    ends = np.concatenate([u, v])
    pair = np.concatenate([np.arange(len(u))] * 2)
    # One sort on (member, best weight first): a weight's rank, shifted non-negative,
    # fits in the low 32 bits.
    rank_of = np.argsort(np.argsort(-weights, kind="stable"), kind="stable")
    order = np.argsort((ends << 32) | np.concatenate([rank_of, rank_of]))
    starts = np.searchsorted(ends[order], np.arange(n))
    rank = np.arange(len(order)) - starts[ends[order]]
    chosen = np.zeros(len(u), dtype=bool)
    chosen[pair[order[rank < keep]]] = True
    return chosen


def _drawn(crowd: Crowd, rng: np.random.Generator) -> tuple[Ints, Ints]:
    """Unique candidate pairs (u < v) drawn per relation, as described above."""
    teaches, learns = _holders(crowd.teaches), _holders(crowd.learns)
    interests = _holders(crowd.interests)
    topics = crowd.teaches.shape[1] * 64
    zones = len(crowd.zone_overlap)
    # A swap partner of someone teaching t and learning l teaches l and learns t.
    swap_keys = _key_pairs(learns, teaches, topics)
    offered = _key_pairs(teaches, learns, topics)
    # ... and one who shares their interest i has that swap key and i.
    kinds = crowd.interests.shape[1] * 64
    swap_and_interest = _key_pairs(swap_keys, interests, kinds)
    offered_and_interest = _key_pairs(offered, interests, kinds)
    queries = [
        (swap_keys, offered, DRAWS, NEAR),
        (learns, teaches, DRAWS, NEAR),
        (teaches, learns, DRAWS, NEAR),
        (interests, interests, DRAWS, NEAR),
        (swap_and_interest, offered_and_interest, SWAP_DRAWS, SWAP_NEAR),
    ]
    firsts, seconds = [], []
    for (who, key), (holder, held), draws, near in queries:
        a, b = _draw(who, key, holder, held, crowd.zone, zones, rng, draws, near)
        firsts.append(a)
        seconds.append(b)
    people = np.repeat(np.arange(crowd.size), RANDOM)
    firsts.append(people)
    seconds.append(rng.integers(0, crowd.size, len(people)))
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    low, high = np.minimum(a, b), np.maximum(a, b)
    keys = np.sort(low[low != high] * crowd.size + high[low != high])
    unique = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    return unique // crowd.size, unique % crowd.size


def _holders(masks: NDArray[np.uint64]) -> tuple[Ints, Ints]:
    """(person, bit) of every bit set."""
    bits = np.unpackbits(masks.view(np.uint8), axis=1, bitorder="little")
    person, bit = np.nonzero(bits)
    return person.astype(np.int64), bit.astype(np.int64)


def _key_pairs(
    first: tuple[Ints, Ints], second: tuple[Ints, Ints], topics: int
) -> tuple[Ints, Ints]:
    """(person, first bit * topics + second bit) for every pair of a person's bits (both
    lists are sorted by person)."""
    people = max(first[0].max(initial=-1), second[0].max(initial=-1)) + 2
    bounds = np.searchsorted(second[0], np.arange(people))
    start, count = bounds[first[0]], bounds[first[0] + 1] - bounds[first[0]]
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    at = np.repeat(start, count) + offset
    return np.repeat(first[0], count), np.repeat(first[1], count) * topics + second[1][at]


def _draw(
    who: Ints,
    key: Ints,
    holder: Ints,
    held: Ints,
    zone: Ints,
    zones: int,
    rng: np.random.Generator,
    draws: int,
    near_draws: int,
) -> tuple[Ints, Ints]:
    """For each (who, key), `draws` holders of that key at random (with repeats): `near_draws`
    of them among holders in `who`'s time zone or the next ones (the overlap of working
    hours is a large part of a pair's weight), the rest among all holders."""
    spot = held * zones + zone[holder]
    order = np.argsort(spot, kind="stable")
    spot, holder = spot[order], holder[order]
    start = np.searchsorted(spot, key * zones)
    end = np.searchsorted(spot, key * zones + zones - 1, side="right")
    home = zone[who]
    near_start = np.searchsorted(spot, key * zones + np.maximum(home - 1, 0))
    near_end = np.searchsorted(spot, key * zones + np.minimum(home + 1, zones - 1), side="right")
    found = end > start
    near = near_end > near_start
    starts = np.where(near, near_start, start)[:, None].repeat(draws, axis=1)
    sizes = np.where(near, near_end - near_start, end - start)[:, None].repeat(draws, axis=1)
    starts[:, near_draws:], sizes[:, near_draws:] = start[:, None], (end - start)[:, None]
    who, starts, sizes = who[found], starts[found], sizes[found]
    picks = starts + (rng.random(starts.shape) * sizes).astype(np.int64)
    return np.repeat(who, draws), holder[picks.ravel()]
