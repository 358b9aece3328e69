"""An intros round through the product, as a moderator runs it: `/intro run-now` in a
serving process (its worker process started, as `copbot run` starts it) over a programme
of `--people` members with bench.intros' skills, interests, timezones and languages,
stored in copbot's tables. Runs the round twice (the second reads the first as history),
then delivers every intro through the outbox to the tests' fake chat. Prints each
step's time and the event loop's worst stall meanwhile (other members' commands and the
platform's heartbeats wait that long), median of `--runs`, with a calibration measured
in the same run; exits 1 when a median stall misses its target.

    .venv/bin/python -m bench.intros_run [--people 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import cast

import sqlalchemy
from rich.console import Console
from rich.table import Table

from bench.calibration import sqlite_reads_per_second
from bench.intros import community
from bench.rounds import FIRST_ID, ZONE_NAMES
from bench.stalls import watched
from bot.intros.model import Participant
from bot.kernel.messages import Actor, CommunityKey
from copbot.bootstrap import SystemClock, open_core, serving_process
from storage import schema
from storage.store import SqlStore
from tests.fakes import FakeChat

STALL_TARGET_MS = 50.0  # median worst stall of each step
WHERE = CommunityKey("bench", "intros")
STEPS = ("first round", "second round", "delivery")
FLOOR_SECONDS = 10.0


def seed(
    connection: sqlalchemy.Connection,
    community_id: int,
    programme_id: int,
    people: Sequence[Participant],
    now: datetime,
) -> None:
    """The people as members with profiles, every one in the programme. For `run_sync`."""
    stamps = {"community_id": community_id, "created_at": now, "updated_at": now}
    connection.execute(
        schema.members.insert(),
        [
            {
                **stamps,
                "id": FIRST_ID + p.member_id,
                "user_id": f"seeded{p.member_id}",
                "display_name": f"Seeded {p.member_id}",
                "timezone": None if p.utc_offset is None else ZONE_NAMES[p.utc_offset],
            }
            for p in people
        ],
    )
    kinds = (("skill", "teaches"), ("interest", "learns"), ("language", "languages"))
    connection.execute(
        schema.member_tags.insert(),
        [
            {
                "community_id": community_id,
                "member_id": FIRST_ID + p.member_id,
                "kind": kind,
                "tag": tag,
                "position": n,
            }
            for p in people
            for kind, field in kinds
            for n, tag in enumerate(sorted(getattr(p, field)))
        ],
    )
    connection.execute(
        schema.intro_participants.insert(),
        [
            {
                "community_id": community_id,
                "programme_id": programme_id,
                "member_id": FIRST_ID + p.member_id,
                "every_rounds": 1,
                "ghosted": False,
                "ignored": 0,
                "joined_at": now,
            }
            for p in people
        ],
    )


async def one_run(folder: Path, size: int) -> dict[str, tuple[float, float]]:
    """Each step's seconds and the loop's worst stall (ms) meanwhile."""
    clock, chat = SystemClock(), FakeChat()
    async with open_core(f"sqlite:///{folder / 'intros.db'}", chat=chat, clock=clock) as core:
        moderator = Actor(WHERE, "4242", "Bench moderator", is_moderator=True)
        setup = await core.invoke_text(
            moderator, "intros", "/intro setup #intros weekly monday 10:00 UTC open:yes"
        )
        if setup.error:
            raise RuntimeError(setup.text)
        store = cast(SqlStore, core.store)

        def work(connection: sqlalchemy.Connection) -> None:
            programme = connection.execute(sqlalchemy.select(schema.intro_programmes)).one()
            seed(connection, programme.community_id, programme.id, community(size), clock.now())

        await store.database.run_sync(work)
        assert core.outbox is not None
        took = {}
        for step in STEPS:
            async with watched() as stall:
                began = time.perf_counter()
                if step == "delivery":
                    await core.outbox.drain()
                else:
                    reply = await core.invoke_text(moderator, "intros", "/intro run-now")
                    if reply.error or "round is out" not in reply.text:
                        raise RuntimeError(f"{step} failed: {reply.text}")
                took[step] = (time.perf_counter() - began, stall.worst_ms)
            chat.sent.clear()  # what the platform keeps, not copbot: out of the next step's heap
        return took


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    calibrated = sqlite_reads_per_second()
    async with watched() as floor:  # what the machine alone costs an idle loop
        await asyncio.sleep(FLOOR_SECONDS)
    runs = []
    with serving_process():
        for n in range(args.runs):
            with tempfile.TemporaryDirectory() as folder, console.status(f"run {n + 1}"):
                runs.append(await one_run(Path(folder), args.people))
    table = Table(title=f"/intro run-now over {args.people:,} members, through the product")
    for column in ("step", "runs (s)", "median (s)", "stalls (ms)", "median stall", ""):
        table.add_column(column)
    ok = True
    for step in STEPS:
        times, stalls = [run[step][0] for run in runs], [run[step][1] for run in runs]
        stall = statistics.median(stalls)
        met = stall < STALL_TARGET_MS
        ok &= met
        table.add_row(
            step,
            ", ".join(f"{t:.2f}" for t in times),
            f"{statistics.median(times):.2f}",
            ", ".join(f"{s:.0f}" for s in stalls),
            f"{stall:.0f} (< {STALL_TARGET_MS:.0f})",
            "PASS" if met else "FAIL",
        )
    console.print(table)
    console.print(
        f"Calibration: {calibrated:,.0f} raw SQLite statements/s (one-row reads); an idle "
        f"loop's worst stall over {FLOOR_SECONDS:.0f} s: {floor.worst_ms:.0f} ms."
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
