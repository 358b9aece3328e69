"""The core's one entry point for every adapter: commands, buttons and forms, message
actions, reactions and autocomplete.

Each call is one unit of work: it commits when the handler returns and rolls back when
it raises. A `UserError` becomes a friendly ephemeral reply (what the call counted for the
gap map still counts); anything else is logged and the member is told nothing changed.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from typing import Any, TypeVar

from bot.common.errors import UserError
from bot.kernel.arrivals import Arrival, Arrivals
from bot.kernel.catalog import MAX_CHOICES, Access, Catalog, Choice, Command
from bot.kernel.commandline import split_command_line
from bot.kernel.context import Context
from bot.kernel.edge import (
    admitted,
    admitted_action,
    admitted_message,
    admitted_options,
    admitted_ref,
    clean,
)
from bot.kernel.messages import (
    EMPTY,
    Action,
    Actor,
    ChatMessage,
    Invocation,
    MessageRef,
    Reply,
)
from bot.kernel.observer import UNKNOWN, UNOBSERVED, Calls, Kind, Observer
from bot.kernel.options import parse_options
from bot.kernel.outbox import Outbox
from bot.kernel.ports import (
    ChannelUnavailable,
    Chat,
    Clock,
    Conflict,
    DatabaseBusy,
    MemberInfo,
    Store,
    UnitOfWork,
    WritesNeeded,
)
from bot.kernel.presence import Presence

log = logging.getLogger(__name__)
T = TypeVar("T", Reply, Reply | None, list[Reply])

BUSY = (
    "The database is slow to answer right now, so I couldn't finish that. "
    "Please try again in a moment."
)
SIMULTANEOUS = (
    "Someone changed the same thing at the same moment, so I changed nothing. Please try again."
)
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
        outbox: Outbox | None = None,
        observer: Observer = UNOBSERVED,
    ) -> None:
        """`outbox`: woken when recorded sends commit; `observer`: hears how each call ended."""
        self.catalog = catalog
        self.store = store
        self.chat = chat
        self.clock = clock
        self.outbox = outbox
        self.arrivals = Arrivals(store=store, chat=chat, greeters=catalog.greeters)
        self.presence = Presence(store, clock)
        self.calls = Calls(observer, failures={BUSY, SIMULTANEOUS, FAILED})

    async def invoke(self, invocation: Invocation) -> Reply:
        read = [UNKNOWN]  # the command's path, once it is found
        work = self._invoke(invocation, read)
        return await self._guarded(invocation.actor, invocation.path, work, Kind.COMMAND, read)

    async def invoke_text(self, actor: Actor, channel_id: str, line: str) -> Reply:
        """A typed command line (the console, Slack's `/cop ...`), read against the catalog."""
        read = [UNKNOWN]

        async def parse_and_invoke() -> Reply:
            path, options = split_command_line(self.catalog, line)
            return await self._invoke(Invocation(actor, channel_id, path, options), read)

        return await self._guarded(actor, line[:40], parse_and_invoke(), Kind.COMMAND, read)

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
        known = action.action_id if self.catalog.action_handler(action.action_id) else UNKNOWN
        work = self._act(action)
        return await self._guarded(action.actor, action.action_id, work, Kind.ACTION, known)

    async def message_action(
        self, actor: Actor, channel_id: str, name: str, message: ChatMessage
    ) -> Reply:
        """A message context menu or shortcut (`Catalog.message_action`)."""
        handler = self.catalog.message_actions.get(name)
        if handler is None:
            return Reply(
                f"There's no message action called “{name[:40]}”.", ephemeral=True, error=True
            )

        async def run() -> Reply:
            who, acted_on = admitted(actor, channel_id), admitted_message(message)
            return await self._run(
                lambda context: handler(context, acted_on), who, channel_id, message=acted_on
            )

        return await self._guarded(actor, name, run(), Kind.MESSAGE_ACTION, name)

    async def react(
        self, actor: Actor, channel_id: str, emoji: str, message: ChatMessage
    ) -> Reply | None:
        """An emoji reaction; None when no capability acted on it."""

        async def run() -> Reply | None:
            who, acted_on = admitted(actor, channel_id), admitted_message(message)

            async def first_reply(context: Context) -> Reply | None:
                for handler in self.catalog.reaction_handlers:
                    reply = await handler(context, emoji, acted_on)
                    if reply is not None:
                        return reply
                return None

            return await self._run(first_reply, who, channel_id, message=acted_on)

        return await self._guarded(actor, f"reaction {emoji}", run(), Kind.REACTION, Kind.REACTION)

    async def member_posted(self, actor: Actor, message: MessageRef) -> None:
        """A member posted a message in a thread; nothing is said back."""
        if message.thread_id is None or not self.catalog.thread_reply_handlers:
            return

        try:
            posted, who = admitted_ref(message), admitted(actor, message.channel_id)
        except UserError as error:
            log.warning("a thread reply by %r isn't counted: %s", actor.user_id[:40], error)
            return

        async def notify(context: Context) -> None:
            for handler in self.catalog.thread_reply_handlers:
                await handler(context, posted)

        try:
            await self._run(notify, who, posted.channel_id)
        except Exception:  # nobody to tell: a thread reply gets no answer
            log.exception("counting a thread reply by %s failed", actor.user_id)

    async def arrived(self, actor: Actor, channel_id: str = "") -> None:
        """The platform says a member joined the community, or the channel `channel_id`;
        nothing is said back (the greeters send what they have to say)."""
        arrival = Arrival.JOINED_CHANNEL if channel_id else Arrival.JOINED

        async def hear(context: Context) -> None:
            await self.arrivals.hear(context, arrival)

        try:
            await self._run(hear, admitted(actor, channel_id), channel_id)
        except Exception:  # nobody to tell: a join gets no answer
            log.exception("the arrival of %s in %s failed", actor.user_id, actor.community)

    async def home(self, actor: Actor) -> list[Reply]:
        """Each capability's home section for this member (`Catalog.home_section`)."""

        async def sections(context: Context) -> list[Reply]:
            shown = [await section(context) for section in self.catalog.home_sections]
            return [reply for reply in shown if reply is not None]

        try:
            return await self._run(sections, admitted(actor, ""), "")
        except UserError as error:
            return [Reply(error.message, error=True)]
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
            actor = admitted(actor, "")
        except UserError:
            return []
        try:
            async with self.store.unit_of_work(actor.community) as uow:
                now = self.clock.now()
                given = admitted_options(options)
                context = Context(actor, "", uow, self.chat, self.store, self.clock, now, given)
                choices = await source(context, clean(partial)[:100])
        except Exception:
            log.exception("autocomplete %s.%s failed", path, option_name)
            return []
        return choices[:MAX_CHOICES]

    async def _invoke(self, invocation: Invocation, read: list[str]) -> Reply:
        actor = admitted(invocation.actor, invocation.channel_id)
        command = self._find(invocation.path)
        read[0] = command.path
        if not may_run(actor, command):
            raise UserError(f"`/{command.path}` is for moderators only.")
        options = parse_options(command, invocation.options)
        return await self._run(
            command.handler,
            actor,
            invocation.channel_id,
            options=options,
            audit_as=f"/{command.path}" if command.access is Access.MODERATOR else None,
            reads=command.reads,
        )

    async def _act(self, action: Action) -> Reply:
        action = admitted_action(action)
        found = self.catalog.action_handler(action.action_id)
        if found is None:
            raise UserError("That button or form isn't one I know; it may be from an old version.")
        if found.access is Access.MODERATOR and not action.actor.is_moderator:
            raise UserError("Only moderators can do that.")
        return await self._run(
            found.handler,
            action.actor,
            action.channel_id,
            options=action.form_values,
            action=action,
            audit_as=action.action_id if found.access is Access.MODERATOR else None,
            reads=found.reads,
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
        reads: bool = False,
    ) -> T:
        """`handler` in one unit of work; what a moderator changed with their rights (a
        moderators' command or button, or `Context.using_moderator_rights`) goes into the
        audit log in the same unit of work: recorded exactly when the change is. What the
        handler recorded to send goes out after commit, while the reply is on its way. A
        unit of work that lost a race for a unique key (`Conflict`) runs once more, and
        then sees what the winner wrote. A command that `reads` runs first in a reading unit
        of work, beside the writers; at its first write it runs again in an ordinary one."""
        known_as = await self._before_work(actor)

        async def attempt(reading: bool = False) -> T:
            opened = self.store.reading if reading else self.store.unit_of_work
            made: list[Context] = []
            try:
                async with opened(actor.community) as uow:
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
                        known_as=known_as,
                    )
                    made.append(context)
                    reply = await self.arrivals.greet(context, await handler(context))
                    if context.audit_as and (uow.changed or uow.outbox.recorded):
                        await context.audit()
                    await uow.commit()
            except UserError:
                for refused in made:  # rolled back: what it counted for the gap map still counts
                    await refused.counted_though_refused()
                raise
            await self._committed(context, uow)
            return reply

        try:
            if reads:
                with suppress(WritesNeeded):
                    return await attempt(reading=True)
            return await attempt()
        except Conflict:
            return await attempt()

    async def _before_work(self, actor: Actor) -> MemberInfo | None:
        """What a call learns before its unit of work: the role watchers see the actor's
        role (`Catalog.role_seen`), and the platform is asked about a member met first."""
        for watcher in self.catalog.role_watchers:
            await watcher(self.store, actor)
        return await self.arrivals.first_contact(actor)

    async def _committed(self, context: Context, uow: UnitOfWork) -> None:
        """After a call's commit: its work put off till then, the member met, the sender woken."""
        await context.run_after_commit()
        if context.met:
            self.arrivals.met_now(context.actor)
        if uow.outbox.recorded and self.outbox is not None:
            self.outbox.wake()

    async def _guarded(
        self, actor: Actor, what: str, work: Awaitable[T], kind: str, path: str | list[str]
    ) -> T | Reply:
        """`work`'s reply, or the one its error calls for; the observer hears how it ended
        (`path` a list: filled in by `work` once it has read the command)."""
        call = self.calls.began(kind, path)
        try:
            call.reply = await self._answered(actor, what, work)
            return call.reply
        finally:
            self.calls.ended(call)

    async def _answered(self, actor: Actor, what: str, work: Awaitable[T]) -> T | Reply:
        try:
            return await work
        except UserError as error:
            return Reply(error.message, ephemeral=True, error=True)
        except ChannelUnavailable as error:  # e.g. a missing permission, which the adapter names
            return Reply(f"I couldn't post there: {error}.", ephemeral=True, error=True)
        except DatabaseBusy:
            return Reply(BUSY, ephemeral=True, error=True)
        except Conflict:  # twice in a row: rare enough to ask the member
            return Reply(SIMULTANEOUS, ephemeral=True, error=True)
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


def may_run(actor: Actor, command: Command) -> bool:
    return command.access is Access.MEMBER or actor.is_moderator
