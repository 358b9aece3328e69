"""One thread that runs what it is handed, in order, each result waking the event loop.

The same as a one-worker `ThreadPoolExecutor` less its bookkeeping (a concurrent future
chained to the asyncio one, a lock and a semaphore per call): half the cost of a hop on
a small machine, and a SQLite unit of work makes several.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Callable[[], Any]]


class Lane:
    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call(self, work: Callable[[], T]) -> asyncio.Future[T]:
        """`work` on the lane's thread after everything handed to it before. Cancelling the
        future doesn't stop work already begun, as with an executor."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, done, work))
        return done

    async def stop(self) -> None:
        """Once what was handed to it before is done; the lane takes nothing after."""
        self._jobs.put(None)
        await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, done, work = job
            try:
                result = work()
            except Exception as error:  # noqa: BLE001 (handed to the awaiting coroutine, as raised)
                loop.call_soon_threadsafe(_settle, done, None, error)
            else:
                loop.call_soon_threadsafe(_settle, done, result, None)


def _settle(done: asyncio.Future[Any], result: Any, error: Exception | None) -> None:
    if done.cancelled():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)
