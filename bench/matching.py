"""A whole matching round at three community sizes, checked against an independent solver.

For each size a fresh process builds a synthetic community (topics, timezones and
languages drawn from skewed, realistic distributions; capacities 1 to 5), runs the round
as copbot does (candidate generation and scoring, then the OR-Tools min-cost flow, off
the event loop) while a ticker measures how late the loop runs, and reports each phase's
time and the process's peak memory. It then solves the same candidate graph as a linear
program with SciPy's HiGHS (bipartite b-matching is totally unimodular, so the LP optimum
is the integer optimum) and runs a greedy best-first baseline for comparison.

    .venv/bin/python -m bench.matching [--sizes 1000x200,10000x2000,100000x20000]

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import scipy.sparse as sparse
from rich.console import Console
from rich.table import Table
from scipy.optimize import linprog

from bot.mentoring.matching import LEFT_OUT, MentorOffer, Person, Plan, Seeker, candidate_graph
from bot.mentoring.solver import plan_round_off_loop, start_worker, stop_worker

# (zone offset in hours, weight): where members of a large online community live.
ZONES = [(-8, 14), (-7, 4), (-6, 8), (-5, 18), (-3, 5), (0, 9), (1, 17), (2, 6), (3, 3),
         (5.5, 10), (7, 2), (8, 6), (9, 4), (10, 2), (12, 1)]  # fmt: skip
LANGUAGES = [("english", 0.85), ("spanish", 0.12), ("german", 0.08), ("hindi", 0.08),
             ("portuguese", 0.06), ("french", 0.06), ("chinese", 0.04),
             ("japanese", 0.03)]  # fmt: skip
TOPICS = 300  # distinct tags, used with Zipf-like popularity
TARGETS = {10_000: 2.0, 100_000: 30.0}  # seconds for the whole round
MEMORY_TARGET_MB = 1536
STALL_TARGET_MS = 50
_BOTH = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)


def community(members: int, mentors: int, seed: int = 7) -> tuple[list[Seeker], list[MentorOffer]]:
    rng = np.random.default_rng(seed)
    popularity = 1 / np.arange(1, TOPICS + 1) ** 1.1
    popularity /= popularity.sum()
    offsets, weights = zip(*ZONES, strict=True)
    zone_p = np.array(weights, dtype=float) / sum(weights)

    def person(member_id: int) -> Person:
        offset = None if rng.random() < 0.1 else float(rng.choice(offsets, p=zone_p))
        spoken = frozenset(lang for lang, p in LANGUAGES if rng.random() < p)
        return Person(member_id, offset, spoken)

    offers = []
    for m in range(mentors):
        topics = rng.choice(TOPICS, size=int(rng.integers(1, 6)), replace=False, p=popularity)
        capacity = int(rng.integers(1, 6))
        offers.append(
            MentorOffer(
                person(m),
                frozenset(f"t{t}" for t in topics),
                capacity,
                spare=capacity - int(rng.integers(0, capacity)),
                recent=int(rng.poisson(1.0)),
            )
        )
    seekers = []
    for r in range(members):
        member_id = mentors + r
        excluded = frozenset(int(x) for x in rng.integers(0, mentors, int(rng.poisson(0.3))))
        seekers.append(
            Seeker(
                r + 1,
                person(member_id),
                f"t{int(rng.choice(TOPICS, p=popularity))}",
                left_out=int(rng.random() < 0.2) * int(rng.integers(1, 4)),
                excluded=excluded,
            )
        )
    return seekers, offers


async def run_off_loop(
    seekers: Sequence[Seeker], offers: Sequence[MentorOffer]
) -> tuple[Plan, float]:
    """The round as copbot runs it (scoring in a thread, the solver in a worker process),
    with the event loop's worst lateness meanwhile."""
    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - before - 0.005)

    tick = asyncio.create_task(ticker())
    plan = await plan_round_off_loop(seekers, offers)
    done = True
    await tick
    stop_worker()
    return plan, worst


def independent_optimum(rows, cols, weights, capacities, owners) -> float:  # type: ignore[no-untyped-def]
    """The same problem as an LP solved by HiGHS: max sum w*x, each member's requests
    together <= 1, each mentor <= spare, 0 <= x <= 1."""
    edges = len(rows)
    _, owner = np.unique(owners[rows], return_inverse=True)
    by_member = sparse.csr_matrix((np.ones(edges), (owner, np.arange(edges))))
    by_mentor = sparse.csr_matrix(
        (np.ones(edges), (cols, np.arange(edges))), shape=(len(capacities), edges)
    )
    bounds = np.concatenate([np.ones(by_member.shape[0]), capacities])
    costs = -np.rint(weights * 1000)
    solved = linprog(
        costs, A_ub=sparse.vstack([by_member, by_mentor]), b_ub=bounds, bounds=(0, 1),
        method="highs",
    )  # fmt: skip
    if solved.status != 0:
        raise RuntimeError(solved.message)
    return float(-solved.fun / 1000)


