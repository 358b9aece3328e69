"""The `Chat` port in a terminal: every message is a line tagged with where it went."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from adapters.console.render import render
from bot.messages import CommunityKey, MessageRef, Reply
from bot.ports import MemberInfo

PLATFORM = "console"
_REMEMBERED = 500


@dataclass(frozen=True)
class Shown:
    """A message on screen; `audience` is the one user who sees it, None for a channel."""

    ref: MessageRef
    reply: Reply
    audience: str | None

    def visible_to(self, user: str) -> bool:
        return self.audience is None or self.audience == user


class ConsoleChat:
    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._ids = itertools.count(1)
        self.shown: deque[Shown] = deque(maxlen=_REMEMBERED)

    def show(
        self, destination: str, channel_id: str, reply: Reply, audience: str | None
    ) -> MessageRef:
        ref = MessageRef(PLATFORM, channel_id, str(next(self._ids)))
        self.shown.append(Shown(ref, reply, audience))
        for line in render(reply):
            self._write(f"[{destination}] {line}")
        return ref

    def note(self, text: str) -> None:
        """The console's own remarks (clock moves, script mistakes)."""
        self._write(f"[console] {text}")

    async def post(self, community: CommunityKey, channel_id: str, reply: Reply) -> MessageRef:
        return self.show(f"#{channel_id}", channel_id, reply, None)

    async def send_dm(self, community: CommunityKey, user_id: str, reply: Reply) -> MessageRef:
        return self.show(f"dm {user_id}", f"dm-{user_id}", reply, user_id)

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None:
        return MemberInfo(display_name=user_id)


class ConsoleClock:
    """Real time (or a time a script fixes with `@now`), moved on by `@advance`."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return (self._fixed or datetime.now(UTC)) + self._offset

    def fix(self, moment: datetime) -> None:
        self._fixed, self._offset = moment.astimezone(UTC), timedelta(0)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta
