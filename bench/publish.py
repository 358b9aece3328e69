"""A matching round of 10,000 requests and 2,000 mentors through the core, as a moderator
runs it: `/mentor round preview` (read every open request from a snapshot, plan, store
the proposal), then `/mentor round publish` (re-check every pair, record the asks, record
what the first mentors are sent). Prints each command's time and the event loop's worst
stall meanwhile (other members' commands and the platform's heartbeats wait that long),
median of `--runs` rounds on fresh copies of the community, and a calibration measured
in the same run; exits 1 when a median misses its target.

    .venv/bin/python -m bench.publish [--requests 10000] [--mentors 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

from rich.console import Console
from rich.table import Table

from bench.calibration import sqlite_reads_per_second
from bench.matching import community
from bench.rounds import seed_store
from bench.stalls import watched
from bot.kernel.messages import Actor, CommunityKey, Invocation
from copbot.bootstrap import SystemClock, open_core
from storage.store import SqlStore
from tests.fakes import FakeChat

TARGETS = {"preview": 2.0, "publish": 3.0}  # seconds, median, at 10,000 x 2,000 on SQLite
STALL_TARGET_MS = 50.0  # median worst stall of each command
WHERE = CommunityKey("bench", "rounds")


async def one_round(folder: Path, requests: int, mentors: int) -> dict[str, tuple[float, float]]:
    """Each step's seconds and the loop's worst stall (ms) meanwhile."""
    clock = SystemClock()
    async with open_core(f"sqlite:///{folder / 'round.db'}", chat=FakeChat(), clock=clock) as core:
        seekers, offers = community(requests, mentors)
        await seed_store(cast(SqlStore, core.store), WHERE, seekers, offers, clock.now())
        del seekers, offers
        moderator = Actor(WHERE, "4242", "Bench moderator", is_moderator=True)
        took = {}
        for step, expect in (("preview", "Proposed round"), ("publish", "Published")):
            async with watched() as stall:
                began = time.perf_counter()
                reply = await core.invoke(Invocation(moderator, "general", f"mentor round {step}"))
                seconds = time.perf_counter() - began
            took[step] = (seconds, stall.worst_ms)
            if reply.error or not reply.text.startswith(expect):
                raise RuntimeError(f"{step} failed: {reply.text}")
        return took


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    calibrated = sqlite_reads_per_second()
    runs = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory() as folder, console.status(f"round {n + 1}"):
            runs.append(await one_round(Path(folder), args.requests, args.mentors))
    table = Table(title=f"A round of {args.requests:,} requests and {args.mentors:,} mentors")
    for column in ("command", "runs (s)", "median (s)", "stalls (ms)", "median stall", ""):
        table.add_column(column)
    ok = True
    for step, target in TARGETS.items():
        times, stalls = [run[step][0] for run in runs], [run[step][1] for run in runs]
        median, stall = statistics.median(times), statistics.median(stalls)
        met = median < target and stall < STALL_TARGET_MS
        ok &= met
        table.add_row(
            step,
            ", ".join(f"{t:.2f}" for t in times),
            f"{median:.2f} (< {target})",
            ", ".join(f"{s:.0f}" for s in stalls),
            f"{stall:.0f} (< {STALL_TARGET_MS:.0f})",
            "PASS" if met else "FAIL",
        )
    console.print(table)
    console.print(f"Calibration: {calibrated:,.0f} raw SQLite statements/s (one-row reads).")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
