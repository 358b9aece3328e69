"""The intros grouping engine: optimal against brute force on small rounds, hard rules
kept, everyone grouped, skill swaps first."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import combinations

import networkx as nx
import numpy as np
import pytest

from bot.intros import candidates, pricing, solve
from bot.intros.grouping import plan_round
from bot.intros.model import Participant, Round, Rules
from bot.intros.weights import REPEAT, encode, pair_weights
from bot.intros.worker import plan_round_off_loop

TOPICS = ["python", "go", "sql", "rust", "k8s", "ml"]


def community(n: int, seed: int, avoid: float = 0.15, met: float = 0.15) -> list[Participant]:
    rng = random.Random(seed)
    people = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        people.append(
            Participant(
                member_id=100 + i,
                teaches=frozenset(rng.sample(TOPICS, rng.randint(0, 2))),
                learns=frozenset(rng.sample(TOPICS, rng.randint(0, 2))),
                interests=frozenset(rng.sample(TOPICS, rng.randint(0, 3))),
                utc_offset=rng.choice([None, -5.0, 0.0, 1.0, 5.5, 9.0]),
                languages=frozenset(rng.sample(["en", "de", "es"], rng.randint(0, 2))),
                met_days_ago={100 + j: rng.randint(0, 200) for j in others if rng.random() < met},
                avoid=frozenset(100 + j for j in others if rng.random() < avoid),
                weak_last_round=rng.random() < 0.2,
            )
        )
    return people


def weight_table(people: list[Participant]) -> dict[tuple[int, int], int | None]:
    """Every pair's weight (None: not allowed), by member id."""
    crowd = encode(people, Rules())
    i, j = (np.array(side) for side in zip(*combinations(range(len(people)), 2), strict=True))
    weights, allowed = pair_weights(crowd, i, j)
    ids = [p.member_id for p in people]
    return {
        (ids[a], ids[b]): int(w) if ok else None
        for a, b, w, ok in zip(i.tolist(), j.tolist(), weights.tolist(), allowed, strict=True)
    }


def brute_force(ids: list[int], table: dict[tuple[int, int], int | None]) -> int | None:
    """The best grouping by exhaustive enumeration: pairs, and one trio when the count is
    odd, scored by its two strongest links; every link in a group allowed, and a trio's
    uncounted link no repeat."""

    def link(a: int, b: int) -> int | None:
        return table[min(a, b), max(a, b)]

    def best(rest: tuple[int, ...], trio_left: bool) -> int | None:
        if not rest:
            return None if trio_left else 0
        first, others = rest[0], rest[1:]
        found = None
        for k, b in enumerate(others):
            w = link(first, b)
            if w is None:
                continue
            remaining = others[:k] + others[k + 1 :]
            below = best(remaining, trio_left)
            if below is not None and (found is None or w + below > found):
                found = w + below
            if trio_left:
                for m, c in enumerate(remaining):
                    links = [link(first, b), link(first, c), link(b, c)]
                    if c < b or None in links:
                        continue
                    weakest, *counted = sorted(links)  # type: ignore[type-var]
                    if weakest < -REPEAT // 2:
                        continue  # a repeat hidden in the uncounted link: not allowed
                    below = best(remaining[:m] + remaining[m + 1 :], False)
                    value = sum(counted)
                    if below is not None and (found is None or value + below > found):
                        found = value + below
        return found

    return best(tuple(ids), len(ids) % 2 == 1)


def groups_ok(people: list[Participant], plan: Round) -> None:
    """Everyone in exactly one group; no group holds two people either of whom avoids
    the other."""
    seated = sorted(m for g in plan.groups for m in g.members)
    assert seated == sorted(p.member_id for p in people)
    avoid = {p.member_id: p.avoid for p in people}
    for group in plan.groups:
        for a, b in combinations(group.members, 2):
            assert b not in avoid[a] and a not in avoid[b]


@pytest.mark.parametrize("seed", range(40))
def test_a_round_is_the_brute_force_optimum(seed: int) -> None:
    people = community(random.Random(seed).randint(2, 10), seed)
    table = weight_table(people)
    optimum = brute_force([p.member_id for p in people], table)
    plan = plan_round(people)
    if optimum is None:
        assert plan.left_out  # avoid lists leave no grouping of everyone
        return
    groups_ok(people, plan)
    assert plan.weight == optimum
    assert [len(g.members) for g in plan.groups].count(3) == len(people) % 2


def test_avoid_lists_keep_people_apart_either_way() -> None:
    people = community(60, seed=3, avoid=0.3)
    plan = plan_round(people)
    groups_ok(people, plan)
    assert any(p.avoid for p in people)


