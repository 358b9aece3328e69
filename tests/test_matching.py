"""Fit and rounds: the ranking's rules, and a round's optimality against brute force."""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sparse
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from bot.mentoring.assignment import assign
from bot.mentoring.matching import MentorOffer, Person, Plan, Seeker, rank
from bot.mentoring.solver import plan_of
from bot.mentoring.views import why


def mentor(
    member_id: int,
    *,
    offset: float | None = 0.0,
    languages: str = "english",
    topics: str = "python",
    capacity: int = 2,
    spare: int = 2,
    recent: int = 0,
) -> MentorOffer:
    person = Person(member_id, offset, frozenset(languages.split()) if languages else frozenset())
    return MentorOffer(person, frozenset(topics.split()), capacity, spare, recent)


def seeker(
    request_id: int,
    member_id: int,
    *,
    offset: float | None = 0.0,
    topic: str = "python",
    languages: str = "english",
    excluded: frozenset[int] = frozenset(),
    left_out: int = 0,
) -> Seeker:
    person = Person(member_id, offset, frozenset(languages.split()) if languages else frozenset())
    return Seeker(request_id, person, topic, left_out, excluded)


def plan_round(seekers: list[Seeker], mentors: list[MentorOffer]) -> Plan:
    """The round as its worker plans it, in this process."""
    return plan_of(assign(seekers, mentors))


def test_rank_prefers_overlap_language_and_room_and_explains_it() -> None:
    far = mentor(1, offset=9.0)
    near_no_language = mentor(2, offset=1.0, languages="german")
    near = mentor(3, offset=1.0)
    near_busy = mentor(4, offset=1.0, spare=1, recent=3)
    ranked = rank(seeker(1, 100), [far, near_no_language, near, near_busy])
    assert [f.mentor.person.member_id for f in ranked] == [3, 4, 2, 1]
    assert why(ranked[0], "python") == "python, 7 h overlap, speaks english, has room"
    assert why(ranked[1], "python") == "python, 7 h overlap, speaks english, one place left"
    assert "speaks" not in why(ranked[2], "python")


def test_rank_never_offers_self_full_other_topic_or_excluded() -> None:
    candidates = [
        mentor(100),  # the member themself
        mentor(1, spare=0),  # full
        mentor(2, topics="sql"),
        mentor(3),  # on a don't-match list or declined before
        mentor(4),
    ]
    ranked = rank(seeker(1, 100, excluded=frozenset({3})), candidates)
    assert [f.mentor.person.member_id for f in ranked] == [4]


def test_unknown_timezone_and_languages_count_as_neutral() -> None:
    ranked = rank(seeker(1, 100, offset=None, languages=""), [mentor(1), mentor(2, offset=None)])
    assert all(f.overlap_hours is None and f.shared_language is None for f in ranked)
    assert why(ranked[0], "python") == "python, has room"


def test_a_round_is_optimal_not_greedy() -> None:
    # Greedy gives mentor 1 to request 1 (its best) and leaves request 2 with nobody.
    mentors = [mentor(1, offset=0.0, capacity=1, spare=1), mentor(2, offset=8.0, spare=1)]
    seekers = [seeker(1, 100, offset=0.0), seeker(2, 101, offset=0.0, excluded=frozenset({2}))]
    plan = plan_round(seekers, mentors)
    assert {(p.request_id, p.mentor_id) for p in plan.pairs} == {(1, 2), (2, 1)}
    assert plan.left_out == ()


def test_left_out_requests_are_favoured() -> None:
    mentors = [mentor(1, capacity=1, spare=1)]
    fresh, waited = seeker(1, 100), seeker(2, 101, offset=3.0, left_out=2)
    assert [p.request_id for p in plan_round([fresh, waited], mentors).pairs] == [2]


def test_a_member_gets_at_most_one_request_matched_in_a_round() -> None:
    """Accepting a match cancels the member's other requests: a round that matched two
    would hold a mentor's place for nothing."""
    mentors = [mentor(1, capacity=1, spare=1), mentor(2, topics="sql")]
    twice = [seeker(1, 100), seeker(2, 100, topic="sql")]  # member 100, python and sql
    plan = plan_round([*twice, seeker(3, 101, topic="sql")], mentors)
    matched = {p.request_id for p in plan.pairs}
    assert 3 in matched and len(matched & {1, 2}) == 1
    assert len(plan.left_out) == 1


