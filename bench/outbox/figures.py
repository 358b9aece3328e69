"""What `bench.outbox` counts from the platform's log, and the pacing-only schedule it
measures delays against."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bench.outbox.serving import LIMITS, Plan
from bench.platform import Line as Stored
from bot.kernel.outbox import LEASE, Outbox
from bot.kernel.sends import Window

Stamped = tuple[float, float, str, str]  # due, stored (seconds after the start), channel, key


@dataclass(frozen=True)
class Run:
    lines: list[Stored]
    killed_at: datetime
    ready: datetime  # when the restarted process was up
    held: set[str]  # the sends the killed process had claimed
    stall: float
    own_stall: float  # the stall less the loop's wait for a CPU: copbot's part
    longest: list[str]  # the longest stalls, when
    faults: Counter[str]
    errors: int  # ERROR lines in the processes' logs
    exit_code: int


def paced(plan: Plan, posts: list[Stamped], outage: Window) -> dict[str, float]:
    """When an ideal sender would store each post (seconds after the start): from its
    earliest time on (its due time; the lease's end for a send the killed process held),
    in that order (ties in copbot's order), no sooner than the platform's global rate and
    the channel's gap allow, and never while no process ran."""
    limits = LIMITS[plan.platform]
    down_from, up_at = ((at - plan.start()).total_seconds() for at in outage)
    free, free_in, ideal = float("-inf"), dict[str, float](), {}
    for earliest, _, channel, key in sorted(posts):
        at = max(earliest, free, free_in.get(channel, float("-inf")))
        if down_from <= at < up_at:
            at = up_at
        ideal[key] = at
        free_in[channel] = at + limits.channel_interval
        if limits.requests_per_second:
            free = at + 1 / limits.requests_per_second
    return ideal


@dataclass(frozen=True)
class Figures:
    sent: int  # sends with every post stored
    posts: int
    doubled: int
    lost: int
    beyond: float  # p99 of the healthy sends' delay beyond pacing, the kill's claims left out
    raw: float  # p99 of the healthy sends' delay, all of them
    held: int
    held_late: int  # held sends later than the lease and pacing allow, by a sender period + 5 s
    held_worst: float  # their worst delay beyond the lease and pacing
    down_sent: int
    down_worst: float
    busiest: int  # posts stored in the busiest second


def figures(plan: Plan, run: Run) -> Figures:
    def since(at: datetime) -> float:
        return (at - plan.start()).total_seconds()

    stored, counts = dict[str, float](), Counter[str]()
    for line in run.lines:
        counts[line.key] += 1
        stored[line.key] = min(stored.get(line.key, float("inf")), since(line.at))
    sent = [n for n in range(plan.sends) if all(k in stored for k in plan.keys(n))]
    healthy = [n for n in sent if plan.community(n) != plan.down()]
    due = {n: since(plan.due(n)) for n in range(plan.sends)}
    held = {n for n in healthy if f"{plan.run}-{n}" in run.held}
    # At the latest, a claim the killed process held ran out a lease after the kill.
    lease_end = since(run.killed_at + LEASE)
    earliest = {n: max(due[n], lease_end) if n in held else due[n] for n in healthy}
    posts = [
        (earliest[n], stored[key], f"{plan.community(n)}/{plan.channel(n)}", key)
        for n in healthy
        for key in plan.keys(n)
    ]
    ideal = paced(plan, posts, (run.killed_at, run.ready))
    last = {n: plan.keys(n)[-1] for n in range(plan.sends)}
    beyond = {n: stored[last[n]] - ideal[last[n]] for n in healthy}
    down = [stored[last[n]] - due[n] for n in sent if plan.community(n) == plan.down()]
    return Figures(
        sent=len(sent),
        posts=len(stored),
        doubled=sum(count - 1 for count in counts.values()),
        lost=sum(len(plan.keys(n)) for n in range(plan.sends)) - len(stored),
        beyond=p99([beyond[n] for n in healthy if n not in held]),
        raw=p99([stored[last[n]] - due[n] for n in healthy]),
        held=len(held),
        held_late=sum(beyond[n] > Outbox.every.total_seconds() + 5 for n in held),
        held_worst=max((beyond[n] for n in held), default=0.0),
        down_sent=len(down),
        down_worst=max(down, default=0.0),
        busiest=busiest(sorted(stored for _, stored, _, _ in posts)),
    )


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 99 // 100) - 1)] if ordered else float("nan")


def busiest(times: list[float]) -> int:
    """The most posts stored within any one second."""
    most, first = 0, 0
    for n, at in enumerate(times):
        while times[first] <= at - 1:
            first += 1
        most = max(most, n - first + 1)
    return most
