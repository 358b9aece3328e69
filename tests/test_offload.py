"""Work over many objects leaves the event loop's thread; a handful stays on it."""

import threading

from bot.common.offload import MANY, off_loop


async def test_a_handful_is_done_in_place() -> None:
    assert await off_loop(threading.get_ident, MANY - 1) == threading.get_ident()


async def test_many_objects_are_worked_on_in_another_thread() -> None:
    assert await off_loop(threading.get_ident, MANY) != threading.get_ident()
