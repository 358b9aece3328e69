"""What `bench.outbox` counts from the platform's log, and the pacing-only schedule it
measures delays against."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bench.outbox.serving import LIMITS, Plan
from bench.platform import Line as Stored
from bot.kernel.outbox import LEASE, Outbox
from bot.kernel.ports import Window

Stamped = tuple[float, float, str, str]  # due, stored (seconds after the start), channel, key


@dataclass(frozen=True)
class Run:
    lines: list[Stored]
    killed_at: datetime
    ready: datetime  # when the restarted process was up
    held: set[str]  # the sends the killed process had claimed
    stall: float
    longest: list[str]  # the longest stalls, when
    faults: Counter[str]
    errors: int  # ERROR lines in the processes' logs
    exit_code: int


def paced(plan: Plan, posts: list[Stamped], outage: Window) -> dict[str, float]:
    """When an ideal sender would store each post (seconds after the start): in due order
    (ties in copbot's order), no sooner than the global rate and the channel's gap allow,
    and never while no process ran."""
    limits = LIMITS[plan.platform]
    gap = 1 / limits.requests_per_second if limits.requests_per_second else 0.0
    down_from, up_at = ((at - plan.start()).total_seconds() for at in outage)
    free, free_in, ideal = float("-inf"), dict[str, float](), {}
    for due, _, channel, key in sorted(posts):
        at = max(due, free, free_in.get(channel, float("-inf")))
        if down_from <= at < up_at:
            at = up_at
        ideal[key] = at
        free, free_in[channel] = at + gap, at + limits.channel_interval
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
    held_late: int  # held sends that went after kill + lease + a sender period + 5 s
    held_worst: float
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
    posts = [
        (due[n], stored[key], f"{plan.community(n)}/{plan.channel(n)}", key)
        for n in healthy
        for key in plan.keys(n)
    ]
    ideal = paced(plan, posts, (run.killed_at, run.ready))
    last = {n: plan.keys(n)[-1] for n in range(plan.sends)}
    held = [n for n in sent if f"{plan.run}-{n}" in run.held]
    bound = since(run.killed_at + LEASE + Outbox.every) + 5
    down = [stored[last[n]] - due[n] for n in sent if plan.community(n) == plan.down()]
    return Figures(
        sent=len(sent),
        posts=len(stored),
        doubled=sum(count - 1 for count in counts.values()),
        lost=sum(len(plan.keys(n)) for n in range(plan.sends)) - len(stored),
        beyond=p99([stored[last[n]] - ideal[last[n]] for n in healthy if n not in set(held)]),
        raw=p99([stored[last[n]] - due[n] for n in healthy]),
        held=len(held),
        held_late=sum(stored[last[n]] > bound for n in held),
        held_worst=max((stored[last[n]] - due[n] for n in held), default=0.0),
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
