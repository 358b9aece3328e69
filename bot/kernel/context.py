"""What a handler gets: who acted, where, the typed options, the unit of work and the ports."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.kernel.gaps import Missed
from bot.kernel.members import Member
from bot.kernel.messages import Action, Actor, ChatMessage
from bot.kernel.ports import ChannelDirectory, Clock, MemberInfo, Store, UnitOfWork
from bot.kernel.sends import Send

log = logging.getLogger(__name__)

AUDIT_VALUE = 80  # characters of each option kept in the audit log
AUDIT_DETAIL = 500


@dataclass
class Context:
    actor: Actor
    channel_id: str
    uow: UnitOfWork
    channels: ChannelDirectory
    store: Store
    clock: Clock
    now: datetime
    options: Mapping[str, Any] = field(default_factory=dict)
    action: Action | None = None
    message: ChatMessage | None = None
    audit_as: str | None = None  # the audit log's name for this, once a moderator's right is used
    known_as: MemberInfo | None = None  # what the platform says of a member met for the first time
    no_trace: bool = False  # `leave_no_trace`: nothing new is kept about the member
    _member: Member | None = field(default=None, repr=False)
    _after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list, repr=False)
    misses: list[tuple[Missed, str]] = field(default_factory=list, repr=False)

    def action_number(self) -> int:
        """The id a button carries; a stale or forged value is the member's error, not a crash."""
        number = whole_number(self.action.value) if self.action else None
        if number is None:
            raise UserError("That button has expired; run the command again.")
        return number

    def using_moderator_rights(self, what: str) -> None:
        """This command does what only a moderator may (such as removing someone else's
        resource): the audit log records it as `what` once it commits."""
        self.audit_as = what

    async def audit(self) -> None:
        """The audit log's entry of what the moderator did (`audit_as`), with what they gave
        the command or button, in short."""
        given = [self.action.value] if self.action and self.action.value else []
        given += [f"{name}={str(value)[:AUDIT_VALUE]}" for name, value in self.options.items()]
        member = await self.member()
        detail = ", ".join(given)[:AUDIT_DETAIL]
        await self.uow.audit.add(member.id, self.audit_as or "", detail, self.now)

    def leave_no_trace(self) -> None:
        """This call shows or erases what copbot keeps about the member, so it keeps nothing
        new of them either: no greeter welcomes them in it (a welcome is a record)."""
        self.no_trace = True

    def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Local work that must wait until the command's change is committed, such as
        scrubbing the disk after an erase. (What copbot sends goes through `send`.)"""
        self._after_commit.append(work)

    async def run_after_commit(self) -> None:
        """The work `after_commit` put off; the command is done, so a failure is logged."""
        for work in self._after_commit:
            try:
                await work()
            except Exception:
                log.exception("work after %s failed", self.actor.user_id)

    async def missed(self, kind: Missed, topic: str) -> None:
        """Count for the gap map a search for `topic` that found nothing. It counts even
        when the command then refuses (a mentor request on a topic nobody mentors is just
        what the gap map is for): `counted_though_refused` counts it again once the refusal
        has rolled this unit of work back. Only the count is kept: nobody's data."""
        self.misses.append((kind, topic))
        await self.uow.gaps.missed(kind, topic, self.now)

    async def counted_though_refused(self) -> None:
        """The call was refused, and its unit of work rolled back: what it counted for the gap
        map (`missed`) is counted in one of its own. The member is answered with the refusal
        whatever becomes of the count."""
        if not self.misses:
            return
        try:
            async with self.store.unit_of_work(self.actor.community) as uow:
                for kind, topic in self.misses:
                    await uow.gaps.missed(kind, topic, self.now)
                await uow.commit()
        except Exception:
            log.exception("counting a refused search by %s failed", self.actor.user_id)

    async def send(self, send: Send) -> None:
        """Have copbot send this once the command commits (and never if it doesn't): the
        sender delivers it, exactly once, while the member already has their answer."""
        await self.uow.outbox.add(send, self.now)

    async def channel_visible(self, channel_id: str) -> bool:
        """Whether copbot can see this channel. It asks the platform, so it must come before
        the command's first database statement: the database is never held while a
        platform answers (on SQLite that would hold up every command of the process)."""
        if self.uow.started:
            raise RuntimeError("ask the platform before the unit of work's first statement")
        return await self.channels.channel_exists(self.actor.community, channel_id)

    @property
    def met(self) -> bool:
        """Whether the actor's member record was read or made."""
        return self._member is not None

    async def member(self) -> Member:
        """The actor's member record, created on first contact (timezone prefilled from
        what the platform said of them, asked before the unit of work began) and renamed
        when their display name changed."""
        if self._member is None:
            members = self.uow.members
            found = await members.by_user(self.actor.user_id)
            if found is None:
                timezone = self.known_as.timezone if self.known_as else None
                found = await members.add(
                    self.actor.user_id, self.actor.display_name, timezone, self.now
                )
            elif found.display_name != self.actor.display_name:
                found = await members.save(
                    replace(found, display_name=self.actor.display_name), self.now
                )
            self._member = found
        return self._member
