"""Fit and rounds: the ranking's rules, and a round's optimality against brute force."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mentoring.matching import MentorOffer, Person, Seeker, candidate_graph, plan_round, rank


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


def test_rank_prefers_overlap_language_and_room_and_explains_it() -> None:
    far = mentor(1, offset=9.0)
    near_no_language = mentor(2, offset=1.0, languages="german")
    near = mentor(3, offset=1.0)
    near_busy = mentor(4, offset=1.0, spare=1, recent=3)
    ranked = rank(seeker(1, 100), [far, near_no_language, near, near_busy])
    assert [f.mentor.person.member_id for f in ranked] == [3, 4, 2, 1]
    assert ranked[0].reason("python") == "python, 7 h overlap, speaks english, has room"
    assert ranked[1].reason("python") == "python, 7 h overlap, speaks english, one place left"
    assert "speaks" not in ranked[2].reason("python")


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
    assert ranked[0].reason("python") == "python, has room"


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


def brute_force(seekers: list[Seeker], mentors: list[MentorOffer]) -> float:
    """Every way to give each request one of its candidates or nobody, at most one
    request per member."""
    rows, cols, fits = candidate_graph(seekers, mentors)
    bonus = [min(s.left_out, 3) * 5.0 for s in seekers]
    options: list[list[tuple[int, float]]] = [[(-1, 0.0)] for _ in seekers]
    for r, c, f in zip(rows, cols, fits, strict=True):
        options[r].append((int(c), float(f) + bonus[r]))
    best = 0.0
    for choice in itertools.product(*options):
        used = [c for c, _ in choice if c >= 0]
        members = [s.person.member_id for s, (c, _) in zip(seekers, choice, strict=True) if c >= 0]
        if len(set(members)) == len(members) and all(
            used.count(c) <= mentors[c].spare for c in set(used)
        ):
            best = max(best, sum(f for _, f in choice))
    return round(best, 3)


@settings(max_examples=150, deadline=None)
@given(communities())
def test_a_round_reaches_the_brute_force_optimum(
    community: tuple[list[Seeker], list[MentorOffer]],
) -> None:
    seekers, mentors = community
    plan = plan_round(seekers, mentors)
    bonus = {s.request_id: min(s.left_out, 3) * 5.0 for s in seekers}
    total = round(sum(p.fit + bonus[p.request_id] for p in plan.pairs), 3)
    assert total == brute_force(seekers, mentors)
    placed = [p.mentor_id for p in plan.pairs]
    for m in mentors:
        assert placed.count(m.person.member_id) <= m.spare
    by_request = {s.request_id: s for s in seekers}
    for pair in plan.pairs:
        asked = by_request[pair.request_id]
        assert pair.mentor_id not in asked.excluded
        assert pair.mentor_id != asked.person.member_id
    assert len(plan.pairs) + len(plan.left_out) == len(seekers)
    matched = [by_request[p.request_id].person.member_id for p in plan.pairs]
    assert len(matched) == len(set(matched))
