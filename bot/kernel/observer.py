"""What the core tells whoever watches the process (an operator's metrics), without
knowing who that is: the composition root hands in an `Observer`; the core never imports
a metrics library. Each call is a few counters' worth of work, on the command's path."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.kernel.messages import Reply

UNKNOWN = "unknown"  # a path the catalog doesn't declare: not passed on as typed
UNANSWERED = object()


class Kind(StrEnum):
    """What a call to the core was."""

    COMMAND = "command"
    ACTION = "action"  # a button or a form
    MESSAGE_ACTION = "message action"
    REACTION = "reaction"


class Outcome(StrEnum):
    """How a call to the core ended, for whoever counts them."""

    OK = "ok"
    REFUSED = "refused"  # the member was told why nothing happened (bad input, no right)
    ERROR = "error"  # copbot's side failed (a bug, a busy database, a lost race twice)


class Observer(Protocol):
    def handled(self, kind: str, path: str, outcome: Outcome, seconds: float) -> None:
        """A call to the core ended: `kind` is command, action, message action or reaction;
        `path` one the catalog declares (or "unknown"), so there are only so many."""

    def delivered(self, platform: str, outcome: str) -> None:
        """The outbox's sender ended one attempt at a send: sent, refused, dropped, or
        failed (it is tried again later)."""

    def round_planned(self, kind: str, seconds: float) -> None:
        """A scheduled round (`kind`: mentoring, intros) was planned in `seconds`."""


class Unobserved:
    """Nobody watching: every report is dropped."""

    def handled(self, kind: str, path: str, outcome: Outcome, seconds: float) -> None:
        return None

    def delivered(self, platform: str, outcome: str) -> None:
        return None

    def round_planned(self, kind: str, seconds: float) -> None:
        return None


UNOBSERVED: Observer = Unobserved()


@dataclass
class Call:
    kind: str
    path: str | list[str]  # a list: filled in once the command is read
    started: float = field(default_factory=time.perf_counter)
    reply: object = UNANSWERED  # what the core answered; UNANSWERED if cancelled first


class Calls:
    """The core's calls under way, and how each ended, for the observer: a process that
    stops taking work waits on `settled` before it closes the store."""

    def __init__(self, observer: Observer, *, failures: Collection[str]) -> None:
        """`failures`: the texts of replies that say copbot's side failed."""
        self.observer = observer
        self.failures = frozenset(failures)
        self.running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def began(self, kind: str, path: str | list[str]) -> Call:
        self.running += 1
        self._idle.clear()
        return Call(kind, path)

    def ended(self, call: Call) -> None:
        self.running -= 1
        if not self.running:
            self._idle.set()
        path = call.path if isinstance(call.path, str) else call.path[0]
        self.observer.handled(
            call.kind, path, self._outcome(call), time.perf_counter() - call.started
        )

    def _outcome(self, call: Call) -> Outcome:
        reply = call.reply
        if reply is UNANSWERED:
            return Outcome.ERROR
        if not isinstance(reply, Reply) or not reply.error:
            return Outcome.OK
        return Outcome.ERROR if reply.text in self.failures else Outcome.REFUSED

    async def settled(self) -> None:
        """Until no call is running."""
        await self._idle.wait()
