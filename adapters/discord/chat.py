"""The `Chat` port on Discord: what the core sends on its own, through discord.py's REST client.

Posts go through partial messageables, so any process can post in any guild, whichever
shard owns it. Refusals become the port's exceptions, naming the permission copbot lacks
when the cache knows it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, Literal

import discord

from adapters.discord.limits import NONCE, THREAD_NAME, cut
from adapters.discord.render import REF, render
from bot.kernel.messages import CommunityKey, MessageRef, Reply
from bot.kernel.ports import (
    ChannelUnavailable,
    ChatLimits,
    MemberInfo,
    NotPinnable,
    PinLimitReached,
)
from bot.kernel.sends import Window

log = logging.getLogger(__name__)
SLACK = timedelta(seconds=5)  # how far Discord's clock and copbot's may disagree

PLATFORM = "discord"
MAX_PINS = 30003  # Discord's error code: the channel has 250 pins already
THREAD_EXISTS = 160004  # Discord's error code: that message has a thread already
WEEK: Literal[10080] = 10080  # minutes: threads stay open for a week of answers

POST = ("view_channel", "send_messages", "embed_links", "attach_files")
THREAD = ("view_channel", "send_messages_in_threads", "create_public_threads")
PRIVATE_THREAD = ("view_channel", "send_messages_in_threads", "create_private_threads")
PIN = ("view_channel", "pin_messages")


def jump_url(community: CommunityKey, channel_id: object, message_id: str = "") -> str:
    """Discord's link to a channel or thread (a thread is a channel), or to a message in one."""
    message = f"/{message_id}" if message_id else ""
    return f"https://discord.com/channels/{community.id}/{channel_id}{message}"