@st.composite
def communities(draw: st.DrawFn) -> tuple[list[Seeker], list[MentorOffer]]:
    offsets = st.sampled_from([None, -5.0, 0.0, 1.0, 5.5, 9.0])
    languages = st.sampled_from(["", "english", "german", "english german"])
    topics = st.sampled_from(["a", "b", "a b"])
    mentors = []
    for m in range(draw(st.integers(1, 4))):
        capacity = draw(st.integers(1, 3))
        mentors.append(
            mentor(
                m + 1,
                offset=draw(offsets),
                languages=draw(languages),
                topics=draw(topics),
                capacity=capacity,
                spare=draw(st.integers(0, capacity)),
                recent=draw(st.integers(0, 3)),
            )
        )
    seekers = [
        seeker(
            r + 1,
            100 + draw(st.integers(0, 3)),  # some members ask more than once
            offset=draw(offsets),
            topic=draw(st.sampled_from("ab")),
            languages=draw(languages),
            left_out=draw(st.integers(0, 4)),
            excluded=frozenset(draw(st.sets(st.integers(1, 4), max_size=2))),
        )
        for r in range(draw(st.integers(1, 5)))
    ]
    return seekers, mentors


def eligible_pairs(
    seekers: list[Seeker], mentors: list[MentorOffer]
) -> list[list[tuple[int, float]]]:
    """Each request's (mentor index, fit plus bonus) for every mentor it may get, from the
    single request's ranking: all eligible pairs, nothing of the round's graph."""
    index = {id(m): i for i, m in enumerate(mentors)}
    return [
        [(index[id(f.mentor)], f.score + min(s.left_out, 3) * 5.0) for f in rank(s, mentors)]
        for s in seekers
    ]


def brute_force(seekers: list[Seeker], mentors: list[MentorOffer]) -> float:
    """Every way to give each request one of its eligible mentors or nobody, at most one
    request per member, no mentor past their room (exhaustive, memoised on what is left)."""
    options = eligible_pairs(seekers, mentors)
    members = [s.person.member_id for s in seekers]

    @functools.cache
    def best(i: int, room: tuple[int, ...], used: frozenset[int]) -> float:
        if i == len(seekers):
            return 0.0
        found = best(i + 1, room, used)
        if members[i] not in used:
            for m, weight in options[i]:
                if room[m] > 0:
                    left = (*room[:m], room[m] - 1, *room[m + 1 :])
                    found = max(found, weight + best(i + 1, left, used | {members[i]}))
        return found

    return round(best(0, tuple(m.spare for m in mentors), frozenset()), 3)


def linear_optimum(seekers: list[Seeker], mentors: list[MentorOffer]) -> float:
    """The optimum over every eligible pair as an LP (HiGHS): one variable per pair, at
    most one per member, at most a mentor's room. The matrix is a bipartite incidence
    matrix (member, mentor), so the LP's optimum is the integer one."""
    rows, cols, weights = [], [], []
    for s, options in enumerate(eligible_pairs(seekers, mentors)):
        for m, weight in options:
            rows.append(s)
            cols.append(m)
            weights.append(weight)
    if not rows:
        return 0.0
    pairs = len(rows)
    _, owner = np.unique([seekers[s].person.member_id for s in rows], return_inverse=True)
    by_member = sparse.csr_matrix((np.ones(pairs), (owner, np.arange(pairs))))
    by_mentor = sparse.csr_matrix(
        (np.ones(pairs), (cols, np.arange(pairs))), shape=(len(mentors), pairs)
    )
    solved = linprog(
        -np.rint(np.array(weights) * 1000),
        A_ub=sparse.vstack([by_member, by_mentor]),
        b_ub=np.concatenate([np.ones(by_member.shape[0]), [m.spare for m in mentors]]),
        bounds=(0, 1),
        method="highs",
    )
    assert solved.status == 0, solved.message
    return round(-solved.fun / 1000, 3)


def total(plan: Plan, seekers: list[Seeker]) -> float:
    bonus = {s.request_id: min(s.left_out, 3) * 5.0 for s in seekers}
    return round(sum(p.fit + bonus[p.request_id] for p in plan.pairs), 3)


def assert_feasible(plan: Plan, seekers: list[Seeker], mentors: list[MentorOffer]) -> None:
    """Every pair eligible, no mentor past their room, one request per member."""
    by_request = {s.request_id: s for s in seekers}
    placed = [p.mentor_id for p in plan.pairs]
    for m in mentors:
        assert placed.count(m.person.member_id) <= m.spare
    for pair in plan.pairs:
        fits = {
            f.mentor.person.member_id: f.score for f in rank(by_request[pair.request_id], mentors)
        }
        assert fits[pair.mentor_id] == pair.fit
    assert len(plan.pairs) + len(plan.left_out) == len(seekers)
    matched = [by_request[p.request_id].person.member_id for p in plan.pairs]
    assert len(matched) == len(set(matched))


