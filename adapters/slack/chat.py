"""The `Chat` port on Slack's Web API, and where replies to whoever acted go.

Every call goes with the token of the community's workspace (`Workspaces`: the one
configured token, or each workspace's own when installed by OAuth). slack_sdk's client
retries `ratelimited` answers (its `AsyncRateLimitErrorRetryHandler`, waiting as long as
Slack's Retry-After says) and dropped connections; the errors left are mapped to the
port's exceptions.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import render
from adapters.slack.state import ModalState
from adapters.slack.workspaces import Workspaces
from bot.kernel.messages import Actor, Attachment, CommunityKey, MessageRef, Reply
from bot.kernel.ports import (
    ChannelUnavailable,
    ChatLimits,
    MemberInfo,
    NotPinnable,
    PinLimitReached,
)
from bot.kernel.sends import Window

log = logging.getLogger(__name__)

PLATFORM = "slack"
SLACK_API = "https://slack.com/api/"
PIN_LIMIT = 100  # Slack's pins per channel; pins.add has no documented error code for it
RATE_LIMIT_RETRIES = 5
PAGE = 200  # messages a history page holds while looking for an earlier post
SLACK = timedelta(seconds=5)  # how far Slack's clock and copbot's may disagree
USER_TTL = 300.0  # seconds a users.info answer is trusted (names, admins, time zones)
KEY_EVENT = "copbot_post"
GONE = {"channel_not_found", "not_in_channel", "is_archived", "restricted_action"}
UNPINNABLE = GONE | {"not_pinnable", "message_not_found", "permission_denied", "no_permission"}


def web_client(
    token: str | None, session: ClientSession, base_url: str = SLACK_API
) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


@dataclass(frozen=True)
class Person:
    user_id: str
    display_name: str
    timezone: str | None = None
    is_admin: bool = False
    is_bot: bool = False


class People:
    """Who a user id is (users.info), cached for a while: every event names its user by id
    only. Moderators are workspace admins and owners, or the configured user and user-group
    (S...) ids. One workspace's people: admins are a workspace's own."""

    def __init__(
        self,
        client: Callable[[], Awaitable[AsyncWebClient]],
        *,
        moderators: Sequence[str] = (),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._users = frozenset(m for m in moderators if not m.startswith("S"))
        self._groups = tuple(m for m in moderators if m.startswith("S"))
        self._monotonic = monotonic
        self._people: dict[str, tuple[float, Person]] = {}
        self._group_members: dict[str, tuple[float, frozenset[str]]] = {}

    async def get(self, user_id: str) -> Person:
        cached = self._people.get(user_id)
        if cached and self._monotonic() - cached[0] < USER_TTL:
            return cached[1]
        try:
            user = (await (await self._client()).users_info(user=user_id))["user"]
        except SlackApiError as error:
            log.warning("users.info %s: %s", user_id, error.response.get("error"))
            return Person(user_id, user_id)
        profile = user.get("profile", {})
        person = Person(
            user_id,
            profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id,
            user.get("tz"),
            bool(user.get("is_admin") or user.get("is_owner")),
            bool(user.get("is_bot")),
        )
        self._people[user_id] = (self._monotonic(), person)
        return person

    async def moderates(self, person: Person) -> bool:
        if person.is_admin or person.user_id in self._users:
            return True
        for group in self._groups:
            if person.user_id in await self._members_of(group):
                return True
        return False

    async def _members_of(self, group: str) -> frozenset[str]:
        cached = self._group_members.get(group)
        if cached and self._monotonic() - cached[0] < USER_TTL:
            return cached[1]
        try:
            client = await self._client()
            found = frozenset((await client.usergroups_users_list(usergroup=group))["users"])
        except SlackApiError as error:
            log.warning("usergroups.users.list %s: %s", group, error.response.get("error"))
            found = frozenset()
        self._group_members[group] = (self._monotonic(), found)
        return found


@dataclass(frozen=True)
class Audience:
    """Where the reply to whoever acted goes: the interaction's `response_url` when there is
    one (it works in any channel, for 30 minutes), else the channel, else their DM with
    copbot (App Home). `trigger_id` opens a modal for a `Form` reply."""

    channel_id: str = ""
    response_url: str | None = None
    trigger_id: str | None = None
    replace_original: bool = False


class SlackChat:
    limits = ChatLimits(channel_interval=1.0)  # chat.postMessage: about 1 a second a channel

    def __init__(
        self,
        client: AsyncWebClient,
        session: ClientSession,
        *,
        workspaces: Workspaces | None = None,
        moderators: Sequence[str] = (),
    ) -> None:
        """`client` is bolt's (the one token's, or none when installed by OAuth);
        `workspaces` can be given later, once the installation store is open."""
        self.client = client
        self._session = session
        self._workspaces = workspaces
        self._connected = asyncio.Event()
        if workspaces is not None:
            self._connected.set()
        self._moderators = tuple(moderators)
        self._people: dict[str, People] = {}
        self._dm_channels: dict[tuple[str, str], str] = {}

    @property
    def workspaces(self) -> Workspaces:
        assert self._workspaces is not None, "Slack isn't connected yet"
        return self._workspaces

    @workspaces.setter
    def workspaces(self, workspaces: Workspaces) -> None:
        self._workspaces = workspaces
        self._connected.set()

    async def api(self, community: CommunityKey) -> AsyncWebClient:
        """The Web API client with the community's workspace's token. What the timer sends
        as the core opens (catching up) waits until the installation store is there."""
        await self._connected.wait()
        return await self.workspaces.client(community)

    def people(self, community: CommunityKey) -> People:
        """The workspace's members, as users.info tells them (cached a while)."""
        if community.id not in self._people:

            async def client() -> AsyncWebClient:
                return await self.api(community)

            self._people[community.id] = People(client, moderators=self._moderators)
        return self._people[community.id]

    async def post(
        self,
        community: CommunityKey,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        """A keyed post carries its key in the message's metadata (`find_post` reads it)."""
        metadata = {"event_type": KEY_EVENT, "event_payload": {"key": key}} if key else None
        try:
            sent = await (await self.api(community)).chat_postMessage(
                channel=channel_id,
                text=render.fallback(reply),
                blocks=render.blocks(reply),
                thread_ts=thread_id,
                metadata=metadata,
            )
        except SlackApiError as error:
            _raise_unavailable(error, channel_id)
            raise
        if reply.attachments:
            await self._upload(community, sent["channel"], reply.attachments, thread_id)
        return MessageRef(PLATFORM, sent["channel"], sent["ts"], thread_id)

    async def find_post(
        self,
        community: CommunityKey,
        channel_id: str,
        key: str,
        windows: Sequence[Window],
        *,
        thread_id: str | None = None,
    ) -> MessageRef | None:
        """A message's ts is its time: read the channel (or the thread) between each
        window's start and end, by time, however busy it was before or since."""
        for start, end in windows:
            oldest, latest = (
                f"{(start - SLACK).timestamp():.6f}",
                f"{(end + SLACK).timestamp():.6f}",
            )
            cursor: str | None = None
            while True:
                page = await self._page(community, channel_id, thread_id, oldest, latest, cursor)
                for message in page.get("messages", []):
                    metadata = message.get("metadata") or {}
                    if metadata.get("event_type") == KEY_EVENT and (
                        metadata.get("event_payload", {}).get("key") == key
                    ):
                        return MessageRef(PLATFORM, channel_id, message["ts"], thread_id)
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        return None

    async def _page(
        self,
        community: CommunityKey,
        channel_id: str,
        thread_id: str | None,
        oldest: str,
        latest: str,
        cursor: str | None,
    ) -> dict[str, Any]:
        """One page of a channel's (or a thread's) messages between two times."""
        thread = {} if thread_id is None else {"ts": thread_id}
        client = await self.api(community)
        read = client.conversations_history if thread_id is None else client.conversations_replies
        try:
            found = await read(
                channel=channel_id,
                oldest=oldest,
                latest=latest,
                inclusive=True,
                include_all_metadata=True,
                limit=PAGE,
                cursor=cursor,
                **thread,
            )
        except SlackApiError as error:
            _raise_unavailable(error, channel_id)
            raise
        return dict(found.data) if isinstance(found.data, dict) else {}

    async def open_private_space(
        self, community: CommunityKey, channel_id: str, user_ids: Sequence[str], name: str
    ) -> MessageRef:
        """A group DM of the members and copbot (Slack allows 8 people in one)."""
        try:
            client = await self.api(community)
            opened = await client.conversations_open(users=",".join(user_ids))
        except SlackApiError as error:
            raise ChannelUnavailable(str(error.response.get("error"))) from error
        return MessageRef(PLATFORM, opened["channel"]["id"], "")

    async def find_space(
        self,
        community: CommunityKey,
        channel_id: str,
        user_ids: Sequence[str],
        name: str,
        windows: Sequence[Window],
    ) -> MessageRef | None:
        """`conversations.open` answers the same conversation for the same people."""
        return await self.open_private_space(community, channel_id, user_ids, name)

    async def channel_exists(self, community: CommunityKey, channel_id: str) -> bool:
        """copbot must be a member: it reads thread replies and pins there."""
        client = await self.api(community)
        try:
            found = await client.conversations_info(channel=channel_id)
        except SlackApiError:
            return False
        channel = found["channel"]
        return bool(channel.get("is_member")) and not channel.get("is_archived")

    async def start_thread(
        self, community: CommunityKey, message: MessageRef, name: str
    ) -> MessageRef:
        """On Slack a thread is the replies to a message: nothing to create. Its link is the
        message's permalink (which opens the replies); without one (Slack refused it) the
        thread still stands, and a link to it falls back on its channel."""
        thread_ts = message.thread_id or message.message_id
        try:
            url: str | None = await self.permalink(community, message.channel_id, thread_ts)
        except SlackApiError as error:
            log.warning("no permalink for %s: %s", thread_ts, error.response.get("error"))
            url = None
        return replace(message, thread_id=thread_ts, url=url)

    async def dm_channel(self, community: CommunityKey, user_id: str) -> str:
        return await self._dm(community, user_id)

    async def _dm(self, community: CommunityKey, user_id: str) -> str:
        key = (community.id, user_id)
        if key not in self._dm_channels:
            opened = await (await self.api(community)).conversations_open(users=user_id)
            self._dm_channels[key] = opened["channel"]["id"]
        return self._dm_channels[key]

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None:
        person = await self.people(community).get(user_id)
        return MemberInfo(person.display_name, person.timezone)

    async def pin(self, community: CommunityKey, message: MessageRef) -> None:
        client = await self.api(community)
        try:
            pinned = await client.pins_list(channel=message.channel_id)
            if len(pinned.get("items", [])) >= PIN_LIMIT:
                raise PinLimitReached(message.channel_id)
            await client.pins_add(channel=message.channel_id, timestamp=message.message_id)
        except SlackApiError as error:
            code = error.response.get("error")
            if code == "already_pinned":
                return
            if code in UNPINNABLE:
                raise NotPinnable(f"{message.channel_id}: {code}") from error
            raise

    async def unpin(self, community: CommunityKey, message: MessageRef) -> None:
        client = await self.api(community)
        try:
            await client.pins_remove(channel=message.channel_id, timestamp=message.message_id)
        except SlackApiError as error:
            if error.response.get("error") in UNPINNABLE | {"no_pin"}:
                raise NotPinnable(message.channel_id) from error
            raise

    async def reply_to(self, actor: Actor, reply: Reply, to: Audience) -> None:
        """The core's answer to the member who acted."""
        if reply.form is not None and to.trigger_id:
            state = ModalState(
                reply.form.action_id, to.channel_id, to.response_url, reply.form.value
            )
            await self.open_modal(
                actor.community, to.trigger_id, render.form_modal(reply.form, state)
            )
            return
        if reply.form is not None:
            reply = Reply("That form can't open from here: run the command again.", ephemeral=True)
        if reply.attachments:  # files go where only they can see them; the answer says so
            await self.post(actor.community, await self._dm(actor.community, actor.user_id), reply)
            where = f"{reply.text} (The file is in your direct messages with copbot.)".strip()
            reply = Reply(where, reply.cards, reply.buttons, ephemeral=reply.ephemeral)
        text, blocks = render.fallback(reply), render.blocks(reply)
        if to.response_url:
            answer = await AsyncWebhookClient(to.response_url, session=self._session).send(
                text=text,
                blocks=blocks,
                response_type="ephemeral" if reply.ephemeral else "in_channel",
                replace_original=to.replace_original and reply.ephemeral,
            )
            if answer.status_code != 200:
                log.warning("response_url answered %s: %s", answer.status_code, answer.body)
        elif to.channel_id and reply.ephemeral:
            await (await self.api(actor.community)).chat_postEphemeral(
                channel=to.channel_id, user=actor.user_id, text=text, blocks=blocks
            )
        else:
            channel = to.channel_id or await self._dm(actor.community, actor.user_id)
            client = await self.api(actor.community)
            await client.chat_postMessage(channel=channel, text=text, blocks=blocks)

    async def open_modal(
        self, community: CommunityKey, trigger_id: str, view: dict[str, Any]
    ) -> None:
        await (await self.api(community)).views_open(trigger_id=trigger_id, view=view)

    async def publish_home(
        self, community: CommunityKey, user_id: str, sections: Sequence[Reply]
    ) -> None:
        client = await self.api(community)
        await client.views_publish(user_id=user_id, view=render.home(sections))

    async def message_text(self, community: CommunityKey, channel_id: str, ts: str) -> str:
        """The text of one message (a reaction names only its channel and ts)."""
        client = await self.api(community)
        found = await client.conversations_history(
            channel=channel_id, latest=ts, inclusive=True, limit=1
        )
        messages: list[dict[str, Any]] = found.get("messages", [])
        if not any(m.get("ts") == ts for m in messages):  # a reply in a thread
            found = await client.conversations_replies(
                channel=channel_id, ts=ts, latest=ts, inclusive=True, limit=1
            )
            messages = found.get("messages", [])
        return next((str(m.get("text", "")) for m in messages if m.get("ts") == ts), "")

    async def permalink(self, community: CommunityKey, channel_id: str, ts: str) -> str:
        client = await self.api(community)
        found = await client.chat_getPermalink(channel=channel_id, message_ts=ts)
        return str(found["permalink"])

    async def _upload(
        self,
        community: CommunityKey,
        channel_id: str,
        attachments: Sequence[Attachment],
        thread_ts: str | None,
    ) -> None:
        await (await self.api(community)).files_upload_v2(
            channel=channel_id,
            thread_ts=thread_ts,
            file_uploads=[
                {"content": a.content, "filename": a.filename, "title": a.filename}
                for a in attachments
            ],
        )


def _raise_unavailable(error: SlackApiError, channel_id: str) -> None:
    code = error.response.get("error")
    if code in GONE:
        raise ChannelUnavailable(f"{channel_id}: {code}") from error