def greedy(rows, cols, weights, capacities, owners) -> float:  # type: ignore[no-untyped-def]
    """Best edge first while both ends have room."""
    room = capacities.copy()
    placed: set[int] = set()
    total = 0.0
    for e in np.argsort(-weights, kind="stable"):
        member = int(owners[rows[e]])
        if member not in placed and room[cols[e]] > 0:
            placed.add(member)
            room[cols[e]] -= 1
            total += weights[e]
    return total


def measure(size: tuple[int, int]) -> dict[str, float]:
    members, mentors = size
    start_worker()  # as copbot does when it boots
    started = time.perf_counter()
    seekers, offers = community(members, mentors)
    built = time.perf_counter() - started
    started = time.perf_counter()
    plan, stall = asyncio.run(run_off_loop(seekers, offers))
    elapsed = time.perf_counter() - started
    # This process (community, scoring) plus the solver's: both peaks, added up.
    peak_mb = sum(resource.getrusage(who).ru_maxrss for who in _BOTH) / 1024
    # The same candidate graph again, here, for the independent solver and the baseline.
    rows, cols, fits = candidate_graph(seekers, offers)
    weights = fits + np.array([LEFT_OUT * min(s.left_out, 3) for s in seekers])[rows]
    capacities = np.array([o.spare for o in offers])
    owners = np.array([s.person.member_id for s in seekers])
    bonus = {s.request_id: LEFT_OUT * min(s.left_out, 3) for s in seekers}
    total = round(sum(p.fit + bonus[p.request_id] for p in plan.pairs), 3)
    optimum = independent_optimum(rows, cols, weights, capacities, owners)
    return {
        "members": members,
        "mentors": mentors,
        "build": built,
        "candidates": plan.seconds[0],
        "assignment": plan.seconds[1],
        "round": elapsed,
        "stall_ms": stall * 1000,
        "peak_mb": peak_mb,
        "edges": len(rows),
        "assigned": len(plan.pairs),
        "total": total,
        "optimum": optimum,
        "greedy_pct": 100 * greedy(rows, cols, weights, capacities, owners) / optimum,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000x200,10000x2000,100000x20000")
    args = parser.parse_args(argv)
    sizes = [tuple(int(n) for n in s.split("x")) for s in args.sizes.split(",")]
    console = Console()
    table = Table(title="Matching round (fit = copbot's score; optimum by HiGHS LP)")
    columns = ["members x mentors", "candidates s", "assignment s", "round s", "loop stall ms",
               "peak MB", "edges", "assigned", "total fit", "optimum", "equal",
               "greedy %"]  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    missed = []
    spawn = multiprocessing.get_context("spawn")
    for size in sizes:
        # A fresh process per size: peak memory is this size's alone.
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            r = pool.submit(measure, size).result()
        equal = abs(r["total"] - r["optimum"]) <= 1e-6
        members = int(r["members"])
        table.add_row(
            f"{members:,} x {int(r['mentors']):,}", f"{r['candidates']:.2f}",
            f"{r['assignment']:.2f}", f"{r['round']:.2f}", f"{r['stall_ms']:.1f}",
            f"{r['peak_mb']:.0f}", f"{int(r['edges']):,}", f"{int(r['assigned']):,}",
            f"{r['total']:.3f}", f"{r['optimum']:.3f}", "yes" if equal else "NO",
            f"{r['greedy_pct']:.2f}",
        )  # fmt: skip
        if not equal:
            missed.append(f"{members:,}: total differs from the optimum")
        if members in TARGETS and r["round"] > TARGETS[members]:
            missed.append(f"{members:,}: round {r['round']:.1f} s > {TARGETS[members]} s")
        if members == 100_000 and r["peak_mb"] > MEMORY_TARGET_MB:
            missed.append(f"{members:,}: peak {r['peak_mb']:.0f} MB > {MEMORY_TARGET_MB} MB")
        if r["stall_ms"] > STALL_TARGET_MS:
            missed.append(f"{members:,}: loop stalled {r['stall_ms']:.0f} ms")
    console.print(table)
    console.print(
        "targets: total = optimum (1e-6); round < 2 s at 10,000 and < 30 s at 100,000; "
        f"< {MEMORY_TARGET_MB} MB at 100,000; loop stall < {STALL_TARGET_MS} ms"
    )
    for miss in missed:
        console.print(f"[red]missed[/red] {miss}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
