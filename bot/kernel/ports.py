"""Ports: what the core needs from the outside world, implemented by storage/ and adapters/.

Each capability declares its own repository in its `ports.py`; the unit of work names
them (type-only), so a change to one capability's persistence edits that capability."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.kernel.gaps import GapRepository
from bot.kernel.messages import CommunityKey, MessageRef, Reply
from bot.kernel.personal import Departure, PersonalDataRepository
from bot.kernel.repositories import (
    AuditRepository,
    MemberRepository,
    OutboxRepository,
    SettingsRepository,
)
from bot.kernel.sends import Window

if TYPE_CHECKING:  # each capability's own port, named here so a unit of work carries it
    from bot.community.ports import CommunityRepository
    from bot.intros.ports import IntrosRepository
    from bot.library.ports import LibraryRepository
    from bot.mentoring.ports import MentoringRepository
    from bot.newcomers.ports import NewcomersRepository
    from bot.prompts.ports import PromptRepository
    from bot.web.ports import WebRepository


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""


@dataclass(frozen=True)
class MemberInfo:
    """What a platform knows about a user (Slack has a timezone; Discord doesn't)."""

    display_name: str
    timezone: str | None = None


@dataclass(frozen=True)
class ChatLimits:
    """How fast a platform lets copbot post: its global rate, and the gap it wants between
    two posts in one channel (Discord: 50 requests/s; Slack: about 1 post/s a channel)."""

    requests_per_second: float | None = None
    channel_interval: float = 0.0


class SharedLimits(Protocol):
    """What the processes on one database keep together."""

    async def first_seen(self, scope: str, key: str, within: timedelta) -> bool:
        """Whether no process saw `key` in `scope` during the last `within`: one caller
        gets True, however many ask at once; it is seen from then on."""
        ...

    async def turns(self, bucket: str, per_second: float, burst: int, count: int) -> list[float]:
        """Seconds to wait before each of `count` more requests of `bucket` goes out, so that
        all the processes' requests together keep to `per_second`, `burst` of them at once at
        most: each call takes the next `count` free turns (a generic cell rate algorithm on
        one row, by the database's clock, so the processes' own clocks don't matter)."""
        ...


class ChannelDirectory(Protocol):
    """What a handler may ask the platform (through `Context.channel_visible`)."""

    async def channel_exists(self, community: CommunityKey, channel_id: str) -> bool:
        """Whether copbot can see this channel (to refuse a schedule for one it can't)."""
        ...


class Chat(Protocol):
    """What the core sends on its own, outside the reply to whoever acted. Only the outbox's
    sender calls the sending methods, never while a unit of work holds the database."""

    limits: ChatLimits

    async def post(
        self,
        community: CommunityKey,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        """Post in a channel, or in one of its threads. A `key` goes into the message itself
        (Slack's message metadata, a Discord embed footer) so `find_post` can find it later;
        where the platform has a nonce (Discord), the same key within its window makes no
        second message. Raises `ChannelUnavailable` when the channel is gone or copbot may
        not post there."""
        ...

    async def find_post(
        self,
        community: CommunityKey,
        channel_id: str,
        key: str,
        windows: Sequence[Window],
        *,
        thread_id: str | None = None,
    ) -> MessageRef | None:
        """copbot's message carrying `key`, if an attempt posted it during one of
        `windows`: looked up by time on the platform (however long ago, however busy the
        channel since), never by a nonce window or a count of recent messages."""
        ...

    async def open_private_space(
        self, community: CommunityKey, channel_id: str, user_ids: Sequence[str], name: str
    ) -> MessageRef:
        """A place only `user_ids` and copbot see, for mentoring; post there with the returned
        ref's channel and thread. Discord: a private thread under `channel_id` with the members
        added (Discord quarantines bots that open many DMs). Slack: a DM or group DM
        (`conversations.open`; `channel_id` unused). Raises `ChannelUnavailable` when refused."""
        ...

    async def find_space(
        self,
        community: CommunityKey,
        channel_id: str,
        user_ids: Sequence[str],
        name: str,
        windows: Sequence[Window],
    ) -> MessageRef | None:
        """The private space an earlier attempt opened during one of `windows`, if it did."""
        ...

    async def channel_exists(self, community: CommunityKey, channel_id: str) -> bool:
        """Whether copbot can see this channel (to refuse a schedule for one it can't)."""
        ...

    async def start_thread(
        self, community: CommunityKey, message: MessageRef, name: str
    ) -> MessageRef:
        """A thread under `message` (the existing one if it has a thread already), with the
        thread's link as its `url` where the platform has one (Discord's jump URL, Slack's
        permalink of the message the replies hang under): what the core links members to."""
        ...

    async def dm_channel(self, community: CommunityKey, user_id: str) -> str:
        """The channel of copbot's direct messages with this member (opened if need be)."""
        ...

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None: ...

    async def pin(self, community: CommunityKey, message: MessageRef) -> None:
        """Raises `PinLimitReached` or `NotPinnable` when the platform refuses; pinning a
        pinned message again is fine."""
        ...

    async def unpin(self, community: CommunityKey, message: MessageRef) -> None: ...


class ChannelUnavailable(Exception):
    """The channel is gone or copbot may not post there: retrying would only be refused. Its
    message says why in words a member can act on (such as the permission copbot lacks)."""


class DatabaseBusy(Exception):
    """The database didn't answer in time, or another process holds it: nothing changed,
    and trying again in a moment may well work."""


class WritesNeeded(Exception):
    """A unit of work opened for reading (`Store.reading`) tried to write: the work runs
    again in an ordinary one, which is serialised from its first read."""


class Conflict(Exception):
    """Another unit of work wrote the same thing at the same moment (the same unique key):
    doing the work again sees what it wrote and answers accordingly."""


class PinLimitReached(Exception):
    """The channel holds as many pins as the platform allows (Discord 250, Slack ~100)."""


class NotPinnable(Exception):
    """The platform won't pin there (no permission, archived channel, deleted message)."""


class UnitOfWork(Protocol):
    """One command's reads and writes: committed together or not at all."""

    @property
    def community(self) -> CommunityKey: ...

    @property
    def members(self) -> MemberRepository: ...

    @property
    def library(self) -> LibraryRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    @property
    def prompts(self) -> PromptRepository: ...

    @property
    def mentoring(self) -> MentoringRepository: ...

    @property
    def intros(self) -> IntrosRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def directory(self) -> CommunityRepository: ...  # the community capability's repository

    @property
    def newcomers(self) -> NewcomersRepository: ...

    @property
    def web(self) -> WebRepository: ...  # sign-in links and browser sessions

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def gaps(self) -> GapRepository: ...  # searches that found nothing, for the gap map

    @property
    def personal(self) -> PersonalDataRepository: ...

    @property
    def changed(self) -> bool:
        """Whether anything was written (the audit log records changes, not reads)."""
        ...

    @property
    def started(self) -> bool:
        """Whether a statement has run: from then on the unit of work holds the database
        (on SQLite, the whole process's), and must not wait on a platform."""
        ...

    async def commit(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self, community: CommunityKey) -> AbstractAsyncContextManager[UnitOfWork]:
        """Rolls back on leaving unless `commit` was called."""

    def reading(self, community: CommunityKey) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work for a command that usually only reads: it reads what is
        committed, beside the writers rather than after them, and raises `WritesNeeded`
        at its first write, before anything is written."""

    def snapshot(self, community: CommunityKey) -> AbstractAsyncContextManager[UnitOfWork]:
        """A consistent read-only view for long reads (a matching round's input), which
        doesn't hold up units of work that write meanwhile."""

    async def communities_with_schedules(self) -> list[CommunityKey]:
        """Where the scheduler has work to look at (the one cross-community read)."""

    async def communities_asking_mentors(self) -> list[CommunityKey]:
        """Where a mentor is being asked: the timer's work for answer deadlines."""

    async def communities_with_round_schedules(self) -> list[CommunityKey]:
        """Where matching rounds run by themselves."""

    async def communities_with_matches(self) -> list[CommunityKey]:
        """Where a mentoring match is running: the timer ends those nobody touches."""
        ...

    async def communities_with_intros(self) -> list[CommunityKey]:
        """Where an intros programme runs: the timer's rounds and follow-ups."""
        ...

    async def communities_with_setting(self, key: str) -> list[CommunityKey]:
        """Where the setting `key` holds a value (a weekly digest's schedule)."""
        ...

    async def communities_with_due_sends(
        self, now: datetime, lease: timedelta, platform: str | None = None
    ) -> list[CommunityKey]:
        """Where the outbox holds something to send now (see `OutboxRepository.claim`), on
        `platform` only when given."""
        ...

    async def prune_sends(self, before: datetime) -> int:
        """Forget sends finished before `before`, in every community."""

    async def community_left(self, community: CommunityKey, now: datetime) -> None:
        """copbot was removed from the community: its data waits to be erased."""
        ...

    async def community_back(self, community: CommunityKey, now: datetime) -> bool:
        """copbot is in the community again: True when that cancelled a pending erase."""
        ...

    async def departure(self, community: CommunityKey) -> Departure: ...

    async def communities_here(self, platform: str) -> list[str]:
        """The ids of the platform's communities copbot keeps data for and has not been
        told it left: what a platform's list of where copbot is can be checked against."""
        ...

    async def communities_left_before(self, moment: datetime) -> list[CommunityKey]:
        """Communities whose pending erase started at `moment` or before."""
        ...

    async def erase_community(
        self, community: CommunityKey, now: datetime, *, left_before: datetime | None = None
    ) -> bool:
        """Delete everything of the community, then scrub; with `left_before` only when its
        pending erase started by then. True for exactly one caller, across processes."""
        ...

    async def scrub(self) -> None:
        """Remove from disk what erases left there, as far as the engine can (the README's
        privacy policy says how far): after an erase commits, and once a day."""
        ...

    @property
    def shared(self) -> SharedLimits | None:
        """What this process shares with the others on the database (Discord's global
        limit, Slack's request ids); None where the database serves one process only."""
        ...

    async def close(self) -> None: ...
