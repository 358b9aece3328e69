"""What a handler gets: who acted, where, the typed options, the unit of work and the ports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.kernel.members import Member
from bot.kernel.messages import Action, Actor, ChatMessage
from bot.kernel.ports import Chat, Clock, Store, UnitOfWork
from bot.kernel.runners import Runner

R = TypeVar("R", bound=Runner)


@dataclass
class Context:
    actor: Actor
    channel_id: str
    uow: UnitOfWork
    chat: Chat
    store: Store
    clock: Clock
    now: datetime
    options: Mapping[str, Any] = field(default_factory=dict)
    action: Action | None = None
    message: ChatMessage | None = None
    after_commit: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    audit_as: str | None = None  # the audit log's name for this, once a moderator's right is used
    runners: Sequence[Runner] = ()
    _member: Member | None = field(default=None, repr=False)

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

    def runner(self, kind: type[R]) -> R:
        """This process's runner of `kind` (the one the timer runs), for a command that has
        it do its work now (`/prompt post-now`)."""
        found = next((r for r in self.runners if isinstance(r, kind)), None)
        if found is None:
            raise LookupError(f"this process runs no {kind.__name__}")
        return found

    def later(self, work: Callable[[], Awaitable[object]]) -> None:
        """Run `work` once this command's unit of work has committed (work that needs units
        of work of its own, such as posting a prompt now)."""
        self.after_commit.append(work)

    async def member(self) -> Member:
        """The actor's member record, created on first contact (timezone prefilled from
        the platform where it knows one) and renamed when their display name changed."""
        if self._member is None:
            members = self.uow.members
            found = await members.by_user(self.actor.user_id)
            if found is None:
                info = await self.chat.member_info(self.actor.community, self.actor.user_id)
                found = await members.add(
                    self.actor.user_id,
                    self.actor.display_name,
                    info.timezone if info else None,
                    self.now,
                )
            elif found.display_name != self.actor.display_name:
                found = await members.save(
                    replace(found, display_name=self.actor.display_name), self.now
                )
            self._member = found
        return self._member
