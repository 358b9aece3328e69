"""`python -m bench.outbox`: the run (a serving process killed, another started), its
figures and their targets; see the package's docstring."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table

from bench.outbox.figures import Figures, Run, figures
from bench.outbox.serving import LIMITS, RATES, Plan, serve
from bench.platform import LoggedChat, read_log
from bot.kernel.ports import ChatLimits
from copbot.bootstrap import SystemClock, serving_process

TARGET = 5.0  # seconds beyond pacing, p99
STALL_BOUND = 0.1


def worker(plan: Plan, stats: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "bench.outbox", "--worker", json.dumps(asdict(plan)), str(stats)]
    return subprocess.Popen(argv, start_new_session=True)


async def claimed(plan: Plan) -> set[str]:
    """The sends the killed process held (claimed, not finished), read from the database
    it left: they wait for their lease to run out."""
    query = "SELECT key FROM outbox WHERE status = 'sending'"
    if plan.database.startswith("sqlite:///"):
        path = plan.database.removeprefix("sqlite:///")
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            keys = {key for (key,) in db.execute(query)}
    else:
        connection = await asyncpg.connect(plan.database)
        try:
            keys = {row["key"] for row in await connection.fetch(query)}
        finally:
            await connection.close()
    return {key for key in keys if key.startswith(f"{plan.run}-")}


async def until(ready: Callable[[], bool]) -> None:
    # Another process writes what is watched: polling is the only way to see it.
    while not ready():  # noqa: ASYNC110
        await asyncio.sleep(0.1)


def _errors(log: Path) -> int:
    return log.read_text().count("\nERROR ") if log.exists() else 0


def _stats(path: Path) -> dict[str, Any]:
    """The process's last report (a line `serving.serve` wrote whole)."""
    whole = path.read_text().rsplit("\n", 2) if path.exists() else []
    return json.loads(whole[-2]) if len(whole) > 1 else {}