class DiscordChat:
    """Bound to the client serving copbot, which logs in before the core posts anything."""

    limits = ChatLimits(requests_per_second=45.0)  # under Discord's global 50 a second

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def post(
        self,
        community: CommunityKey,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        if not (thread_id or channel_id).isdigit():
            raise ChannelUnavailable(f"“{channel_id[:40]}” is not a Discord channel")
        target = self._messageable(community, thread_id or channel_id)
        extra: dict[str, Any] = {"nonce": nonce(key)} if key else {}  # discord.py enforces it
        message = render(reply, ref=ref_of(key) if key else None)
        try:
            sent = await target.send(**message.send_kwargs(), **extra)
        except (discord.Forbidden, discord.NotFound) as error:
            raise ChannelUnavailable(self._refusal(community, channel_id, POST, error)) from None
        url = jump_url(community, thread_id or channel_id, str(sent.id))
        return MessageRef(PLATFORM, channel_id, str(sent.id), thread_id, url)

    async def find_post(
        self,
        community: CommunityKey,
        channel_id: str,
        key: str,
        windows: Sequence[Window],
        *,
        thread_id: str | None = None,
    ) -> MessageRef | None:
        """Message ids are times (snowflakes): read copbot's messages in each window, from
        its start, and stop at its end, however busy the channel was before or since."""
        target = self._messageable(community, thread_id or channel_id)
        wanted, me = REF + ref_of(key), self.client.user
        for start, end in windows:
            async for message in target.history(limit=None, after=start - SLACK, oldest_first=True):
                if message.created_at > end + SLACK:
                    break
                if (
                    me is not None
                    and message.author.id == me.id
                    and any((embed.footer.text or "").endswith(wanted) for embed in message.embeds)
                ):
                    url = jump_url(community, thread_id or channel_id, str(message.id))
                    return MessageRef(PLATFORM, channel_id, str(message.id), thread_id, url)
        return None

    async def channel_exists(self, community: CommunityKey, channel_id: str) -> bool:
        if not channel_id.isdigit():
            return False
        guild = self.client.get_guild(int(community.id))
        channel = guild.get_channel_or_thread(int(channel_id)) if guild else None
        if guild is not None and channel is not None:
            return channel.permissions_for(guild.me).view_channel
        try:  # a guild of a shard another process serves
            fetched = await self.client.fetch_channel(int(channel_id))
        except (discord.Forbidden, discord.NotFound):
            return False
        guild_of = getattr(fetched, "guild", None)
        return guild_of is not None and str(guild_of.id) == community.id

    async def start_thread(
        self, community: CommunityKey, message: MessageRef, name: str
    ) -> MessageRef:
        try:
            thread = await self.client.http.start_thread_with_message(
                int(message.channel_id),
                int(message.message_id),
                name=cut(name, THREAD_NAME),
                auto_archive_duration=WEEK,
            )
        except discord.HTTPException as error:
            if error.code == THREAD_EXISTS:  # a thread's id is its starter message's
                thread_id = message.message_id
                return replace(message, thread_id=thread_id, url=jump_url(community, thread_id))
            if isinstance(error, discord.Forbidden | discord.NotFound):
                raise ChannelUnavailable(
                    self._refusal(community, message.channel_id, THREAD, error)
                ) from None
            raise
        thread_id = str(thread["id"])
        return replace(message, thread_id=thread_id, url=jump_url(community, thread_id))

    async def open_private_space(
        self, community: CommunityKey, channel_id: str, user_ids: Sequence[str], name: str
    ) -> MessageRef:
        """A private thread (copbot never opens many DMs: Discord quarantines bots that do)."""
        try:
            channel = await self._text_channel(community, channel_id)
            thread = await channel.create_thread(
                name=cut(name, THREAD_NAME),
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=WEEK,
            )
            for user_id in user_ids:
                await thread.add_user(discord.Object(int(user_id)))
        except (discord.Forbidden, discord.NotFound) as error:
            raise ChannelUnavailable(
                self._refusal(community, channel_id, PRIVATE_THREAD, error)
            ) from None
        return MessageRef(PLATFORM, channel_id, "", str(thread.id), jump_url(community, thread.id))

    async def find_space(
        self,
        community: CommunityKey,
        channel_id: str,
        user_ids: Sequence[str],
        name: str,
        windows: Sequence[Window],
    ) -> MessageRef | None:
        """copbot's private thread of that name under the channel, made in one of the
        windows (a thread's id is its time); its members are added again, in case the
        attempt that made it stopped before it added them all."""
        me = self.client.user
        if me is None or not channel_id.isdigit():
            return None
        active = await self.client.http.get_active_threads(int(community.id))
        for thread in active["threads"]:
            made = discord.utils.snowflake_time(int(thread["id"]))
            if (
                thread.get("parent_id") == channel_id
                and thread.get("owner_id") == str(me.id)
                and thread.get("name") == cut(name, THREAD_NAME)
                and any(start - SLACK <= made <= end + SLACK for start, end in windows)
            ):
                for user_id in user_ids:
                    await self.client.http.add_user_to_thread(int(thread["id"]), int(user_id))
                url = jump_url(community, thread["id"])
                return MessageRef(PLATFORM, channel_id, "", str(thread["id"]), url)
        return None

    async def dm_channel(self, community: CommunityKey, user_id: str) -> str:
        try:
            channel = await self.client.create_dm(discord.Object(int(user_id)))
        except (discord.Forbidden, discord.NotFound) as error:
            raise ChannelUnavailable(
                f"<@{user_id}> takes no direct messages ({error.text})"
            ) from None
        return str(channel.id)

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None:
        """Nothing beyond what the interaction said: Discord's user object has no timezone,
        and the display name comes with every interaction. (Asking would spend one of the
        token's turns, while the member waits, on their first command in each process.)"""
        return None

    async def pin(self, community: CommunityKey, message: MessageRef) -> None:
        try:
            await self._partial(message).pin()
        except discord.HTTPException as error:
            if error.code == MAX_PINS:
                raise PinLimitReached(message.channel_id) from None
            raise NotPinnable(self._refusal(None, message.channel_id, PIN, error)) from None

    async def unpin(self, community: CommunityKey, message: MessageRef) -> None:
        try:
            await self._partial(message).unpin()
        except discord.HTTPException as error:
            raise NotPinnable(self._refusal(None, message.channel_id, PIN, error)) from None

    def _messageable(self, community: CommunityKey, channel_id: str) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(channel_id), guild_id=int(community.id))

    def _partial(self, message: MessageRef) -> discord.PartialMessage:
        channel = self.client.get_partial_messageable(int(message.thread_id or message.channel_id))
        return channel.get_partial_message(int(message.message_id))

    async def _text_channel(self, community: CommunityKey, channel_id: str) -> discord.TextChannel:
        guild = self.client.get_guild(int(community.id))
        channel = guild.get_channel(int(channel_id)) if guild else None
        if channel is None:
            channel = await self.client.fetch_channel(int(channel_id))  # type: ignore[assignment]
        if not isinstance(channel, discord.TextChannel):
            raise ChannelUnavailable(f"<#{channel_id}> is not a text channel")
        return channel

    def _refusal(
        self,
        community: CommunityKey | None,
        channel_id: str,
        needed: Sequence[str],
        error: discord.HTTPException,
    ) -> str:
        """Why Discord refused, naming the permission copbot lacks there when it knows it."""
        channel = self.client.get_channel(int(channel_id))
        guild = getattr(channel, "guild", None)
        if guild is None and community is not None:
            guild = self.client.get_guild(int(community.id))
        if isinstance(channel, discord.abc.GuildChannel) and guild is not None:
            granted = channel.permissions_for(guild.me)
            # The first one: Discord takes the later ones away with it (no Send Messages, no
            # Embed Links), so it is the one to grant.
            missing = next((p for p in needed if not getattr(granted, p)), None)
            if missing is not None:
                name = missing.replace("_", " ").title()
                return f"copbot lacks {name} in <#{channel_id}>"
        log.info("Discord refused in channel %s: %s %s", channel_id, error.status, error.text)
        return f"<#{channel_id}> is gone or closed to copbot ({error.text or error.status})"


def ref_of(key: str) -> str:
    """The short reference a keyed message carries in its last embed's footer."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def nonce(key: str) -> str:
    """Discord's message nonce (25 characters) for an idempotency key."""
    if len(key) <= NONCE:
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE]
