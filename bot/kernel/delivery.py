"""A capability's hooks on one kind of send, which the outbox's sender runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.kernel.ports import UnitOfWork
from bot.kernel.sends import Delivered, Send

StillWanted = Callable[[UnitOfWork, Send], Awaitable[bool]]
OnDelivered = Callable[[UnitOfWork, Send, Delivered, datetime], Awaitable[None]]
OnRefused = Callable[[UnitOfWork, Send, str, datetime], Awaitable[None]]  # the reason, when


@dataclass(frozen=True)
class Delivery:
    """A capability's hooks for one kind of send (`Catalog.delivery`), each run in a unit
    of work of its own: whether it is still wanted just before it goes out, what to record
    once it went, and what to do when the platform refused it for good."""

    still_wanted: StillWanted | None = None
    delivered: OnDelivered | None = None
    refused: OnRefused | None = None


NO_HOOKS = Delivery()
