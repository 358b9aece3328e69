"""How long `copbot` takes to answer, measured as whole processes: `copbot --help` and
`copbot check-config` under 0.5 s, the console ready (its welcome printed) under 2 s.

Each figure is the median of several runs, on a SQLite database migrated beforehand; the
machine's load and how busy its CPUs were during the runs are printed with the figures,
since other work on the machine slows every run. Exits 1 when a target is missed.

    .venv/bin/python -m bench.startup [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGETS = {"copbot --help": 0.5, "copbot check-config": 0.5, "console ready": 2.0}


def copbot() -> list[str]:
    """The installed `copbot` script beside this Python, as a user runs it."""
    script = Path(sys.executable).with_name("copbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "copbot"]


def environment() -> dict[str, str]:
    """No platform tokens: the console, on the database in the working directory."""
    drop = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "COPBOT_DATABASE_URL")
    return {k: v for k, v in os.environ.items() if k not in drop}


def timed(argv: list[str], where: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=where, env=environment(), check=True, capture_output=True)
    return time.perf_counter() - start


def console_ready(where: Path) -> float:
    """From starting the process to its welcome line; then Ctrl-D."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [*copbot(), "console"],
        cwd=where,
        env=environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    line = process.stdout.readline()
    ready = time.perf_counter() - start
    assert "copbot console" in line, line
    process.stdin.close()
    process.wait(timeout=60)
    return ready


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def measure(name: str, run: Callable[[], float], runs: int) -> tuple[float, float]:
    """The median of `runs` runs (after one to warm the file cache), and how busy the
    machine's CPUs were meanwhile (this benchmark's own processes included)."""
    run()
    busy0, total0 = cpu_times()
    figures = [run() for _ in range(runs)]
    busy1, total1 = cpu_times()
    busy = (busy1 - busy0) / max(1, total1 - total0)
    median = statistics.median(figures)
    print(
        f"{name:22} median {median:.3f} s (min {min(figures):.3f}, max {max(figures):.3f}; "
        f"target {TARGETS[name]} s) CPUs {busy:.0%} busy"
    )
    return median, busy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    where = Path(tempfile.mkdtemp(prefix="copbot-startup-"))
    try:
        subprocess.run([*copbot(), "migrate"], cwd=where, env=environment(), check=True)
        load = os.getloadavg()
        print(
            f"{os.cpu_count()} CPUs; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
            f"(1, 5, 15 min) before the runs; {runs} runs each"
        )
        results = {
            "copbot --help": measure(
                "copbot --help", lambda: timed([*copbot(), "--help"], where), runs
            ),
            "copbot check-config": measure(
                "copbot check-config", lambda: timed([*copbot(), "check-config"], where), runs
            ),
            "console ready": measure("console ready", lambda: console_ready(where), runs),
        }
    finally:
        shutil.rmtree(where)
    missed = [name for name, (median, _) in results.items() if median > TARGETS[name]]
    if missed:
        print(f"missed: {', '.join(missed)}")
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
