"""The command catalog: every command declared once, every adapter derives its surface from it.

A `Command` names its path (``"profile set"``), typed `Option`s with their limits, who may
run it, and the handler. Adapters read the catalog to build Discord command groups, the
Slack ``/cop`` grammar and console lines, so a new command needs no adapter change.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.kernel.arrivals import Greeter
from bot.kernel.context import Context
from bot.kernel.delivery import Delivery, OnDelivered, OnRefused, StillWanted
from bot.kernel.members import Member
from bot.kernel.messages import Actor, CardField, ChatMessage, MessageRef, Reply
from bot.kernel.personal import Kept, PersonalData
from bot.kernel.ports import Store
from bot.kernel.runners import RunnerFactory

Handler = Callable[[Context], Awaitable[Reply]]
AutocompleteSource = Callable[[Context, str], Awaitable[list["Choice"]]]
MessageHandler = Callable[[Context, ChatMessage], Awaitable[Reply]]
ReactionHandler = Callable[[Context, str, ChatMessage], Awaitable[Reply | None]]
ThreadReplyHandler = Callable[[Context, MessageRef], Awaitable[None]]
HomeSection = Callable[[Context], Awaitable[Reply | None]]
ProfileFact = Callable[[Context, Member], Awaitable[CardField | None]]
HealthFact = Callable[[Context, datetime], Awaitable[CardField | None]]  # since when
RoleCheck = Callable[[Context], Awaitable[bool]]
ErasingHandler = Callable[[Context, Member], Awaitable[None]]
# What the platform says of an actor's role, heard before each command, button or message
# action is run (outside its unit of work): for what outlives a role (a web session).
RoleWatcher = Callable[[Store, Actor], Awaitable[None]]

_WORD = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
MAX_OPTIONS = 25  # Discord's limit per command; Slack has none, so Discord's binds.
MAX_CHOICES = 25  # Discord's limit on static choices and autocomplete results.


class OptionType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    MEMBER = "member"
    CHANNEL = "channel"
    TAGS = "tags"
    LANGUAGES = "languages"
    TIMEZONE = "timezone"
    GROUP = "group"  # a role (Discord) or user group (Slack): its id or its mention


class Access(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"


@dataclass(frozen=True)
class Choice:
    name: str
    value: str


@dataclass(frozen=True)
class Option:
    """A typed command option; its limits are checked in the core for every platform."""

    name: str
    description: str
    type: OptionType = OptionType.TEXT
    required: bool = False
    max_length: int = 200
    min_value: int | None = None
    max_value: int | None = None
    max_items: int = 20
    choices: tuple[str, ...] = ()
    autocomplete: str | None = None
    multiline: bool = False
    # False: on command lines only by name (`goal:...`), so an option added later leaves
    # the meaning of lines written in order before it (and their free text) as it was.
    in_order: bool = True

    def __post_init__(self) -> None:
        if not _WORD.match(self.name):
            raise ValueError(f"option name {self.name!r} must be a lowercase word")
        if not 1 <= len(self.description) <= 100:
            raise ValueError(f"option {self.name!r} needs a description of 1-100 characters")
        if len(self.choices) > MAX_CHOICES:
            raise ValueError(f"option {self.name!r} has more than {MAX_CHOICES} choices")


@dataclass(frozen=True)
class ActionHandler:
    """What runs a button or form, who may press it, and whether it usually only reads."""

    handler: Handler
    access: Access
    reads: bool  # as `Command.reads`


@dataclass(frozen=True)
class Command:
    path: str
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    access: Access = Access.MEMBER
    role: str | None = None  # whom it is for, beyond who may run it (`Catalog.role`)
    reads: bool = False  # it usually only reads: it runs beside writers (`Store.reading`)

    def __post_init__(self) -> None:
        words = self.path.split(" ")
        if not 1 <= len(words) <= 3 or not all(_WORD.match(w) for w in words):
            raise ValueError(f"command path {self.path!r} must be 1-3 lowercase words")
        if not 1 <= len(self.description) <= 100:
            raise ValueError(f"command {self.path!r} needs a description of 1-100 characters")
        if len(self.options) > MAX_OPTIONS:
            raise ValueError(f"command {self.path!r} has more than {MAX_OPTIONS} options")
        names = [o.name for o in self.options]
        if len(set(names)) != len(names):
            raise ValueError(f"command {self.path!r} repeats an option name")
        required = [o.required for o in self.options]
        if required != sorted(required, reverse=True):
            raise ValueError(f"command {self.path!r}: required options must come first")

    def option(self, name: str) -> Option:
        return next(o for o in self.options if o.name == name)


@dataclass(frozen=True)
class Group:
    """How `/help` introduces a command group (`profile`, `mentor`...): what it is for, and
    lines to try, of which a member is shown the first they may run."""

    name: str
    description: str
    examples: tuple[str, ...] = ()


class Catalog:
    """What each capability plugs in: commands, button/form handlers, autocomplete
    sources, the personal data it keeps, its background runner and the hooks of what it
    sends."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._actions: dict[str, ActionHandler] = {}
        self._sources: dict[str, AutocompleteSource] = {}
        self.message_actions: dict[str, MessageHandler] = {}
        self.reaction_handlers: list[ReactionHandler] = []
        self.thread_reply_handlers: list[ThreadReplyHandler] = []
        self.home_sections: list[HomeSection] = []
        self.greeters: list[Greeter] = []
        self.profile_facts: list[ProfileFact] = []
        self.health_facts: list[HealthFact] = []
        self.personal_data: list[PersonalData] = []
        self.erasing_handlers: list[ErasingHandler] = []
        self.role_watchers: list[RoleWatcher] = []
        self.runners: list[RunnerFactory] = []
        self.deliveries: dict[str, Delivery] = {}
        self.groups: dict[str, Group] = {}
        self._roles: dict[str, RoleCheck] = {}
        self._renamed: dict[str, str] = {}

    def add(self, command: Command) -> None:
        if command.path in self._commands:
            raise ValueError(f"command {command.path!r} is declared twice")
        clash = [
            p
            for p in self._commands
            if p in _prefixes(command.path) or command.path in _prefixes(p)
        ]
        if clash:
            # Discord cannot have a command and a group of the same name.
            raise ValueError(f"command {command.path!r} clashes with {clash[0]!r}")
        for option in command.options:
            if option.autocomplete and option.autocomplete not in self._sources:
                raise ValueError(f"unknown autocomplete source {option.autocomplete!r}")
        if command.role is not None and command.role not in self._roles:
            raise ValueError(f"command {command.path!r} is for an unknown role {command.role!r}")
        self._commands[command.path] = command

    def command(
        self,
        path: str,
        description: str,
        *options: Option,
        access: Access = Access.MEMBER,
        role: str | None = None,
        reads: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator form of `add`."""

        def register(handler: Handler) -> Handler:
            self.add(Command(path, description, handler, options, access, role, reads))
            return handler

        return register

    def group(self, name: str, description: str, *examples: str) -> None:
        """Introduce the command group `name` in `/help`, with lines to try."""
        if name in self.groups:
            raise ValueError(f"group {name!r} is declared twice")
        self.groups[name] = Group(name, description, examples)

    def role(self, name: str) -> Callable[[RoleCheck], RoleCheck]:
        """Declare a role commands can be for (`Command.role`, such as `mentor`) and the check
        whether the acting member has it: the capability that knows answers, so that `/help`
        can show mentors' commands to mentors without knowing mentoring."""

        def register(check: RoleCheck) -> RoleCheck:
            if name in self._roles:
                raise ValueError(f"role {name!r} is declared twice")
            self._roles[name] = check
            return check

        return register

    async def has_role(self, context: Context, role: str) -> bool:
        return await self._roles[role](context)

    def action(
        self, action_id: str, *, access: Access = Access.MEMBER, reads: bool = False
    ) -> Callable[[Handler], Handler]:
        """Register the handler for buttons and forms whose `action_id` is this one;
        `reads` as for a command."""

        def register(handler: Handler) -> Handler:
            if action_id in self._actions:
                raise ValueError(f"action {action_id!r} is declared twice")
            self._actions[action_id] = ActionHandler(handler, access, reads)
            return handler

        return register

    def message_action(self, name: str) -> Callable[[MessageHandler], MessageHandler]:
        """An action on a chat message: a Discord message context menu, a Slack message
        shortcut. Discord allows 32 characters for its name."""

        def register(handler: MessageHandler) -> MessageHandler:
            if not 1 <= len(name) <= 32 or name in self.message_actions:
                raise ValueError(f"message action {name!r} is too long or declared twice")
            self.message_actions[name] = handler
            return handler

        return register

    def reaction(self, handler: ReactionHandler) -> ReactionHandler:
        """Called for every emoji reaction; returns a reply when it did something."""
        self.reaction_handlers.append(handler)
        return handler

    def reply_in_thread(self, handler: ThreadReplyHandler) -> ThreadReplyHandler:
        """Called when a member posts in a thread (the message's author and place only:
        copbot never needs message content)."""
        self.thread_reply_handlers.append(handler)
        return handler

    def home_section(self, section: HomeSection) -> HomeSection:
        """What a member sees of this capability at a glance (Slack's App Home), in the
        order capabilities register; None shows nothing."""
        self.home_sections.append(section)
        return section

    def greeter(self, greeter: Greeter) -> Greeter:
        """Called at a member's first command or interaction in each process, and when the
        platform says someone joined (`arrivals.Arrival`): what it returns follows the reply
        to that first command, privately (a newcomer's welcome)."""
        self.greeters.append(greeter)
        return greeter

    def profile_fact(self, fact: ProfileFact) -> ProfileFact:
        """A line a capability adds to a member's profile card (such as how often they were
        thanked), so profiles show it without knowing the capability; None adds nothing."""
        self.profile_facts.append(fact)
        return fact

    def health_fact(self, fact: HealthFact) -> HealthFact:
        """A figure a capability adds to `/community health` (how many newcomers finished
        their first steps), so health shows it without knowing the capability; None adds
        nothing."""
        self.health_facts.append(fact)
        return fact

    def source(self, name: str) -> Callable[[AutocompleteSource], AutocompleteSource]:
        def register(source: AutocompleteSource) -> AutocompleteSource:
            self._sources[name] = source
            return source

        return register

    def keeps_personal_data(self, capability: str, *kinds: Kept) -> None:
        """What `capability` keeps about a member, which `/privacy export` and `/privacy
        erase` are generated from: every capability that stores something about a member
        declares it here, once."""
        names = [k.name for k in kinds]
        if any(p.capability == capability for p in self.personal_data) or len(set(names)) != len(
            names
        ):
            raise ValueError(f"personal data of {capability!r} is declared twice")
        self.personal_data.append(PersonalData(capability, kinds))

    def erasing(self, handler: ErasingHandler) -> ErasingHandler:
        """Called in `/privacy erase`'s unit of work before the member's data goes, for
        what others must hear of it (the other side of a match that ends)."""
        self.erasing_handlers.append(handler)
        return handler

    def role_seen(self, watcher: RoleWatcher) -> RoleWatcher:
        """Called with the actor of every command, button or message action, before its
        unit of work: a capability whose grants outlive the platform's moderator role (the
        web's moderator sessions) ends them when the platform no longer says so."""
        self.role_watchers.append(watcher)
        return watcher

    def runner(self, build: RunnerFactory) -> None:
        """The capability's background work: built once per process (copbot/bootstrap.py)
        and run by the timer, which knows no capability."""
        self.runners.append(build)

    def delivery(
        self,
        kind: str,
        *,
        still_wanted: StillWanted | None = None,
        delivered: OnDelivered | None = None,
        refused: OnRefused | None = None,
    ) -> None:
        """What a capability does around its sends of `kind` (see `outbox.Delivery`)."""
        if kind in self.deliveries:
            raise ValueError(f"deliveries of {kind!r} are declared twice")
        self.deliveries[kind] = Delivery(still_wanted, delivered, refused)

    def renamed(self, old: str, new: str) -> None:
        """What an earlier version called `new`: a command group (`resource` for `library`)
        still typed in command lines, or an action id prefix (`lib.` for `library.`) on
        buttons already posted. Both keep working; only the new name is shown."""
        self._renamed[old] = new

    def get(self, path: str) -> Command | None:
        group, space, rest = path.partition(" ")
        return self._commands.get(path) or self._commands.get(
            self._renamed.get(group, group) + space + rest
        )

    def action_handler(self, action_id: str) -> ActionHandler | None:
        found = self._actions.get(action_id)
        if found is not None:
            return found
        prefix, dot, rest = action_id.partition(".")
        return self._actions.get(self._renamed.get(prefix + dot, prefix + dot) + rest)

    def autocomplete_source(self, name: str) -> AutocompleteSource | None:
        return self._sources.get(name)

    def __iter__(self) -> Iterator[Command]:
        return iter(sorted(self._commands.values(), key=lambda c: c.path))


def _prefixes(path: str) -> set[str]:
    words = path.split(" ")
    return {" ".join(words[:i]) for i in range(1, len(words))}
