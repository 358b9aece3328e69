"""Pacing what copbot sends on its own to the platform's limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.kernel.ports import ChatLimits


@dataclass
class Pacer:
    """Spaces posts to the platform's limits: a global rate, and a gap per channel.
    discord.py retries a 429 but does not pace a burst, so copbot does."""

    limits: ChatLimits
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._next_global = 0.0
        self._next_in: dict[str, float] = {}

    async def wait(self, channel_id: str) -> None:
        now = self.monotonic()
        at = max(now, self._next_global, self._next_in.get(channel_id, 0.0))
        if self.limits.requests_per_second:
            self._next_global = at + 1 / self.limits.requests_per_second
        self._next_in[channel_id] = at + self.limits.channel_interval
        if at > now:
            await self.sleep(at - now)
