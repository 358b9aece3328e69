"""Ports: what the core needs from the outside world, implemented by storage/ and adapters/."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.members import Member
from bot.messages import CommunityKey, MessageRef, Reply


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


@dataclass(frozen=True)
class MemberInfo:
    """What a platform knows about a user (Slack has a timezone; Discord doesn't)."""

    display_name: str
    timezone: str | None = None


class Chat(Protocol):
    """What the core sends on its own, outside the reply to whoever acted."""

    async def post(self, community: CommunityKey, channel_id: str, reply: Reply) -> MessageRef: ...

    async def send_dm(self, community: CommunityKey, user_id: str, reply: Reply) -> MessageRef: ...

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None: ...


class MemberRepository(Protocol):
    """Members of the unit of work's community only."""

    async def by_user(self, user_id: str) -> Member | None: ...

    async def add(
        self, user_id: str, display_name: str, timezone: str | None, now: datetime
    ) -> Member: ...

    async def save(self, member: Member, now: datetime) -> Member:
        """Write `member` if its stored version still equals `member.version`, else raise
        `StaleWrite`; returns it with the next version."""
        ...

    async def erase(self, member: Member, now: datetime) -> None:
        """Drop everything personal, keep the row so others' records still point somewhere."""
        ...

    async def tags_in_use(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Skills and interests starting with `prefix`, with how many members use each."""
        ...


class UnitOfWork(Protocol):
    """One command's reads and writes: committed together or not at all."""

    @property
    def community(self) -> CommunityKey: ...

    @property
    def members(self) -> MemberRepository: ...

    async def commit(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self, community: CommunityKey) -> AbstractAsyncContextManager[UnitOfWork]:
        """Rolls back on leaving unless `commit` was called."""
        ...

    async def close(self) -> None: ...