def test_people_who_met_lately_meet_again_only_when_nothing_else_is_left() -> None:
    alice = Participant(
        1, teaches=frozenset({"go"}), learns=frozenset({"sql"}), met_days_ago={2: 7}
    )
    bob = Participant(2, teaches=frozenset({"sql"}), learns=frozenset({"go"}), met_days_ago={1: 7})
    carol, dave = Participant(3), Participant(4)
    plan = plan_round([alice, bob, carol, dave])
    assert {frozenset(g.members) for g in plan.groups} != {frozenset({1, 2}), frozenset({3, 4})}
    assert plan.repeats == 0
    alone = plan_round([alice, bob])
    assert [g.members for g in alone.groups] == [(1, 2)]
    assert alone.repeats == 1 and alone.groups[0].links[0].repeat
    long_ago = plan_round([alice, bob], Rules(repeat_weeks=1))
    assert long_ago.repeats == 0 and long_ago.weight > 0


@pytest.mark.parametrize("n", [3, 7, 11, 101, 2_501])
def test_an_odd_count_makes_one_trio_and_leaves_no_one_out(n: int) -> None:
    people = community(n, seed=n, avoid=0.0 if n < 5 else 1 / n, met=min(0.15, 8 / n))
    plan = plan_round(people)
    groups_ok(people, plan)
    assert sorted(len(g.members) for g in plan.groups) == [2] * (n // 2 - 1) + [3]
    assert plan.repeats == 0 and not plan.left_out
    trio = next(g for g in plan.groups if len(g.members) == 3)
    assert len(trio.links) == 2  # the two it counts


def test_a_skill_swap_scores_highest_and_the_reason_says_so() -> None:
    swap_a = Participant(1, teaches=frozenset({"python"}), learns=frozenset({"go"}), utc_offset=0.0)
    swap_b = Participant(2, teaches=frozenset({"go"}), learns=frozenset({"python"}), utc_offset=9.0)
    # Same timezone, shared interests and language as a: a better fit on every other count.
    near = Participant(
        3,
        learns=frozenset({"python"}),
        interests=frozenset({"k8s", "ml"}),
        utc_offset=0.0,
        languages=frozenset({"en"}),
    )
    other = Participant(4, interests=frozenset({"k8s", "ml"}), languages=frozenset({"en"}))
    plan = plan_round([swap_a, swap_b, near, other])
    by_member = {m: g for g in plan.groups for m in g.members}
    link = by_member[1].links[0]
    assert by_member[1].members == (1, 2)
    assert link.swap and link.first_teaches == ("python",) and link.second_teaches == ("go",)
    assert link.overlap_hours == 0.0 and link.shared_language is None
    near_link = by_member[3].links[0]
    assert not near_link.swap and near_link.shared_interests == ("k8s", "ml")


def test_the_relaxed_solver_groups_everyone_close_to_the_exact_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = community(200, seed=5, avoid=0.02, met=0.04)
    exact = plan_round(people)
    monkeypatch.setattr(solve, "EXACT_UP_TO", 10)
    relaxed = plan_round(people)
    groups_ok(people, relaxed)
    assert relaxed.repeats == exact.repeats == 0
    assert 0.99 * exact.weight <= relaxed.weight <= exact.weight


@pytest.mark.parametrize(("n", "trios", "pairs"), [(9, 3, 0), (10, 2, 2), (11, 3, 1)])
def test_groups_of_three(n: int, trios: int, pairs: int) -> None:
    people = community(n, seed=n, avoid=0.0, met=0.0)
    plan = plan_round(people, Rules(size=3))
    groups_ok(people, plan)
    sizes = [len(g.members) for g in plan.groups]
    assert (sizes.count(3), sizes.count(2)) == (trios, pairs)


async def test_a_round_off_the_loop_is_the_same_round() -> None:
    people = community(30, seed=8)
    with ThreadPoolExecutor(1) as worker:
        off = await plan_round_off_loop(people, Rules(), worker=worker)
    here = plan_round(people)
    assert off.groups == here.groups and off.weight == here.weight


def test_repeat_costs_more_than_any_pair_scores() -> None:
    crowd = encode(community(20, seed=1, met=0.0), Rules())
    i, j = (np.array(side) for side in zip(*combinations(range(20), 2), strict=True))
    assert pair_weights(crowd, i, j)[0].max() * 20 < REPEAT


def test_drawn_candidates_find_swap_partners_in_ones_own_time_zone() -> None:
    """Beyond the size where every pair is scored, candidates are drawn: in a crowd where
    everyone swaps with half the others, the best partners are those in one's own time
    zone, a few among many, and the round still pairs every one of them that way."""
    zones = [float(h) for h in range(-11, 13)]  # 24 zones of 100 people
    people = [
        Participant(
            member_id=i,
            teaches=frozenset({"go" if i % 2 else "rust"}),
            learns=frozenset({"rust" if i % 2 else "go"}),
            interests=frozenset(),
            utc_offset=zones[i // 100],
            languages=frozenset({"en"}),
        )
        for i in range(2_400)
    ]
    assert len(people) > candidates.FULL_UP_TO
    crowd = encode(people, Rules())
    u, v, _ = candidates.candidate_graph(crowd)
    same_zone = (u // 100) == (v // 100)
    has_one = np.zeros(len(people), dtype=bool)
    has_one[u[same_zone & ((u % 2) != (v % 2))]] = True
    has_one[v[same_zone & ((u % 2) != (v % 2))]] = True
    assert has_one.all()
    plan = plan_round(people)
    groups_ok(people, plan)
    assert all(g.members[0] // 100 == g.members[1] // 100 for g in plan.groups)
    assert all(link.swap for g in plan.groups for link in g.links)


def test_drawn_candidates_find_the_swap_partner_who_shares_an_interest() -> None:
    """Among 1,200 swap partners in one's own time zone, and 100 others sharing one's
    interest, the best partner is the one who is both: random draws among so many would
    miss most of them."""
    zone = 1.0

    def person(i: int, teaches: str, learns: str, interests: set[str]) -> Participant:
        return Participant(
            member_id=i,
            teaches=frozenset({teaches}),
            learns=frozenset({learns}),
            interests=frozenset(interests),
            utc_offset=zone,
            languages=frozenset({"en"}),
        )

    swappers = [  # 2k and 2k + 1 swap go for rust, and share hobby k
        person(i, "go" if i % 2 else "rust", "rust" if i % 2 else "go", {f"hobby {i // 2}"})
        for i in range(2_400)
    ]
    others = [  # each hobby held by 100 of them, who fit no one's skills
        person(2_400 + j, "cobol", "fortran", {f"hobby {(50 * j + t) % 1_200}" for t in range(50)})
        for j in range(2_400)
    ]
    people = swappers + others
    u, v, _ = candidates.candidate_graph(encode(people, Rules()))
    twins = (u < 2_400) & (u // 2 == v // 2)
    assert np.array_equal(np.sort(u[twins]), np.arange(0, 2_400, 2))
    plan = plan_round(people)
    groups_ok(people, plan)
    swapping = [g.members for g in plan.groups if min(g.members) < 2_400]
    assert len(swapping) == 1_200 and all(a // 2 == b // 2 for a, b in swapping)


def networkx_optimum(people: list[Participant]) -> int:
    """The maximum weight of a perfect matching on every allowed pair, by networkx's
    blossom (an implementation apart from the engine's)."""
    graph = nx.Graph()
    for (a, b), weight in weight_table(people).items():
        if weight is not None:
            graph.add_edge(a, b, weight=weight)
    matched = nx.max_weight_matching(graph, maxcardinality=True)
    assert 2 * len(matched) == len(people)
    return sum(graph[a][b]["weight"] for a, b in matched)


def test_pricing_finds_the_pairs_each_ones_best_few_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fifth of the crowd fit everyone better (their last intro was weak), so every
    short list is theirs and the others' lists hold few pairs among themselves: the round
    is still the optimum on every pair."""
    people = [
        replace(p, weak_last_round=p.member_id % 5 == 0)
        for p in community(120, seed=4, avoid=0.0, met=0.0)
    ]
    monkeypatch.setattr(candidates, "KEEP_FULL", 3)
    crowd = encode(people, Rules())
    u, v, w = candidates._scored(crowd, *np.triu_indices(len(people), 1))
    short = candidates._best_of_each(len(people), u, v, w, 3)
    best_few = solve.matching(len(people), u[short], v[short], w[short])
    optimum = networkx_optimum(people)
    assert int(w[short][best_few[u[short]] == v[short]].sum()) < optimum  # the lists miss it
    assert plan_round(people).weight == optimum


@pytest.mark.parametrize("rounds", [1, pricing.ROUNDS])
def test_a_priced_dual_bounds_every_pair(monkeypatch: pytest.MonkeyPatch, rounds: int) -> None:
    """Stopped early or not, the dual covers every pair's weight (so its sum bounds any
    matching), and every pair an optimum uses is among those `needed_for` keeps."""
    monkeypatch.setattr(pricing, "ROUNDS", rounds)
    monkeypatch.setattr(candidates, "KEEP_FULL", 2)
    people = community(80, seed=9, avoid=0.05, met=0.1)
    priced = candidates.every_pair(encode(people, Rules()))
    assert (priced.dual[priced.u] + priced.dual[priced.v] >= priced.weights - 1e-6).all()
    optimum = networkx_optimum(people)
    assert priced.dual.sum() >= optimum
    u, v, w = priced.needed_for(optimum)
    partner = solve.exact(len(people), u, v, w)
    assert (partner >= 0).all() and int(w[partner[u] == v].sum()) == optimum
