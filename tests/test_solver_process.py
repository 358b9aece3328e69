"""The solver's worker process lives and dies with copbot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

COPBOT = """
import time
from bot.mentoring.solver import start_worker
print(*start_worker()._processes, flush=True)
time.sleep(60)
"""


def running(pid: int) -> bool:
    """Alive, not a zombie waiting for its new parent to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_the_solver_process_ends_with_a_copbot_killed_outright() -> None:
    copbot = subprocess.Popen([sys.executable, "-c", COPBOT], stdout=subprocess.PIPE, text=True)
    assert copbot.stdout is not None
    worker = int(copbot.stdout.readline())
    assert running(worker)
    os.kill(copbot.pid, signal.SIGKILL)
    copbot.wait()
    deadline = time.monotonic() + 10
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not running(worker), "the solver's process outlived copbot"
    finally:
        if running(worker):
            os.kill(worker, signal.SIGKILL)
