"""The round's worker process: light, low in priority, the same plan as in copbot's own
process, and it lives and dies with copbot."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.mentoring import solver
from bot.mentoring.assignment import assign
from bot.mentoring.matching import MentorOffer, Person, Plan, Seeker
from bot.mentoring.wire import read_frame, round_frame, round_input, write_frame

COPBOT = """
import time
from bot.mentoring.solver import start_worker
print(start_worker().pid, flush=True)
time.sleep(60)
"""

# What the worker must not import: the application, the platforms, storage.
APPLICATION = re.compile(
    r"^(discord|slack_bolt|slack_sdk|aiohttp|sqlalchemy|asyncpg|aiosqlite|apscheduler|rich"
    r"|adapters|storage|copbot|bot\.kernel|bot\.app|bot\.mentoring\.(model|rounds|runner))\b"
)


def running(pid: int) -> bool:
    """Alive, not a zombie waiting for its new parent to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def wait_until_gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running(pid)


def community(size: int = 40) -> tuple[list[Seeker], list[MentorOffer]]:
    """Mentors and seekers with every field the wire carries varied: unknown timezones and
    languages, several topics, exclusions, requests left out before."""
    languages = [frozenset(), frozenset({"english"}), frozenset({"english", "german"})]
    mentors = [
        MentorOffer(
            Person(m, None if m % 7 == 0 else float(m % 5 - 2), languages[m % 3]),
            frozenset(("python", "sql", "rust")[: 1 + m % 3]),
            capacity=1 + m % 3,
            spare=1 + m % 2 if m % 3 else 1,
            recent=m % 4,
        )
        for m in range(size // 4)
    ]
    seekers = [
        Seeker(
            r + 1,
            Person(
                1000 + r % (size - 3),
                None if r % 6 == 0 else float(r % 9 - 4),
                languages[r % 2 + 1],
            ),
            ("python", "sql", "go")[r % 3],
            left_out=r % 5,
            excluded=frozenset({r % 10, (r * 3) % 10}) if r % 4 == 0 else frozenset(),
        )
        for r in range(size)
    ]
    return seekers, mentors


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
    solver.stop_worker()
    yield solver.start_worker()
    solver.stop_worker()


def plan_in_worker(seekers: list[Seeker], mentors: list[MentorOffer]) -> Plan:
    return asyncio.run(solver.plan_round_off_loop(seekers, mentors))


def test_the_wire_carries_a_round_field_by_field() -> None:
    seekers, mentors = community()
    read, write = os.pipe()
    with os.fdopen(write, "wb") as out:
        write_frame(out, round_frame(seekers, mentors))
    with os.fdopen(read, "rb") as into:
        frame = read_frame(into)
        assert frame is not None and read_frame(into) is None  # then the pipe's end
    assert round_input(frame) == (seekers, mentors)


def test_the_worker_plans_what_this_process_would(worker: subprocess.Popen[bytes]) -> None:
    seekers, mentors = community()
    plan = plan_in_worker(seekers, mentors)
    here = solver.plan_of(assign(seekers, mentors))
    assert plan.pairs and plan.left_out
    assert (plan.pairs, plan.left_out) == (here.pairs, here.left_out)


def test_the_worker_imports_the_round_alone(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Every module the worker imports, as Python lists them (`-X importtime`) on the
    stderr it shares with this process."""
    solver.stop_worker()
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    try:
        solver.start_worker()
        plan_in_worker(*community())
    finally:
        solver.stop_worker()
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in capfd.readouterr().err.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert {"numpy", "ortools.graph.python.min_cost_flow", "bot.mentoring.assignment"} <= imported
    assert sorted(m for m in imported if APPLICATION.match(m)) == []


def test_the_worker_runs_at_the_lowest_priority_on_one_thread(
    worker: subprocess.Popen[bytes],
) -> None:
    plan_in_worker(*community())
    assert os.getpriority(os.PRIO_PROCESS, worker.pid) == 19
    status = Path(f"/proc/{worker.pid}/status").read_text()
    threads = int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
    assert threads <= 2  # its own and the one reading the pipe: no BLAS pool


def test_ctrl_c_leaves_the_worker_to_copbot(worker: subprocess.Popen[bytes]) -> None:
    plan_in_worker(*community())
    os.kill(worker.pid, signal.SIGINT)
    assert plan_in_worker(*community()).pairs
    assert worker.poll() is None


def test_a_failed_round_is_copbots_error_and_the_worker_serves_the_next(
    worker: subprocess.Popen[bytes],
) -> None:
    seekers, mentors = community()
    broken = [MentorOffer(mentors[0].person, mentors[0].topics, 0, 1, 0)]  # no capacity
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        plan_in_worker(seekers, broken)
    assert plan_in_worker(seekers, mentors).pairs
    assert solver.start_worker() is worker


def test_a_worker_gone_fails_its_round_and_the_next_starts_another(
    worker: subprocess.Popen[bytes],
) -> None:
    worker.kill()
    worker.wait()
    with pytest.raises(RuntimeError, match="ended"):
        plan_in_worker(*community())
    assert plan_in_worker(*community()).pairs
    assert solver.start_worker().pid != worker.pid


def test_the_worker_ends_with_a_copbot_killed_outright() -> None:
    copbot = subprocess.Popen([sys.executable, "-c", COPBOT], stdout=subprocess.PIPE, text=True)
    assert copbot.stdout is not None
    worker = int(copbot.stdout.readline())
    assert running(worker)
    os.kill(copbot.pid, signal.SIGKILL)
    copbot.wait()
    try:
        assert wait_until_gone(worker), "the round's worker outlived copbot"
    finally:
        if running(worker):
            os.kill(worker, signal.SIGKILL)


def test_the_worker_ends_when_copbot_stops_it_even_in_a_round() -> None:
    worker = solver.start_worker()
    assert worker.stdin is not None
    write_frame(worker.stdin, round_frame(*community(4000)))
    solver.stop_worker()
    assert wait_until_gone(worker.pid)


def test_a_frame_cut_short_is_the_pipes_end() -> None:
    read, write = os.pipe()
    with os.fdopen(write, "wb") as out:
        out.write((100).to_bytes(8, "little"))  # a header of 100 bytes promised, 2 sent
        out.write(b"{}")
    with os.fdopen(read, "rb") as into:
        assert read_frame(into) is None
