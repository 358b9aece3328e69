"""The round's worker process: `python -m bot.mentoring.worker`, started by copbot
(`bot/mentoring/solver.py`). It reads rounds from stdin and writes their assignments to
stdout, as frames of flat arrays (`bot/mentoring/wire.py`).

A light entry: numpy, OR-Tools and the round's modules alone, not the application (a
process spawned by multiprocessing re-imports its parent's main module and everything
its task's module chain pulls in). Scoring, building the graph and solving all happen
here: OR-Tools holds the GIL for its whole run and the rest is CPU-bound Python and
numpy, which in copbot's process would compete with its event loop.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
from typing import IO

from bot.mentoring.assignment import assign
from bot.mentoring.wire import Frame, read_frame, round_input, write_frame

# Threads for numpy's BLAS and OR-Tools: one. The parent sets these in the worker's
# environment, since a library reads them when it loads, before any code here runs.
ONE_THREAD = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    )
}


def main() -> None:
    """Rounds one after the other, at the lowest CPU priority: on a busy machine (or one
    of two cores) the serving process's replies come first and a round takes longer.
    Ctrl-C reaches the terminal's whole process group: the worker ignores it (copbot
    stops it by closing the pipe) instead of printing a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(19)
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print can't garble a reply
    rounds: queue.SimpleQueue[Frame] = queue.SimpleQueue()
    threading.Thread(
        target=_read_rounds, args=(sys.stdin.buffer, rounds), name="rounds", daemon=True
    ).start()
    while True:
        request = rounds.get()
        try:
            reply = assign(*round_input(request)).frame()
        except Exception as error:  # noqa: BLE001 (copbot raises it; the next round is served)
            reply = Frame({"error": f"{type(error).__name__}: {error}"}, {})
        write_frame(replies, reply)


def _read_rounds(requests: IO[bytes], rounds: queue.SimpleQueue[Frame]) -> None:
    """Rounds as they come; at the pipe's end the worker ends, even in a round: copbot
    closed it or ended, however it ended (SIGKILL, the OOM killer close its end too)."""
    while (request := read_frame(requests)) is not None:
        rounds.put(request)
    os._exit(0)


if __name__ == "__main__":
    main()
