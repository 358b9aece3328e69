"""Prompt fan-out: 10,000 schedules due in the same minute, then the same with a SIGKILL.

Phase 1 posts everything through a recording `Chat` that never waits, so what is timed is
copbot's own work per occurrence (the claim with its posting recorded in the outbox, the
post and its thread, the record of where it went), compared with the time Discord's
global rate limit (50 requests/s) would take for the same requests. Phase 2 runs the same
fan-out in a subprocess, kills it (a real SIGKILL) half-way, restarts it, and counts
duplicates and losses from the append-only log of every post that reached the
"platform". The fake platform (`bench/platform.py`) dedupes nothing: it only answers
`find_post` from what it holds, by the time it stamped each post, as a real platform's
history does.
A calibration measured in the same run (raw SQLite statements per second) is printed beside
the figures, and copbot's time per occurrence in those statements, so runs on different
machines compare.
Run: `.venv/bin/python -m bench.fanout [--schedules N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.calibration import sqlite_reads_per_second
from bench.platform import LoggedChat
from bot.common.cadence import Cadence
from bot.kernel.messages import CommunityKey
from bot.kernel.outbox import LEASE
from bot.kernel.ports import Clock
from bot.prompts.runner import PromptRunner
from copbot.bootstrap import open_app, open_core
from tests.fakes import ManualClock

DUE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
MONDAY_9_UTC = Cadence(0, 9, 0, "UTC")
PER_COMMUNITY = 10
DISCORD_RATE = 50  # requests per second, global


class FanoutChat(LoggedChat):
    """The shared log's platform, counting the prompts this process posted."""

    def __init__(self, log: Path, clock: Clock) -> None:
        super().__init__(log, clock)
        self.prompts = 0

    def stored(self, key: str | None) -> None:
        self.prompts += bool(key and key.startswith("prompt-"))


async def create(database: Path, schedules: int) -> None:
    clock = ManualClock(DUE - timedelta(days=1))
    setup = FanoutChat(database.with_suffix(".setup"), clock)
    async with open_core(f"sqlite:///{database}", chat=setup, clock=clock) as core:
        for c in range(0, schedules, PER_COMMUNITY):
            community = CommunityKey("bench", f"community-{c // PER_COMMUNITY}")
            async with core.store.unit_of_work(community) as uow:
                for n in range(c, min(c + PER_COMMUNITY, schedules)):
                    await uow.prompts.add_schedule(
                        f"channel-{n}", MONDAY_9_UTC, None, DUE - timedelta(days=1)
                    )
                await uow.commit()


async def work(database: Path, log: Path, now: datetime) -> dict[str, float]:
    clock = ManualClock(now)
    chat = FanoutChat(log, clock)
    async with open_app(f"sqlite:///{database}", chat=chat, clock=clock) as app:
        runner = PromptRunner(store=app.core.store, clock=app.core.clock)
        began = time.perf_counter()
        await runner.run_due()
        await app.outbox.drain()
        seconds = time.perf_counter() - began
    return {"posted": chat.prompts, "seconds": seconds, "requests": chat.requests}


def worker(database: Path, log: Path, now: datetime) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.fanout",
            "--worker",
            str(database),
            str(log),
            now.isoformat(),
        ],
        stdout=subprocess.PIPE,
    )


def tally(log: Path) -> tuple[int, int]:
    """Prompts posted, and posted more than once (the moderators' warnings left out)."""
    keys = [
        line.split("\t")[0] for line in log.read_text().splitlines() if line.startswith("prompt-")
    ]
    return len(set(keys)), len(keys) - len(set(keys))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--worker", nargs=3, metavar=("DATABASE", "LOG", "NOW"))
    args = parser.parse_args()
    if args.worker:
        database, log, now = args.worker
        print(json.dumps(await work(Path(database), Path(log), datetime.fromisoformat(now))))
        return
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "straight.db", Path(tmp) / "killed.db"
        with console.status("creating schedules"):
            await create(first, args.schedules)
            await create(second, args.schedules)
        calibrated = sqlite_reads_per_second()
        straight = await work(first, Path(tmp) / "straight.log", DUE + timedelta(seconds=30))
        log = Path(tmp) / "killed.log"
        victim = worker(second, log, DUE + timedelta(seconds=30))
        # Another process writes the log: polling it is the only way to watch.
        while not log.exists() or tally(log)[0] < args.schedules // 2:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        at_kill, _ = tally(log)
        restarted = worker(second, log, DUE + LEASE + timedelta(seconds=31))
        resumed = json.loads(restarted.communicate()[0])
        posted, duplicates = tally(log)

    per_occurrence = straight["seconds"] / straight["posted"] * 1000
    platform_minimum = straight["requests"] / DISCORD_RATE
    overhead = straight["seconds"] / platform_minimum
    table = Table(title=f"Prompt fan-out: {args.schedules:,} schedules due in one minute")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("copbot's time per occurrence (claim, send, record)", f"{per_occurrence:.2f} ms")
    table.add_row(
        "posts per second (copbot alone)", f"{straight['posted'] / straight['seconds']:,.0f}"
    )
    table.add_row("platform requests", f"{straight['requests']:,.0f}")
    table.add_row("Discord's minimum at 50 requests/s", f"{platform_minimum:,.1f} s")
    table.add_row("copbot's own time / that minimum", f"{overhead:.1%}")
    table.add_row("calibration: raw SQLite statements/s (one-row reads)", f"{calibrated:,.0f}")
    table.add_row(
        "per occurrence, in calibration statements",
        f"{per_occurrence / 1000 * calibrated:,.0f}",
    )
    table.add_row("killed after (posted)", f"{at_kill:,}")
    table.add_row("posted by the restarted process", f"{resumed['posted']:,.0f}")
    table.add_row("posted in all, after the kill", f"{posted:,} of {args.schedules:,}")
    table.add_row("duplicates", str(duplicates))
    table.add_row("losses", str(args.schedules - posted))
    console.print(table)
    ok = duplicates == 0 and posted == args.schedules and overhead < 0.10
    console.print(
        f"{'PASS' if ok else 'FAIL'}: targets are 0 duplicates, 0 losses and copbot "
        "under 10% of the platform minimum."
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    asyncio.run(main())
