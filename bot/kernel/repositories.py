"""The kernel's own repositories (members, settings, the audit log, the outbox), which
every unit of work carries beside the capabilities' (`ports.UnitOfWork`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.kernel.members import Locale, Member
from bot.kernel.messages import MessageRef
from bot.kernel.sends import Delivered, Send, Window


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

    async def by_ids(self, member_ids: Sequence[int]) -> dict[int, Member]: ...

    async def locales(self, member_ids: Sequence[int]) -> dict[int, Locale]:
        """Each one's timezone and languages alone, for reading a round's thousands."""
        ...

    async def tags_in_use(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Skills and interests starting with `prefix`, with how many members use each."""
        ...

    async def inbox(self, member_id: int) -> MessageRef | None:
        """The member's private space with copbot, once opened (`sends.Inbox`)."""
        ...

    async def set_inbox(self, member_id: int, space: MessageRef) -> None: ...


class SettingsRepository(Protocol):
    """Per-community settings, JSON values by key."""

    async def get(self, key: str) -> object | None: ...

    async def put(self, key: str, value: object) -> None: ...


@dataclass(frozen=True)
class AuditEntry:
    id: int
    member_id: int  # the moderator
    what: str  # a command's path or an action's id
    detail: str
    created_at: datetime


class AuditRepository(Protocol):
    """What moderators did with their rights, newest first."""

    async def add(self, member_id: int, what: str, detail: str, now: datetime) -> None: ...

    async def recent(
        self, limit: int | None, offset: int = 0, member_id: int | None = None
    ) -> list[AuditEntry]:
        """Newest first; `limit` None for all of them."""
        ...

    async def moderators(self, limit: int) -> list[int]:
        """The members (not erased) who used moderator rights here most recently."""
        ...


@dataclass(frozen=True)
class Queued:
    """A send as the outbox holds it, claimed for one attempt."""

    id: int
    send: Send
    attempts: int  # this one included
    claimed_at: datetime  # when this attempt began
    progress: tuple[MessageRef | None, ...]  # results of the steps earlier attempts did
    windows: tuple[Window, ...]  # when earlier attempts were under way


class OutboxRepository(Protocol):
    """What copbot is to send on its own, in the unit of work's community. A send is
    recorded in the unit of work that decides it and delivered after commit."""

    async def add(self, send: Send, now: datetime) -> bool:
        """False when a send with its key was recorded already (it is that send)."""
        ...

    async def add_all(self, sends: Sequence[Send], now: datetime) -> None:
        """Many at once, in one statement (a matching round's asks)."""
        ...

    @property
    def recorded(self) -> bool:
        """Whether this unit of work recorded a send: wake the sender once it commits."""
        ...

    async def claim(
        self, claimer: str, now: datetime, lease: timedelta, limit: int
    ) -> list[Queued]:
        """Due sends, oldest first, taken for one attempt: those waiting, and those whose
        last attempt's lease ran out (its process stopped). Another process claiming at the
        same moment gets others."""
        ...

    async def done(self, send_id: int, delivered: Delivered, now: datetime) -> None: ...

    async def hand_back(self, send_ids: Sequence[int]) -> None:
        """Claimed sends not begun (the process is stopping): waiting again, as before."""

    async def retry(
        self,
        queued: Queued,
        progress: Sequence[MessageRef | None],
        due_at: datetime,
        error: str,
        now: datetime,
    ) -> None:
        """This attempt failed in a way worth trying again, at `due_at`."""
        ...

    async def finish(self, send_id: int, status: str, error: str, now: datetime) -> None:
        """`refused` (the platform won't take it: retrying would only be refused again) or
        `dropped` (no longer wanted)."""
        ...
