"""Work over thousands of objects at once (a round's asks and notices, their rows) runs in
a thread, so the event loop keeps answering meanwhile; a handful is done in place, where
the hand-over to a thread would cost more than the work itself."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

MANY = 200  # objects: from here on the work goes to a thread


async def off_loop(work: Callable[[], T], count: int) -> T:
    """`work()`, in a thread when it is over `count` >= `MANY` objects."""
    if count < MANY:
        return work()
    return await asyncio.to_thread(work)
