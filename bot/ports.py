"""Ports: what the core needs from the outside world, implemented by storage/ and adapters/."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.members import Member
from bot.messages import CommunityKey, MessageRef, Reply
from bot.resources import Mirror, NewResource, Resource


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

    async def pin(self, message: MessageRef) -> None:
        """Raises `PinLimitReached` or `NotPinnable` when the platform refuses."""
        ...

    async def unpin(self, message: MessageRef) -> None: ...


class PinLimitReached(Exception):
    """The channel holds as many pins as the platform allows (Discord 250, Slack ~100)."""


class NotPinnable(Exception):
    """The platform won't pin there (no permission, archived channel, deleted message)."""


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


class ResourceRepository(Protocol):
    """The library of the unit of work's community only."""

    async def get(self, resource_id: int) -> Resource | None: ...

    async def by_url(self, url: str) -> Resource | None: ...

    async def add(self, new: NewResource, now: datetime) -> Resource: ...

    async def update(self, resource: Resource, now: datetime) -> Resource:
        """Write title, note and tags."""
        ...

    async def remove(self, resource_id: int) -> None: ...

    async def vote(self, resource_id: int, member_id: int, now: datetime) -> bool:
        """False when this member already voted for it."""
        ...

    async def search(
        self, words: list[str], tag: str | None, limit: int, offset: int
    ) -> list[Resource]:
        """Resources with every word (as a prefix) in title, tags or note: those with all
        words in the title first, then in the tags, then in the note; ties by votes and
        newest. The same order on every engine."""
        ...

    async def browse(self, tag: str | None, top: bool, limit: int, offset: int) -> list[Resource]:
        """By votes (`top`) or newest first."""
        ...

    async def tag_counts(self, limit: int) -> list[tuple[str, int]]: ...

    async def everything(self) -> list[Resource]:
        """The whole library, oldest first (exports)."""
        ...

    async def saved_by(self, member_id: int) -> list[Resource]: ...

    async def voted_by(self, member_id: int) -> list[int]: ...

    async def forget(self, member_id: int) -> None:
        """Erase a member: their votes go; what they saved goes too unless others voted
        for it, in which case it stays without their name."""
        ...

    async def mirrors(self, channel_id: str) -> list[Mirror]:
        """copbot's own pins in a channel, oldest first."""
        ...

    async def mirrors_of(self, resource_id: int) -> list[Mirror]: ...

    async def add_mirror(self, resource_id: int, ref: MessageRef, now: datetime) -> None: ...

    async def remove_mirror(self, ref: MessageRef) -> None: ...


class SettingsRepository(Protocol):
    """Per-community settings, JSON values by key."""

    async def get(self, key: str) -> object | None: ...

    async def put(self, key: str, value: object) -> None: ...


class UnitOfWork(Protocol):
    """One command's reads and writes: committed together or not at all."""

    @property
    def community(self) -> CommunityKey: ...

    @property
    def members(self) -> MemberRepository: ...

    @property
    def resources(self) -> ResourceRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    async def commit(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self, community: CommunityKey) -> AbstractAsyncContextManager[UnitOfWork]:
        """Rolls back on leaving unless `commit` was called."""
        ...

    async def close(self) -> None: ...
