"""Full garbage collections held off while a round runs. Python's full collection walks
every object the process keeps, in one step that holds the GIL: while a round of thousands
keeps its rows, members and participants alive, each one stalled the event loop 100-150
ms, and one came every second or so. A round's objects form no reference cycles, so
reference counting frees them the moment it is done; the young generations are still
collected meanwhile, and the first full collection after the last round ends finds
little left to walk."""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")
_NEVER = 2**31 - 1  # a full collection after this many of the middle generation's

_lock = threading.Lock()
_held = 0
_thresholds = gc.get_threshold()


@contextmanager
def full_collections_held() -> Iterator[None]:
    """Nests, and holds across threads: collections resume when the last one ends."""
    global _held, _thresholds
    with _lock:
        if _held == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _thresholds[1], _NEVER)
        _held += 1
    try:
        yield
    finally:
        with _lock:
            _held -= 1
            if _held == 0:
                gc.set_threshold(*_thresholds)


def round_work(work: Callable[_P, Awaitable[_T]]) -> Callable[_P, Awaitable[_T]]:
    """An async command or step that plans or publishes a round: it runs with full
    collections held."""

    @functools.wraps(work)
    async def held(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with full_collections_held():
            return await work(*args, **kwargs)

    return held
