"""Test doubles that record what happened instead of mocking, and a chat-like helper."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.kernel.core import Core
from bot.kernel.messages import Action, Actor, CommunityKey, MessageRef, Reply
from bot.kernel.ports import (
    ChannelUnavailable,
    ChatLimits,
    MemberInfo,
    NotPinnable,
    PinLimitReached,
)
from bot.kernel.sends import Window

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
HOME = CommunityKey("test", "home")


class ManualClock:
    """Moves only when told to."""

    def __init__(self, start: datetime = START) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


@dataclass
class Sent:
    community: CommunityKey
    to: str  # "#channel", "#channel/thread" or "#dm-<user>"
    reply: Reply
    key: str | None = None
    ref: MessageRef | None = None


@dataclass
class FakeChat:
    """Records every message the core sends on its own; knows what `users` says."""

    users: dict[str, MemberInfo] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    pins: dict[str, list[str]] = field(default_factory=dict)
    pin_limit: int = 250
    unpinnable: set[str] = field(default_factory=set)
    unavailable: set[str] = field(default_factory=set)  # posting there is refused
    failing: set[str] = field(default_factory=set)  # posting there fails for now (a 5xx)
    missing: set[str] = field(default_factory=set)  # channels copbot can't see
    threads: dict[str, str] = field(default_factory=dict)
    spaces: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # name, members
    limits: ChatLimits = field(default_factory=ChatLimits)

    async def post(
        self,
        community: CommunityKey,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        if channel_id in self.unavailable:
            raise ChannelUnavailable(channel_id)
        if channel_id in self.failing or thread_id in self.failing:
            raise RuntimeError(f"503 from the platform for {channel_id}")
        where = f"#{channel_id}/{thread_id}" if thread_id else f"#{channel_id}"
        ref = MessageRef("test", channel_id, str(len(self.sent) + 1), thread_id)
        self.sent.append(Sent(community, where, reply, key, ref))
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
        """What a real platform answers: the message carrying `key`, if it was posted."""
        return next((s.ref for s in self.sent if s.key == key and s.community == community), None)

    async def find_space(
        self,
        community: CommunityKey,
        channel_id: str,
        user_ids: Sequence[str],
        name: str,
        windows: Sequence[Window],
    ) -> MessageRef | None:
        found = [n for n, (made, _) in enumerate(self.spaces, 1) if made == name]
        return MessageRef("test", channel_id, "", f"p{found[-1]}") if found else None

    async def dm_channel(self, community: CommunityKey, user_id: str) -> str:
        return f"dm-{user_id}"

    async def channel_exists(self, community: CommunityKey, channel_id: str) -> bool:
        return channel_id not in self.missing

    async def start_thread(
        self, community: CommunityKey, message: MessageRef, name: str
    ) -> MessageRef:
        self.threads.setdefault(message.message_id, name)
        thread = f"t{message.message_id}"
        return replace(message, thread_id=thread, url=f"https://chat.test/{community.id}/{thread}")

    async def open_private_space(
        self, community: CommunityKey, channel_id: str, user_ids: Sequence[str], name: str
    ) -> MessageRef:
        if channel_id in self.unavailable:
            raise ChannelUnavailable(channel_id)
        self.spaces.append((name, tuple(user_ids)))
        return MessageRef("test", channel_id, "", f"p{len(self.spaces)}")

    def posted_to(self, channel: str) -> list[Reply]:
        return [s.reply for s in self.sent if s.to == f"#{channel}"]

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None:
        return self.users.get(user_id)

    async def pin(self, community: CommunityKey, message: MessageRef) -> None:
        pinned = self.pins.setdefault(message.channel_id, [])
        if message.channel_id in self.unpinnable:
            raise NotPinnable(message.channel_id)
        if message.message_id in pinned:
            return
        if len(pinned) >= self.pin_limit:
            raise PinLimitReached(message.channel_id)
        pinned.append(message.message_id)

    async def unpin(self, community: CommunityKey, message: MessageRef) -> None:
        pinned = self.pins.get(message.channel_id, [])
        if message.message_id not in pinned:
            raise NotPinnable(message.message_id)
        pinned.remove(message.message_id)


@dataclass
class Talk:
    """Drive the core like a chat: `await talk("alice", "/profile set skills:python")`."""

    core: Core
    community: CommunityKey = HOME
    moderators: frozenset[str] = frozenset({"mod"})
    channel: str = "general"
    names: dict[str, str] = field(default_factory=dict)
    last: dict[str, Reply] = field(default_factory=dict)

    def actor(self, user: str) -> Actor:
        name = self.names.get(user, user.title())
        return Actor(self.community, user, name, is_moderator=user in self.moderators)

    async def __call__(self, user: str, line: str) -> Reply:
        reply = await self.core.invoke_text(self.actor(user), self.channel, line)
        self.last[user] = reply
        await self.settle()
        return reply

    def json(self, user: str) -> Any:
        """The JSON file attached to `user`'s last reply (an export)."""
        return json.loads(self.last[user].attachments[0].content)

    async def settle(self) -> None:
        """Wait for what copbot sends on its own, as a member a moment later would see it."""
        if self.core.outbox is not None:
            await self.core.outbox.drain()

    async def press(self, user: str, label: str, *, on: Reply | None = None, **form: str) -> Reply:
        """Press a button (or submit a form) on `on`, by default `user`'s last reply."""
        message = on or self.last[user]
        if message.form is not None and message.form.submit_label == label:
            values = {f.name: form.get(f.name, f.default) for f in message.form.fields}
            action = Action(
                self.actor(user), self.channel, message.form.action_id, message.form.value, values
            )
        else:
            button = next(b for b in message.buttons if b.label == label)
            action = Action(self.actor(user), self.channel, button.action_id, button.value)
        reply = await self.core.act(action)
        self.last[user] = reply
        await self.settle()
        return reply
