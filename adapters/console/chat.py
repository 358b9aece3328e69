"""The `Chat` port in a terminal: every message is a line tagged with where it went."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from adapters.console.render import printable, render
from bot.kernel.messages import ChatMessage, CommunityKey, MessageRef, Reply
from bot.kernel.ports import ChatLimits, MemberInfo, NotPinnable, PinLimitReached
from bot.kernel.sends import Window

PLATFORM = "console"
_DM = "dm-"  # a member's direct messages with copbot: the channel `dm-<name>`
_REMEMBERED = 500
PIN_LIMIT = 250  # as on Discord


def _link(community: CommunityKey, *place: str) -> str:
    """A printable link to a channel, thread or message: the console's own, going nowhere."""
    return "/".join(("https://console.copbot.invalid", community.id, *place))


@dataclass(frozen=True)
class Shown:
    """A message on screen; `audience` is who sees it, None for everyone in the channel."""

    ref: MessageRef
    reply: Reply
    audience: frozenset[str] | None

    def visible_to(self, user: str) -> bool:
        return self.audience is None or user in self.audience


class ConsoleChat:
    def __init__(self, write: Callable[[str], None], *, pin_limit: int = PIN_LIMIT) -> None:
        self._out = write
        self._ids = itertools.count(1)
        self.shown: deque[Shown] = deque(maxlen=_REMEMBERED)
        self.said: dict[str, ChatMessage] = {}
        self.pins: dict[str, list[str]] = {}
        self._pin_limit = pin_limit
        self._keyed: dict[str, MessageRef] = {}
        self._threads: set[str | None] = set()
        self._spaces: dict[str, frozenset[str]] = {}
        self._named_spaces: dict[tuple[str, str], MessageRef] = {}

    limits = ChatLimits()  # a terminal takes posts as fast as they come

    def _write(self, line: str) -> None:
        """Every line goes out printable: what members say reaches a terminal too."""
        self._out(printable(line))

    def say(
        self, community: CommunityKey, user: str, channel_id: str, thread: str | None, text: str
    ) -> MessageRef:
        """A member's own chat message, numbered so others can act on it."""
        ref = MessageRef(PLATFORM, channel_id, str(next(self._ids)), thread)
        link = _link(community, channel_id, ref.message_id)
        self.said[ref.message_id] = ChatMessage(ref, link, user, user, text)
        where = f"#{channel_id}/{thread}" if thread else f"#{channel_id}"
        self._write(f"[{where}] {user} (message {ref.message_id}): {text}")
        return ref

    def show(
        self,
        destination: str,
        channel_id: str,
        reply: Reply,
        audience: frozenset[str] | None,
        *,
        following: MessageRef | None = None,
    ) -> MessageRef:
        """A reply on screen; one `following` another (its private follow-up) shares its
        number, so that a script's message numbers don't depend on who was welcomed."""
        ref = following or MessageRef(PLATFORM, channel_id, str(next(self._ids)))
        self.shown.append(Shown(ref, reply, audience))
        for line in render(reply):
            self._write(f"[{destination}] {line}")
        return ref

    def note(self, text: str) -> None:
        """The console's own remarks (clock moves, script mistakes)."""
        self._write(f"[console] {text}")

    async def post(
        self,
        community: CommunityKey,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        audience: frozenset[str] | None
        if channel_id.startswith(_DM):
            user = channel_id.removeprefix(_DM)
            where, audience = f"dm {user}", frozenset({user})
        else:
            where = f"#{channel_id}/{thread_id}" if thread_id else f"#{channel_id}"
            audience = self._spaces.get(thread_id) if thread_id else None
        ref = replace(self.show(where, channel_id, reply, audience), thread_id=thread_id)
        if key is not None:
            self._keyed[key] = ref
        return ref

    async def find_post(
        self,
        community: CommunityKey,
        channel_id: str,
        key: str,
        windows: Sequence[Window],
        *,
        thread_id: str | None = None,
    ) -> MessageRef | None:
        return self._keyed.get(key)  # one process, which remembers what it posted

    async def find_space(
        self,
        community: CommunityKey,
        channel_id: str,
        user_ids: Sequence[str],
        name: str,
        windows: Sequence[Window],
    ) -> MessageRef | None:
        return self._named_spaces.get((channel_id, name))

    async def dm_channel(self, community: CommunityKey, user_id: str) -> str:
        return f"{_DM}{user_id}"

    async def channel_exists(self, community: CommunityKey, channel_id: str) -> bool:
        return True  # naming a channel in the console makes it

    async def start_thread(
        self, community: CommunityKey, message: MessageRef, name: str
    ) -> MessageRef:
        thread_id = f"t{message.message_id}"
        thread = replace(message, thread_id=thread_id, url=_link(community, thread_id))
        if thread.thread_id not in self._threads:
            self._threads.add(thread.thread_id)
            self._write(f"[#{message.channel_id}] 🧵 thread {thread.thread_id}: {name}")
        return thread

    async def open_private_space(
        self, community: CommunityKey, channel_id: str, user_ids: Sequence[str], name: str
    ) -> MessageRef:
        space = f"p{next(self._ids)}"
        self._spaces[space] = frozenset(user_ids)
        who = ", ".join(user_ids)
        self._write(f"[#{channel_id}] 🔒 private thread {space} for {who}: {name}")
        ref = MessageRef(PLATFORM, channel_id, "", space)
        self._named_spaces[(channel_id, name)] = ref
        return ref

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None:
        return MemberInfo(display_name=user_id)

    async def pin(self, community: CommunityKey, message: MessageRef) -> None:
        pinned = self.pins.setdefault(message.channel_id, [])
        if message.message_id in pinned:
            return
        known = {s.ref.message_id for s in self.shown}
        if message.message_id not in known and message.message_id not in self.said:
            raise NotPinnable(message.message_id)
        if len(pinned) >= self._pin_limit:
            raise PinLimitReached(message.channel_id)
        pinned.append(message.message_id)
        self._write(f"[#{message.channel_id}] 📌 pinned message {message.message_id}")

    async def unpin(self, community: CommunityKey, message: MessageRef) -> None:
        pinned = self.pins.get(message.channel_id, [])
        if message.message_id not in pinned:
            raise NotPinnable(message.message_id)
        pinned.remove(message.message_id)
        self._write(f"[#{message.channel_id}] unpinned message {message.message_id}")


class ConsoleClock:
    """Real time (or a time a script fixes with `@now`), moved on by `@advance`."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return (self._fixed or datetime.now(UTC)) + self._offset

    def fix(self, moment: datetime) -> None:
        self._fixed, self._offset = moment.astimezone(UTC), timedelta(0)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    @property
    def moved(self) -> bool:
        return self._fixed is not None or bool(self._offset)

    def state(self) -> dict[str, object]:
        """What `restore` takes back: the clock as JSON."""
        fixed = self._fixed.isoformat() if self._fixed else None
        return {"fixed": fixed, "offset": self._offset.total_seconds()}

    def restore(self, state: object) -> None:
        """The clock as `state` left it (what isn't one is ignored: real time, then)."""
        if not isinstance(state, dict):
            return
        fixed, offset = state.get("fixed"), state.get("offset")
        try:
            self._fixed = datetime.fromisoformat(fixed) if isinstance(fixed, str) else None
            self._offset = (
                timedelta(seconds=offset) if isinstance(offset, int | float) else timedelta()
            )
        except (ValueError, OverflowError):
            self._fixed, self._offset = None, timedelta()