async def run(plan: Plan, tmp: Path) -> tuple[Plan, Run]:
    """The killed process, then the restarted one, to the end."""
    first_stats, second_stats = tmp / "first.json", tmp / "second.json"
    victim = worker(plan, first_stats)
    platform = LoggedChat(Path(plan.log), SystemClock())
    total = sum(len(plan.keys(n)) for n in range(plan.sends))
    await until(lambda: len(platform.posted()) >= total // 2 or victim.poll() is not None)
    os.killpg(victim.pid, signal.SIGKILL)  # and its matching solver, as a unit's end would
    victim.wait()
    killed_at = SystemClock().now()
    first = _stats(first_stats)
    plan = Plan(**first["plan"])
    held = await claimed(plan)
    restarted = worker(plan, second_stats)
    await until(lambda: restarted.poll() is not None)
    second = _stats(second_stats)
    return plan, Run(
        lines=read_log(Path(plan.log)),
        killed_at=killed_at,
        ready=datetime.fromisoformat(second["ready"]),
        held=held,
        stall=max(first["stall"], second["stall"]),
        own_stall=max(first["own"], second["own"]),
        longest=[said for _, said in first["longest"] + second["longest"]],
        faults=Counter(first["faults"]) + Counter(second["faults"]),
        errors=sum(_errors(stats.with_suffix(".log")) for stats in (first_stats, second_stats)),
        exit_code=restarted.returncode,
    )


def pacing(limits: ChatLimits) -> str:
    if limits.requests_per_second:
        return f"{limits.requests_per_second:.0f} posts/s"
    return f"1 post/{limits.channel_interval:.0f} s a channel"


def table(plan: Plan, run: Run, found: Figures, load: str) -> Table:
    shown = Table(
        title=f"Outbox: {plan.sends:,} sends in {plan.communities} communities "
        f"({plan.rate:.0f} due a second), {plan.platform} pacing, SIGKILL and restart"
    )
    shown.add_column("figure")
    shown.add_column("value", justify="right")
    rows = [
        ("sent (every post stored)", f"{found.sent:,} of {plan.sends:,} ({found.posts:,} posts)"),
        ("doubled / lost (targets 0)", f"{found.doubled} / {found.lost}"),
        ("healthy p99 beyond pacing (target < 5 s)", f"{found.beyond:.2f} s"),
        ("healthy p99 delay, pacing and kill included", f"{found.raw:.2f} s"),
        ("healthy sends held by the killed process's claims", str(found.held)),
        ("  later than lease and pacing by > 10 s (target 0)", str(found.held_late)),
        ("  their worst delay beyond the lease and pacing", f"{found.held_worst:.1f} s"),
        (
            "the down community's sends, healed",
            f"{found.down_sent}, worst {found.down_worst:.0f} s",
        ),
        ("worst event-loop stall", f"{run.stall * 1000:.0f} ms"),
        ("  less the loop's wait for a CPU (target < 100 ms)", f"{run.own_stall * 1000:.0f} ms"),
        ("  the longest, in ms", "\n".join(run.longest) or "none over 30 ms"),
        ("posts in the busiest second", f"{found.busiest} ({pacing(LIMITS[plan.platform])})"),
        (
            "platform faults and lookups",
            "\n".join(f"{k}: {v}" for k, v in sorted(run.faults.items())),
        ),
        ("errors logged", str(run.errors)),
        ("killed at / restarted process up", f"{run.killed_at:%X.%f} / {run.ready:%X.%f}"),
        ("load (1, 5, 15 min) at start / end", load),
    ]
    for row in rows:
        shown.add_row(*row)
    return shown


def misses(found: Figures, run: Run) -> list[str]:
    checks = {
        "doubled": found.doubled > 0,
        "lost": found.lost > 0,
        "p99 beyond pacing": not found.beyond < TARGET,
        "held past their lease": found.held_late > 0,
        "stall": run.own_stall >= STALL_BOUND,
        "errors logged": run.errors > 0,
        "restarted process failed": run.exit_code != 0,
    }
    return [name for name, missed in checks.items() if missed]


def _load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platform", choices=sorted(LIMITS), default="discord")
    parser.add_argument("--sends", type=int, default=10_000)
    parser.add_argument("--communities", type=int, default=100)
    parser.add_argument("--rate", type=float, help="sends due a second")
    parser.add_argument("--database", help="postgresql://... (default: a new SQLite file)")
    args = parser.parse_args()
    console, load = Console(width=110), _load()
    with tempfile.TemporaryDirectory() as tmp:
        plan = Plan(
            run=uuid.uuid4().hex[:8],
            database=args.database or f"sqlite:///{tmp}/outbox.db",
            log=f"{tmp}/platform.log",
            recorded=f"{tmp}/recorded",
            sends=args.sends,
            communities=args.communities,
            rate=args.rate or RATES[args.platform],
            platform=args.platform,
        )
        began = time.monotonic()
        with console.status(f"{plan.sends:,} sends, about {plan.sends / plan.rate:.0f} s"):
            plan, result = await run(plan, Path(tmp))
    found = figures(plan, result)
    console.print(table(plan, result, found, f"{load} / {_load()}"))
    missed = misses(found, result)
    console.print(
        f"{'FAIL: ' + ', '.join(missed) if missed else 'PASS'} "
        f"({time.monotonic() - began:.0f} s). Targets: 0 doubled, 0 lost, p99 beyond "
        f"pacing under {TARGET:.0f} s, the kill's claims within their lease, stalls under "
        f"{STALL_BOUND * 1000:.0f} ms."
    )
    return 1 if missed else 0


def serving(plan: str, stats: str) -> None:
    """A serving process, set up as copbot's are (`serving_process`)."""
    with serving_process():
        asyncio.run(serve(Plan(**json.loads(plan)), Path(stats)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        serving(*sys.argv[2:4])
    else:
        sys.exit(asyncio.run(main()))
