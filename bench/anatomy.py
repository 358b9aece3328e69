"""What one command costs through the core, counted rather than timed: one `/profile set`
and one `/library search` on SQLite, each as the median of 50 runs after a warm-up. Counts
thread hops (results handed back to the event loop from another thread), SQL statements,
Python function calls on the event loop's thread and the peak of bytes allocated, so a
change's effect shows on any machine, however busy it is. Prints a table; no target (the
timed targets are bench.commands' and bench.library's).

    .venv/bin/python -m bench.anatomy [--resources 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import statistics
import tempfile
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from rich.console import Console
from rich.table import Table
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench import library
from bench.commands import profile
from bot.kernel.messages import Actor, Invocation
from copbot.bootstrap import open_core
from storage.store import SqlStore
from tests.fakes import FakeChat, ManualClock

RUNS = 50
EXPECTED = {"profile set": "saved", "library search": "python"}  # so each does its work


@dataclass
class Counts:
    hops: int = 0
    statements: int = 0
    calls: int = 0
    allocated_kb: float = 0.0


class Counter:
    """Hops and statements, counted while `counting` is on."""

    def __init__(self) -> None:
        self.counts = Counts()
        self.on = False
        loop = asyncio.get_running_loop()
        handed_back = loop.call_soon_threadsafe

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts.hops += self.on
            return handed_back(*args, **kwargs)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
        event.listen(Engine, "before_cursor_execute", self._statement)

    def _statement(self, *_: Any) -> None:
        self.counts.statements += self.on

    @contextmanager
    def counting(self) -> Iterator[Counts]:
        self.counts, self.on = Counts(), True
        try:
            yield self.counts
        finally:
            self.on = False


async def measured(counter: Counter, command: Callable[[], Awaitable[Any]]) -> Counts:
    """One run counted for hops and statements, one under cProfile, one under tracemalloc."""
    with counter.counting() as counts:
        await command()
    profiler = cProfile.Profile()
    profiler.enable()
    await command()
    profiler.disable()
    counts.calls = cast(Any, pstats.Stats(profiler)).total_calls
    tracemalloc.start()
    tracemalloc.reset_peak()
    await command()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    counts.allocated_kb = peak / 1024
    return counts


def median(runs: list[Counts]) -> Counts:
    return Counts(
        *(
            statistics.median(getattr(r, name) for r in runs)
            for name in ("hops", "statements", "calls", "allocated_kb")
        )
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'anatomy.db'}"
        async with open_core(url, chat=FakeChat(), clock=ManualClock()) as core:
            await library.load(cast(SqlStore, core.store), library.synthetic(args.resources, rng))
            actor = Actor(library.COMMUNITY, library.CURATOR, "Curator")  # where it was loaded
            counter = Counter()
            commands = {
                "profile set": lambda: core.invoke(
                    Invocation(actor, "general", "profile set", profile(rng))
                ),
                "library search": lambda: core.invoke(
                    Invocation(actor, "general", "library search", {"query": "python testing"})
                ),
            }
            table = Table(title=f"One command through the core (median of {RUNS} runs)")
            for column in (
                "command",
                "thread hops",
                "statements",
                "Python calls on the loop",
                "peak KB",
            ):
                table.add_column(column, justify="right")
            for name, command in commands.items():
                for _ in range(5):
                    reply = await command()  # caches warm, as in a running copbot
                if reply.error or EXPECTED[name] not in reply.text.casefold():
                    raise SystemExit(f"{name} didn't do its work: {reply.text[:200]}")
                runs = [await measured(counter, command) for _ in range(RUNS)]
                m = median(runs)
                table.add_row(
                    name, f"{m.hops:.0f}", f"{m.statements:.0f}", f"{m.calls:,.0f}",
                    f"{m.allocated_kb:.1f}",
                )  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    asyncio.run(main())