@settings(max_examples=150, deadline=None)
@given(communities())
def test_a_round_reaches_the_brute_force_optimum(
    community: tuple[list[Seeker], list[MentorOffer]],
) -> None:
    seekers, mentors = community
    plan = plan_round(seekers, mentors)
    assert total(plan, seekers) == brute_force(seekers, mentors)
    assert_feasible(plan, seekers, mentors)


def test_thirty_identical_mentees_get_thirty_mentors_of_one_place() -> None:
    """A class of identical seekers larger than any candidate list: each of them still
    reaches a mentor with room."""
    mentors = [mentor(m + 1, capacity=1, spare=1) for m in range(30)]
    seekers = [seeker(r + 1, 100 + r) for r in range(30)]
    plan = plan_round(seekers, mentors)
    assert len(plan.pairs) == 30 and plan.left_out == ()
    assert sorted(p.mentor_id for p in plan.pairs) == list(range(1, 31))


def test_within_a_class_the_oldest_request_gets_the_best_mentor_every_time() -> None:
    mentors = [
        mentor(1, offset=6.0, capacity=1, spare=1),
        mentor(2, offset=0.0, capacity=1, spare=1),
        mentor(3, offset=3.0, capacity=1, spare=1),
    ]
    seekers = [seeker(5, 105), seeker(2, 102), seeker(9, 109)]
    plan = plan_round(seekers, mentors)
    assert [(p.request_id, p.mentor_id) for p in plan.pairs] == [(2, 2), (5, 3), (9, 1)]
    again = plan_round(list(seekers), list(mentors))
    assert (again.pairs, again.left_out) == (plan.pairs, plan.left_out)


def test_a_member_asking_twice_and_exclusions_inside_a_large_class() -> None:
    """Requests that can't be interchanged with their class (an excluded mentor, a member
    asking twice) keep their own rules among many identical ones."""
    mentors = [mentor(m + 1, capacity=1, spare=1) for m in range(25)]
    seekers = [seeker(r + 1, 100 + r) for r in range(24)]
    seekers.append(seeker(25, 200, excluded=frozenset(range(1, 25))))  # only mentor 25 left
    seekers.append(seeker(26, 100, topic="python"))  # member 100 asks twice
    plan = plan_round(seekers, mentors)
    assert_feasible(plan, seekers, mentors)
    assert (25, 25) in {(p.request_id, p.mentor_id) for p in plan.pairs}
    assert len(plan.pairs) == 25


@st.composite
def crowds(draw: st.DrawFn) -> tuple[list[Seeker], list[MentorOffer]]:
    """Communities where most seekers are identical (few timezones, one main language)
    and a topic has more mentors than any candidate list, with some exclusions and some
    members asking twice."""
    offsets = st.sampled_from([*[0.0] * 8, 5.0, None])
    languages = st.sampled_from([*["english"] * 8, "", "german"])
    mentors = []
    for m in range(draw(st.integers(21, 28))):
        capacity = draw(st.sampled_from([1, 1, 1, 2]))
        mentors.append(
            mentor(
                m + 1,
                offset=draw(offsets),
                languages=draw(languages),
                topics=draw(st.sampled_from(["a", "a", "a", "a b"])),
                capacity=capacity,
                spare=draw(st.integers(1, capacity)),
                recent=draw(st.integers(0, 1)),
            )
        )
    seekers = []
    for r in range(draw(st.integers(30, 50))):
        twice = draw(st.integers(0, 9)) == 0
        seekers.append(
            seeker(
                r + 1,
                100 + (draw(st.integers(0, max(0, r - 1))) if twice else r),
                offset=draw(offsets),
                topic=draw(st.sampled_from("aaaaab")),
                languages=draw(languages),
                left_out=draw(st.sampled_from([0, 0, 0, 1, 3])),
                excluded=frozenset(draw(st.sets(st.integers(1, 30), max_size=2)))
                if draw(st.integers(0, 4)) == 0
                else frozenset(),
            )
        )
    return seekers, mentors


@settings(max_examples=60, deadline=None)
@given(crowds())
def test_a_round_reaches_the_optimum_over_every_eligible_pair(
    community: tuple[list[Seeker], list[MentorOffer]],
) -> None:
    seekers, mentors = community
    plan = plan_round(seekers, mentors)
    assert total(plan, seekers) == linear_optimum(seekers, mentors)
    assert_feasible(plan, seekers, mentors)
