"""The core's one entry point for every adapter: commands, buttons and forms, message
actions, reactions and autocomplete.

Each call is one unit of work: it commits when the handler returns and rolls back when
it raises. A `UserError` becomes a friendly ephemeral reply; anything else is logged and
the member is told nothing changed.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.common.errors import UserError
from bot.kernel.catalog import MAX_CHOICES, Access, Catalog, Choice, Command
from bot.kernel.commandline import split_command_line
from bot.kernel.context import Context
from bot.kernel.messages import (
    EMPTY,
    Action,
    Actor,
    ChatMessage,
    CommunityKey,
    Invocation,
    MessageRef,
    Reply,
)
from bot.kernel.options import parse_options
from bot.kernel.ports import ChannelUnavailable, Chat, Clock, Store
from bot.kernel.runners import Runner

log = logging.getLogger(__name__)
T = TypeVar("T", Reply, Reply | None, list[Reply])

AUDIT_VALUE = 80  # characters of each option kept in the audit log
PRESENT = timedelta(minutes=1)  # how long a process trusts that copbot is in a community
AUDIT_DETAIL = 500
FAILED = (
    "Something went wrong on my side and nothing was changed. "
    "Please try again in a moment; if it keeps happening, tell a moderator."
)


class Core:
    def __init__(
        self,
        *,
        catalog: Catalog,
        store: Store,
        chat: Chat,
        clock: Clock,
        runners: Sequence[Runner] = (),
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.chat = chat
        self.clock = clock
        self.runners = runners
        self._present: dict[CommunityKey, datetime] = {}

    async def invoke(self, invocation: Invocation) -> Reply:
        return await self._guarded(invocation.actor, invocation.path, self._invoke(invocation))

    async def invoke_text(self, actor: Actor, channel_id: str, line: str) -> Reply:
        """A typed command line (the console, Slack's `/cop ...`), read against the catalog."""

        async def parse_and_invoke() -> Reply:
            path, options = split_command_line(self.catalog, line)
            return await self._invoke(Invocation(actor, channel_id, path, options))

        return await self._guarded(actor, line[:40], parse_and_invoke())

    def incomplete(self, actor: Actor, line: str) -> tuple[Command, dict[str, str]] | None:
        """The command a typed line names and the options it gives, when this member may run
        it but the line leaves some of its required options out (a platform may ask for them
        in a form); None otherwise. A line the grammar can't read is `invoke_text`'s to
        explain."""
        try:
            path, given = split_command_line(self.catalog, line)
        except UserError:
            return None
        command = self.catalog.get(path)
        if command is None or not may_run(actor, command):
            return None
        if set(given) - {o.name for o in command.options}:
            return None
        missing = [o for o in command.options if o.required and not given.get(o.name)]
        return (command, given) if missing else None

    async def act(self, action: Action) -> Reply:
        return await self._guarded(action.actor, action.action_id, self._act(action))

    async def message_action(
        self, actor: Actor, channel_id: str, name: str, message: ChatMessage
    ) -> Reply:
        """A message context menu or shortcut (`Catalog.message_action`)."""
        handler = self.catalog.message_actions.get(name)
        if handler is None:
            return Reply(
                f"There's no message action called “{name[:40]}”.", ephemeral=True, error=True
            )
        run = self._run(
            lambda context: handler(context, message), actor, channel_id, message=message
        )
        return await self._guarded(actor, name, run)

    async def react(
        self, actor: Actor, channel_id: str, emoji: str, message: ChatMessage
    ) -> Reply | None:
        """An emoji reaction; None when no capability acted on it."""

        async def first_reply(context: Context) -> Reply | None:
            for handler in self.catalog.reaction_handlers:
                reply = await handler(context, emoji, message)
                if reply is not None:
                    return reply
            return None

        run = self._run(first_reply, actor, channel_id, message=message)
        return await self._guarded(actor, f"reaction {emoji}", run)

    async def member_posted(self, actor: Actor, message: MessageRef) -> None:
        """A member posted a message in a thread; nothing is said back."""
        if message.thread_id is None or not self.catalog.thread_reply_handlers:
            return

        async def notify(context: Context) -> None:
            for handler in self.catalog.thread_reply_handlers:
                await handler(context, message)

        try:
            await self._run(notify, actor, message.channel_id)
        except Exception:  # nobody to tell: a thread reply gets no answer
            log.exception("counting a thread reply by %s failed", actor.user_id)

    async def home(self, actor: Actor) -> list[Reply]:
        """Each capability's home section for this member (`Catalog.home_section`)."""

        async def sections(context: Context) -> list[Reply]:
            shown = [await section(context) for section in self.catalog.home_sections]
            return [reply for reply in shown if reply is not None]

        try:
            return await self._run(sections, actor, "")
        except Exception:  # a home that can't be read says so instead of failing the tab
            log.exception("the home of %s in %s failed", actor.user_id, actor.community)
            return [Reply(FAILED, error=True)]

    async def autocomplete(
        self,
        actor: Actor,
        path: str,
        option_name: str,
        partial: str,
        options: Mapping[str, Any] = EMPTY,
    ) -> list[Choice]:
        """Suggestions for a partly typed option; never raises (an empty list instead)."""
        command = self.catalog.get(path)
        if command is None or not may_run(actor, command):
            return []
        option = next((o for o in command.options if o.name == option_name), None)
        if option is None or option.autocomplete is None:
            return []
        source = self.catalog.autocomplete_source(option.autocomplete)
        if source is None:
            return []
        try:
            async with self.store.unit_of_work(actor.community) as uow:
                context = Context(
                    actor, "", uow, self.chat, self.store, self.clock, self.clock.now(), options
                )
                choices = await source(context, partial[:100])
        except Exception:
            log.exception("autocomplete %s.%s failed", path, option_name)
            return []
        return choices[:MAX_CHOICES]

    async def community_left(self, community: CommunityKey) -> None:
        """copbot was removed (a Discord guild removed it, a Slack workspace uninstalled it):
        the community's data is erased once the privacy runner's grace period has passed,
        unless copbot comes back first."""
        self._present.pop(community, None)
        try:
            await self.store.community_left(community, self.clock.now())
        except Exception:  # an event nobody waits for an answer to
            log.exception("recording that %s removed copbot failed", community)

    async def community_back(self, community: CommunityKey) -> None:
        """The platform shows copbot in the community (a Discord guild joined or became
        available, any Slack event from the workspace): an erase pending since it left is
        cancelled. A process checks each community at most once every `PRESENT`, so a
        platform's every event costs nothing; another process's news of a departure
        reaches it within that time."""
        now = self.clock.now()
        checked = self._present.get(community)
        if checked is not None and now - checked < PRESENT:
            return
        try:
            if await self.store.community_back(community, now):
                log.info("copbot is back in %s: its erase is cancelled", community)
        except Exception:
            log.exception("checking whether %s came back failed", community)
            return
        self._present[community] = now

    async def _invoke(self, invocation: Invocation) -> Reply:
        command = self._find(invocation.path)
        if not may_run(invocation.actor, command):
            raise UserError(f"`/{command.path}` is for moderators only.")
        options = parse_options(command, invocation.options)
        return await self._run(
            command.handler,
            invocation.actor,
            invocation.channel_id,
            options=options,
            audit_as=f"/{command.path}" if command.access is Access.MODERATOR else None,
        )

    async def _act(self, action: Action) -> Reply:
        found = self.catalog.action_handler(action.action_id)
        if found is None:
            raise UserError("That button or form isn't one I know; it may be from an old version.")
        handler, access = found
        if access is Access.MODERATOR and not action.actor.is_moderator:
            raise UserError("Only moderators can do that.")
        return await self._run(
            handler,
            action.actor,
            action.channel_id,
            options=action.form_values,
            action=action,
            audit_as=action.action_id if access is Access.MODERATOR else None,
        )

    async def _run(
        self,
        handler: Callable[[Context], Awaitable[T]],
        actor: Actor,
        channel_id: str,
        *,
        options: Mapping[str, Any] = EMPTY,
        action: Action | None = None,
        message: ChatMessage | None = None,
        audit_as: str | None = None,
    ) -> T:
        """`handler` in one unit of work; what a moderator changed with their rights (a
        moderators' command or button, or `Context.using_moderator_rights`) goes into the
        audit log in the same unit of work: recorded exactly when the change is."""
        async with self.store.unit_of_work(actor.community) as uow:
            context = Context(
                actor,
                channel_id,
                uow,
                self.chat,
                self.store,
                self.clock,
                self.clock.now(),
                options,
                action,
                message,
                audit_as=audit_as,
                runners=self.runners,
            )
            reply = await handler(context)
            if context.audit_as and uow.changed:
                member = await context.member()
                detail = _detail(options, action)
                await uow.audit.add(member.id, context.audit_as, detail, context.now)
            await uow.commit()
        for work in context.after_commit:
            try:
                await work()
            except Exception:  # the command itself is done; its follow-up has its own rules
                log.exception("work after %s by %s failed", handler, actor.user_id)
        return reply

    async def _guarded(self, actor: Actor, what: str, work: Awaitable[T]) -> T | Reply:
        try:
            return await work
        except UserError as error:
            return Reply(error.message, ephemeral=True, error=True)
        except ChannelUnavailable as error:  # e.g. a missing permission, which the adapter names
            return Reply(f"I couldn't post there: {error}.", ephemeral=True, error=True)
        except Exception:
            log.exception("%s by %s in %s failed", what, actor.user_id, actor.community)
            return Reply(FAILED, ephemeral=True, error=True)

    def _find(self, path: str) -> Command:
        command = self.catalog.get(" ".join(path.split()))
        if command is not None:
            return command
        paths = [c.path for c in self.catalog]
        groups = sorted({p.split(" ")[0] for p in paths if " " in p})
        if path.strip() in groups:
            inside = ", ".join(f"`/{p}`" for p in paths if p.startswith(path.strip() + " "))
            raise UserError(f"`/{path.strip()}` needs a subcommand: {inside}.")
        close = difflib.get_close_matches(path, paths, n=1, cutoff=0.6)
        hint = f" Did you mean `/{close[0]}`?" if close else ""
        raise UserError(f"I don't know `/{path[:60]}`.{hint} `/help` lists what you can run.")


def _detail(options: Mapping[str, Any], action: Action | None) -> str:
    """What the moderator gave the command or button, in short."""
    given = [action.value] if action and action.value else []
    given += [f"{name}={str(value)[:AUDIT_VALUE]}" for name, value in options.items()]
    return ", ".join(given)[:AUDIT_DETAIL]


def may_run(actor: Actor, command: Command) -> bool:
    return command.access is Access.MEMBER or actor.is_moderator
