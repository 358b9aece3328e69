"""A loopback Discord that the real discord.py talks to: REST under /api/v10 and the gateway
websocket (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, RESUME, dispatches, zlib-stream),
bound to 127.0.0.1 only.

Every REST request is checked against Discord's OpenAPI spec (`violations`); the fake keeps
what a test needs to assert on (messages, threads, pins, interaction responses) and can
answer the next request on a route with a 429, or forget a guild as if copbot were removed
(and add it back). It counts each bot token's requests over every second (`peak_rate`): one
more than Discord's global limit is answered with a global 429 and fails the test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import WSMsgType, web
from discord.utils import snowflake_time, time_snowflake

from tests.discord.spec import DiscordSpec

API = "/api/v10"
APPLICATION_ID = 1_000_000_000_000_000_001
BOT_ID = APPLICATION_ID
TOKEN = "fake-token"
CONTENT = 2000
WAIT = 10.0  # seconds a test waits for copbot at most
PINS = 250
ALL = str((1 << 50) - 1)
MANAGE_GUILD = 1 << 5
VIEW, SEND_MESSAGES, EMBED, ATTACH, HISTORY = 1 << 10, 1 << 11, 1 << 14, 1 << 15, 1 << 16
PUBLIC_THREADS, PRIVATE_THREADS, SEND_IN_THREADS, PIN = 1 << 35, 1 << 36, 1 << 38, 1 << 51
BOT_PERMISSIONS = (
    (VIEW | SEND_MESSAGES | EMBED | ATTACH | HISTORY | PUBLIC_THREADS | PRIVATE_THREADS)
    | SEND_IN_THREADS
    | PIN
)

_ids = itertools.count(1 << 40)


def snowflake() -> int:
    """Unique ids whose shard, (id >> 22) % shard_count, alternates as real ones spread."""
    return next(_ids) << 22


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name.lower(),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass
class FakeUser:
    id: int
    name: str
    moderator: bool = False
    roles: list[int] = field(default_factory=list)

    def member(self) -> dict[str, Any]:
        return {
            "user": user_payload(self.id, self.name),
            "nick": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }


@dataclass
class FakeGuild:
    id: int
    name: str
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    roles: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, FakeUser] = field(default_factory=dict)
    bot_role: int = 0

    def payload(self) -> dict[str, Any]:
        bot = {
            "user": user_payload(BOT_ID, "copbot", bot=True),
            "roles": [str(self.bot_role)],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": "1",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": list(self.roles.values()),
            "channels": [c for c in self.channels.values() if c["type"] in (0, 4)],
            "threads": [c for c in self.channels.values() if c["type"] in (11, 12)],
            "members": [bot],
            "member_count": len(self.users) + 1,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "large": False,
            "unavailable": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
        }


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class Session:
    id: str
    shard: tuple[int, int]
    sequence: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Connection:
    ws: web.WebSocketResponse
    compress: Any | None
    session: Session | None = None
    heartbeats: list[float] = field(default_factory=list)


NONCE_WINDOW = timedelta(minutes=1)  # Discord keeps a nonce "for the past few minutes"
GLOBAL_LIMIT = 50  # requests a bot token may make in any second (interactions' aside)


class FakeDiscord:
    def __init__(
        self,
        *,
        heartbeat_interval: float = 41.25,
        validate: bool = True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`now`: Discord's clock, which message and thread ids (snowflakes) are made of."""
        self.spec = DiscordSpec() if validate else None
        self.heartbeat_interval = heartbeat_interval
        self.requests: list[Request] = []
        self.violations: list[str] = []
        self.guilds: dict[int, FakeGuild] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.responses: dict[int, list[dict[str, Any]]] = {}  # interaction id -> callbacks, edits
        self.pins: dict[int, list[int]] = {}
        self.thread_members: dict[int, set[int]] = {}
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.identified = 0
        self.resumed = 0
        self.limited: dict[tuple[str, str], float] = {}  # (method, path regex) -> retry_after
        self.heartbeat_gaps: list[float] = []
        self.sent_at: dict[int, float] = {}  # interaction id -> when it was dispatched
        self.answered_at: dict[int, float] = {}  # its callback (perhaps a deferral) arrived
        self.finished_at: dict[int, float] = {}  # the member saw copbot's answer
        self._changed = asyncio.Condition()
        self._tokens: dict[str, int] = {}  # interaction token -> id
        self._nonces: dict[tuple[int, str], int] = {}
        self.now = now
        self._last_message_id = 0
        self.dm_channels: dict[int, int] = {}  # channel -> user
        self._originals: dict[str, int] = {}  # interaction token -> its response message
        self._channels: dict[str, int] = {}  # interaction token -> its channel
        self._followups: set[int] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.post_delay = 0.0  # seconds each new message takes: a slow Discord
        self.peak_rate: dict[str, int] = {}  # token -> most requests it made in one second
        self._lately: dict[str, deque[float]] = {}  # token -> its requests' times, last second

    # Running

    async def start(self) -> None:
        app = web.Application(client_max_size=30 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for connection in list(self.connections):
            await connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def wait_for(self, condition: Callable[[], Any]) -> Any:
        """Wait until `condition()` is truthy (no sleeps: woken by every change; 10 s at most)."""
        async with asyncio.timeout(WAIT), self._changed:
            return await self._changed.wait_for(condition)

    async def _changed_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # The world

    def add_guild(self, name: str, *channels: str, moderator_role: str | None = None) -> FakeGuild:
        guild = FakeGuild(snowflake(), name)
        guild.roles[guild.id] = _role(guild.id, "@everyone", 1 << 10 | 1 << 11 | 1 << 16, 0)
        guild.bot_role = snowflake()
        guild.roles[guild.bot_role] = _role(guild.bot_role, "copbot", BOT_PERMISSIONS, 1)
        if moderator_role:
            role = snowflake()
            guild.roles[role] = _role(role, moderator_role, 0, 2)
        for position, channel in enumerate(channels):
            channel_id = snowflake()
            guild.channels[channel_id] = {
                "id": str(channel_id),
                "type": 0,
                "guild_id": str(guild.id),
                "name": channel,
                "position": position,
                "permission_overwrites": [],
                "nsfw": False,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "parent_id": None,
            }
        self.guilds[guild.id] = guild
        return guild

    def add_user(
        self, guild: FakeGuild, name: str, *, moderator: bool = False, role: str | None = None
    ) -> FakeUser:
        roles = [r for r, data in guild.roles.items() if role and data["name"] == role]
        user = FakeUser(snowflake(), name, moderator, roles)
        guild.users[user.id] = user
        return user

    def channel(self, guild: FakeGuild, name: str) -> int:
        return next(i for i, c in guild.channels.items() if c["name"] == name)

    async def deny_bot(self, guild: FakeGuild, channel_id: int, permission: int) -> None:
        """Take a permission from copbot in one channel (an overwrite on its role)."""
        channel = guild.channels[channel_id]
        channel["permission_overwrites"] = [
            {"id": str(guild.bot_role), "type": 0, "allow": "0", "deny": str(permission)}
        ]
        await self.dispatch(guild.id, "CHANNEL_UPDATE", channel)

    def forget(self, interaction_id: int) -> None:
        """Discord no longer knows this interaction (it expired): answers get 10062."""
        self._tokens = {t: i for t, i in self._tokens.items() if i != interaction_id}

    async def remove_guild(self, guild: FakeGuild) -> None:
        """copbot was kicked: the guild goes from the gateway and REST refuses its channels."""
        del self.guilds[guild.id]
        await self.dispatch(guild.id, "GUILD_DELETE", {"id": str(guild.id)})

    async def add_back(self, guild: FakeGuild) -> None:
        """copbot was invited again: the guild is back, announced by GUILD_CREATE without
        `unavailable` (which Discord sets only for a guild lazily loaded or back from an
        outage; discord.py tells a join from those by it)."""
        self.guilds[guild.id] = guild
        joined = {k: v for k, v in guild.payload().items() if k != "unavailable"}
        await self.dispatch(guild.id, "GUILD_CREATE", joined)

    def limit_next(self, method: str, path_pattern: str, retry_after: float = 0.05) -> None:
        """Answer the next matching request with 429 and `retry_after`, as Discord does."""
        self.limited[(method, path_pattern)] = retry_after

    # Gateway

    def _shard_of(self, guild_id: int, count: int) -> int:
        return (guild_id >> 22) % count

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        compress = zlib.compressobj() if request.query.get("compress") == "zlib-stream" else None
        connection = Connection(ws, compress)
        self.connections.append(connection)
        await self._send(
            connection, {"op": 10, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}}
        )
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                await self._received(connection, json.loads(message.data))
        finally:
            self.connections.remove(connection)
            await self._changed_now()
        return ws

    async def _received(self, connection: Connection, payload: dict[str, Any]) -> None:
        op, data = payload["op"], payload.get("d")
        if op == 1:
            now = time.perf_counter()
            if connection.heartbeats:
                self.heartbeat_gaps.append(now - connection.heartbeats[-1])
            connection.heartbeats.append(now)
            await self._send(connection, {"op": 11})
        elif op == 2:
            await self._identify(connection, data)
        elif op == 6:
            await self._resume(connection, data)
        await self._changed_now()

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        if data["token"] != TOKEN:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        if data["intents"] & ((1 << 1) | (1 << 8) | (1 << 15)):
            await connection.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identified += 1
        shard = tuple(data.get("shard") or (0, 1))
        session = Session(f"session-{snowflake()}", (shard[0], shard[1]))
        self.sessions[session.id] = session
        connection.session = session
        mine = [g for g in self.guilds.values() if self._shard_of(g.id, shard[1]) == shard[0]]
        await self._dispatch_on(
            connection,
            "READY",
            {
                "v": 10,
                "user": user_payload(BOT_ID, "copbot", bot=True),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in mine],
                "session_id": session.id,
                "resume_gateway_url": self.gateway_url,
                "shard": list(shard),
                "application": {"id": str(APPLICATION_ID), "flags": 0},
            },
        )
        for guild in mine:
            await self._dispatch_on(connection, "GUILD_CREATE", guild.payload())

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(data["session_id"])
        if session is None or data["token"] != TOKEN:
            await self._send(connection, {"op": 9, "d": False})
            return
        self.resumed += 1
        connection.session = session
        for event in session.sent:
            if event["s"] > data["seq"]:
                await self._send(connection, event)
        await self._dispatch_on(connection, "RESUMED", {})

    async def _send(self, connection: Connection, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        if connection.compress is None:
            await connection.ws.send_str(text)
        else:
            data = connection.compress.compress(text.encode()) + connection.compress.flush(
                zlib.Z_SYNC_FLUSH
            )
            await connection.ws.send_bytes(data)

    async def _dispatch_on(self, connection: Connection, event: str, data: dict[str, Any]) -> None:
        session = connection.session
        assert session is not None
        session.sequence += 1
        payload = {"op": 0, "t": event, "s": session.sequence, "d": data}
        session.sent.append(payload)
        await self._send(connection, payload)

    async def dispatch(self, guild_id: int, event: str, data: dict[str, Any]) -> None:
        """Send an event to the session serving `guild_id`'s shard; while it is disconnected
        the event waits in the session and goes out on RESUME. The newest session wins (an
        older one belonged to a process that stopped)."""
        for session in reversed(self.sessions.values()):
            if self._shard_of(guild_id, session.shard[1]) != session.shard[0]:
                continue
            live = next((c for c in self.connections if c.session is session), None)
            if live is not None:
                await self._dispatch_on(live, event, data)
            else:
                session.sequence += 1
                session.sent.append({"op": 0, "t": event, "s": session.sequence, "d": data})
            return
        raise AssertionError(f"no session serves guild {guild_id}")

    async def _announce(self, guild_id: int, event: str, data: dict[str, Any]) -> None:
        """What a REST call makes Discord tell the gateway (a new thread): nobody hears of it
        while no process serves the guild's shard (another process posted for that guild)."""
        sessions = self.sessions.values()
        if any(self._shard_of(guild_id, s.shard[1]) == s.shard[0] for s in sessions):
            await self.dispatch(guild_id, event, data)

    async def drop_connections(self) -> None:
        """Close every gateway connection as a network failure would (resumable)."""
        for connection in list(self.connections):
            await connection.ws.close(code=4000, message=b"Unknown error")

    async def ask_to_reconnect(self) -> None:
        """Op 7 RECONNECT, as Discord sends before it moves a session: resume elsewhere."""
        for connection in list(self.connections):
            await self._send(connection, {"op": 7, "d": None})

    def forget_sessions(self) -> None:
        """Discord lost the sessions: a RESUME gets op 9 and the client must IDENTIFY again."""
        self.sessions.clear()

    # Interactions

    def _interaction(
        self, guild: FakeGuild, user: FakeUser, channel_id: int, kind: int, data: dict[str, Any]
    ) -> dict[str, Any]:
        interaction_id = snowflake()
        token = f"token-{interaction_id}"
        self._tokens[token] = interaction_id
        self._channels[token] = channel_id
        permissions = ALL if user.moderator else str(1 << 10 | 1 << 11 | 1 << 16)
        return {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "channel_id": str(channel_id),
            "channel": guild.channels.get(channel_id, {"id": str(channel_id), "type": 0}),
            "member": {**user.member(), "permissions": permissions},
            "app_permissions": str(BOT_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
            "data": data,
        }

    async def _send_interaction(self, guild: FakeGuild, payload: dict[str, Any]) -> int:
        interaction_id = int(payload["id"])
        self.responses[interaction_id] = []
        self.sent_at[interaction_id] = time.perf_counter()
        await self.dispatch(guild.id, "INTERACTION_CREATE", payload)
        return interaction_id

    def _command(self, name: str, kind: int = 1) -> dict[str, Any]:
        for command in self.commands:
            if command["name"] == name and command.get("type", 1) == kind:
                return command
        raise AssertionError(f"copbot registered no command {name!r} of type {kind}")

    def command_data(
        self, guild: FakeGuild, path: str, options: dict[str, Any], *, focused: str | None = None
    ) -> dict[str, Any]:
        """The interaction data Discord sends for `/path option:value ...`, typed by what
        copbot registered (so a test also checks the registration)."""
        words = path.split(" ")
        command = self._command(words[0])
        resolved: dict[str, dict[str, Any]] = {}
        level: dict[str, Any] = command
        nested: list[dict[str, Any]] = []
        top = nested
        for word in words[1:]:
            sub = next(o for o in level.get("options", []) if o["name"] == word)
            entry: dict[str, Any] = {"name": word, "type": sub["type"], "options": []}
            nested.append(entry)
            nested, level = entry["options"], sub
        for name, value in options.items():
            declared = next((o for o in level.get("options", []) if o["name"] == name), None)
            if declared is None:
                raise AssertionError(f"/{path} has no option {name!r} on Discord")
            option: dict[str, Any] = {"name": name, "type": declared["type"], "value": value}
            if declared["type"] == 6:
                user = guild.users[int(value)]
                option["value"] = str(value)
                resolved.setdefault("users", {})[str(value)] = user_payload(user.id, user.name)
                member = user.member()
                del member["user"]
                resolved.setdefault("members", {})[str(value)] = {**member, "permissions": "0"}
            elif declared["type"] == 7:
                option["value"] = str(value)
                channel = guild.channels[int(value)]
                resolved.setdefault("channels", {})[str(value)] = {
                    "id": channel["id"],
                    "name": channel["name"],
                    "type": channel["type"],
                    "permissions": ALL,
                }
            if name == focused:
                option["focused"] = True
            nested.append(option)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": words[0],
            "type": 1,
            "options": top,
        }
        if resolved:
            data["resolved"] = resolved
        return data

    async def unknown_command(
        self, guild: FakeGuild, user: FakeUser, channel_id: int, name: str
    ) -> int:
        """A command Discord still shows though copbot no longer has it (a stale client)."""
        data = {"id": str(snowflake()), "name": name, "type": 1, "options": []}
        return await self._send_interaction(
            guild, self._interaction(guild, user, channel_id, 2, data)
        )

    async def slash(
        self, guild: FakeGuild, user: FakeUser, channel_id: int, path: str, **options: Any
    ) -> int:
        data = self.command_data(guild, path, options)
        return await self._send_interaction(
            guild, self._interaction(guild, user, channel_id, 2, data)
        )

    async def autocomplete(
        self,
        guild: FakeGuild,
        user: FakeUser,
        channel_id: int,
        path: str,
        focused: str,
        **options: Any,
    ) -> int:
        data = self.command_data(guild, path, options, focused=focused)
        return await self._send_interaction(
            guild, self._interaction(guild, user, channel_id, 4, data)
        )

    async def press(
        self, guild: FakeGuild, user: FakeUser, message: dict[str, Any], label: str
    ) -> int:
        button = next(
            b
            for row in message.get("components", [])
            for b in row["components"]
            if b.get("label") == label
        )
        data = {"custom_id": button["custom_id"], "component_type": 2}
        payload = self._interaction(guild, user, int(message["channel_id"]), 3, data)
        payload["message"] = message
        return await self._send_interaction(guild, payload)

    async def press_id(
        self, guild: FakeGuild, user: FakeUser, channel_id: int, custom_id: str
    ) -> int:
        """Press a button of copbot's known by its custom id, on a message of copbot's that
        shows it (as a member presses one on a reply of a while ago)."""
        button = {"type": 2, "style": 1, "label": "Press", "custom_id": custom_id}
        message = self._message(channel_id, {"components": [{"type": 1, "components": [button]}]})
        return await self.press(guild, user, message, "Press")

    async def submit(
        self,
        guild: FakeGuild,
        user: FakeUser,
        channel_id: int,
        modal: dict[str, Any],
        **values: str,
    ) -> int:
        """Submit a modal copbot opened, changing `values` (the rest keep their defaults)."""
        components = []
        for label in modal["components"]:
            text_input = label["component"]
            value = values.get(text_input["custom_id"], text_input.get("value") or "")
            components.append(
                {
                    "type": 18,
                    "id": label.get("id", 1),
                    "component": {"type": 4, "custom_id": text_input["custom_id"], "value": value},
                }
            )
        data = {"custom_id": modal["custom_id"], "components": components}
        return await self._send_interaction(
            guild, self._interaction(guild, user, channel_id, 5, data)
        )

    async def context_menu(
        self, guild: FakeGuild, user: FakeUser, name: str, message: dict[str, Any]
    ) -> int:
        command = self._command(name, kind=3)
        data = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": message["id"],
            "resolved": {"messages": {message["id"]: message}},
        }
        payload = self._interaction(guild, user, int(message["channel_id"]), 2, data)
        return await self._send_interaction(guild, payload)

    async def reaction(
        self, guild: FakeGuild, user: FakeUser, message: dict[str, Any], emoji: str
    ) -> None:
        await self.dispatch(
            guild.id,
            "MESSAGE_REACTION_ADD",
            {
                "user_id": str(user.id),
                "channel_id": message["channel_id"],
                "message_id": message["id"],
                "guild_id": str(guild.id),
                "member": user.member(),
                "emoji": {"id": None, "name": emoji},
                "message_author_id": message["author"]["id"],
                "burst": False,
                "type": 0,
            },
        )

    def member_message(
        self, guild: FakeGuild, user: FakeUser, channel_id: int, content: str
    ) -> dict[str, Any]:
        """A message a member wrote (stored, as Discord would keep it)."""
        message = self._message(
            channel_id, {"content": content}, author=user_payload(user.id, user.name)
        )
        message["guild_id"] = str(guild.id)
        return message

    async def post_in_thread(self, guild: FakeGuild, user: FakeUser, thread_id: int) -> None:
        """A member answers in a thread: MESSAGE_CREATE without content (no content intent)."""
        message = self.member_message(guild, user, thread_id, "")
        member = user.member()
        del member["user"]
        await self.dispatch(guild.id, "MESSAGE_CREATE", {**message, "member": member})

    async def answer(self, interaction_id: int, count: int = 1) -> list[dict[str, Any]]:
        """The callbacks, edits and follow-ups copbot made for an interaction, once there are
        `count` of them."""
        await self.wait_for(lambda: len(self.responses[interaction_id]) >= count)
        return self.responses[interaction_id]

    # REST

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, content_type = await _body(request)
        self.requests.append(Request(request.method, path, dict(request.query), body))
        if self.spec is not None:
            problems = self.spec.check(
                request.method, path, dict(request.query), content_type, body
            )
            if problems:
                self.violations.extend(problems)
                return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        bot_route = not path.startswith(("/webhooks/", "/interactions/"))  # token-less
        if bot_route and request.headers.get("Authorization") != f"Bot {TOKEN}":
            return _error(401, 0, "401: Unauthorized")
        if bot_route and not self._within_global_limit(TOKEN):
            self.violations.append(f"more than {GLOBAL_LIMIT} requests in a second: {path}")
            return _json(
                {"message": "You are being rate limited.", "retry_after": 1.0, "global": True},
                status=429,
                headers={"Retry-After": "1", "X-RateLimit-Global": "true", "Via": "1.1 google"},
            )
        for (method, pattern), retry_after in list(self.limited.items()):
            if method == request.method and re.fullmatch(pattern, path):
                del self.limited[(method, pattern)]
                return _json(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry_after,
                        "global": False,
                    },
                    status=429,
                    headers={
                        "Retry-After": str(retry_after),
                        "X-RateLimit-Limit": "5",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-After": str(retry_after),
                        "X-RateLimit-Bucket": "fake-bucket",
                        "X-RateLimit-Scope": "user",
                        "Via": "1.1 google",  # discord.py takes a 429 without it for a ban
                    },
                )
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                arguments = [body, *match.groups()]
                if handler in (self._callback, self._list_messages):  # they read the query
                    arguments.append(dict(request.query))
                response = await handler(*arguments)
                await self._changed_now()
                return response
        return _error(404, 0, f"the fake has no route for {request.method} {path}")

    def _within_global_limit(self, token: str) -> bool:
        """Counted over the last second, sliding (stricter than fixed one-second windows)."""
        now = time.monotonic()
        lately = self._lately.setdefault(token, deque())
        lately.append(now)
        while lately[0] <= now - 1.0:
            lately.popleft()
        self.peak_rate[token] = max(self.peak_rate.get(token, 0), len(lately))
        return len(lately) <= GLOBAL_LIMIT

    def _routes(self) -> list[tuple[str, str, Callable[..., Awaitable[web.StreamResponse]]]]:
        return [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("GET", r"/gateway/bot", self._gateway_bot),
            ("PUT", r"/applications/(\d+)/commands", self._put_commands),
            ("GET", r"/applications/(\d+)/commands", self._get_commands),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._edit_original),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._delete_original),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("GET", r"/channels/(\d+)/messages", self._list_messages),
            ("GET", r"/channels/(\d+)/messages/(\d+)", self._get_message),
            ("GET", r"/channels/(\d+)", self._get_channel),
            ("POST", r"/channels/(\d+)/messages/(\d+)/threads", self._thread_from_message),
            ("POST", r"/channels/(\d+)/threads", self._thread),
            ("PUT", r"/channels/(\d+)/thread-members/(\d+)", self._add_thread_member),
            ("PUT", r"/channels/(\d+)/messages/pins/(\d+)", self._pin),
            ("DELETE", r"/channels/(\d+)/messages/pins/(\d+)", self._unpin),
            ("POST", r"/users/@me/channels", self._dm),
            ("GET", r"/guilds/(\d+)/members/(\d+)", self._get_member),
            ("GET", r"/guilds/(\d+)/threads/active", self._active_threads),
        ]

    async def _me(self, body: Any) -> web.Response:
        return _json(user_payload(BOT_ID, "copbot", bot=True))

    async def _application(self, body: Any) -> web.Response:
        return _json(
            {
                "id": str(APPLICATION_ID),
                "name": "copbot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": user_payload(1, "owner"),
                "team": None,
                "summary": "",
            }
        )

    async def _gateway_bot(self, body: Any) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _put_commands(self, body: Any, application: str) -> web.Response:
        self.commands = [
            {
                "description": "",
                **c,
                "id": str(snowflake()),
                "application_id": application,
                "version": str(snowflake()),
            }
            for c in body
        ]
        return _json(self.commands)

    async def _get_commands(self, body: Any, application: str) -> web.Response:
        return _json(self.commands)

    async def _callback(
        self, body: Any, interaction_id: str, token: str, request_query: dict[str, str]
    ) -> web.Response:
        known = self._tokens.get(token)
        if known != int(interaction_id):
            return _error(404, 10062, "Unknown interaction")
        responses = self.responses[known]
        if any(r["kind"] == "callback" for r in responses):
            return _error(400, 40060, "Interaction has already been acknowledged.")
        self.answered_at.setdefault(known, time.perf_counter())
        if body["type"] != 5:
            self.finished_at.setdefault(known, time.perf_counter())
        data = body.get("data") or {}
        responses.append({"kind": "callback", "type": body["type"], "data": data})
        callback: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": body["type"] == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            },
            "resource": {"type": body["type"]},
        }
        if body["type"] in (4, 5):
            message = self._message(self._channels[token], data, original_of=token)
            callback["interaction"]["response_message_id"] = message["id"]
            callback["resource"]["message"] = message
        if request_query.get("with_response") in ("1", "true", "True"):
            return _json(callback)
        return web.Response(status=204)

    async def _edit_original(self, body: Any, application: str, token: str) -> web.Response:
        known = self._tokens.get(token)
        if known is None:
            return _error(404, 10015, "Unknown Webhook")
        self.responses[known].append({"kind": "edit", "data": body})
        self.finished_at.setdefault(known, time.perf_counter())
        return _json(self._message(self._channels[token], body, original_of=token))

    async def _delete_original(self, body: Any, application: str, token: str) -> web.Response:
        known = self._tokens.get(token)
        if known is None:
            return _error(404, 10015, "Unknown Webhook")
        self.responses[known].append({"kind": "delete", "data": {}})
        return web.Response(status=204)

    async def _followup(self, body: Any, application: str, token: str) -> web.Response:
        known = self._tokens.get(token)
        if known is None:
            return _error(404, 10015, "Unknown Webhook")
        self.responses[known].append({"kind": "followup", "data": body})
        self.finished_at.setdefault(known, time.perf_counter())
        message = self._message(self._channels[token], body)
        self._followups.add(int(message["id"]))
        return _json(message)

    def _channel_data(self, channel_id: int) -> tuple[FakeGuild, dict[str, Any]] | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild, guild.channels[channel_id]
        return None

    def _may_send(self, guild: FakeGuild, channel: dict[str, Any]) -> bool:
        for overwrite in channel.get("permission_overwrites", []):
            if int(overwrite["deny"]) & SEND_MESSAGES:
                return False
        return True

    async def _create_message(self, body: Any, channel_id: str) -> web.Response:
        found = self._channel_data(int(channel_id))
        dm = int(channel_id) in self.dm_channels
        if found is None and not dm:
            return _error(404, 10003, "Unknown Channel")
        if found is not None and not self._may_send(*found):
            return _error(403, 50013, "Missing Permissions")
        if len(body.get("content") or "") > CONTENT:
            return _error(
                400, 50035, "Invalid Form Body: content: Must be 2000 or fewer in length."
            )
        if self.post_delay:
            await asyncio.sleep(self.post_delay)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get((int(channel_id), str(nonce)))
            if earlier is not None and self.now() - snowflake_time(earlier) < NONCE_WINDOW:
                return _json(self.messages[earlier])
        message = self._message(int(channel_id), body)
        if found is not None:
            message["guild_id"] = str(found[0].id)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(int(channel_id), str(nonce))] = int(message["id"])
        return _json(message)

    def _timed_id(self) -> int:
        """A snowflake of Discord's clock now, each one larger than the last."""
        made = max(time_snowflake(self.now()), self._last_message_id + 1)
        self._last_message_id = made
        return made

    async def _list_messages(
        self, body: Any, channel_id: str, query: dict[str, str]
    ) -> web.Response:
        """A channel's messages after (or before) an id, `limit` at most, newest first."""
        if self._channel_data(int(channel_id)) is None and int(channel_id) not in self.dm_channels:
            return _error(404, 10003, "Unknown Channel")
        found = sorted(
            (m for m in self.messages.values() if m["channel_id"] == channel_id),
            key=lambda m: int(m["id"]),
        )
        limit = int(query.get("limit", 50))
        if "after" in query:
            found = [m for m in found if int(m["id"]) > int(query["after"])][:limit]
        else:
            if "before" in query:
                found = [m for m in found if int(m["id"]) < int(query["before"])]
            found = found[-limit:]
        return _json([{**m, "content": ""} for m in reversed(found)])  # no content intent

    async def _active_threads(self, body: Any, guild_id: str) -> web.Response:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        threads = [c for c in guild.channels.values() if c["type"] in (11, 12)]
        return _json({"threads": threads, "members": []})

    async def _get_message(self, body: Any, channel_id: str, message_id: str) -> web.Response:
        message = self.messages.get(int(message_id))
        if (
            message is None
            or message["channel_id"] != channel_id
            or self._channel_data(int(channel_id)) is None
        ):
            return _error(404, 10008, "Unknown Message")
        return _json({**message, "content": ""})  # no message-content intent

    async def _get_channel(self, body: Any, channel_id: str) -> web.Response:
        found = self._channel_data(int(channel_id))
        if found is None:
            return _error(404, 10003, "Unknown Channel")
        return _json(found[1])

    async def _thread_from_message(
        self, body: Any, channel_id: str, message_id: str
    ) -> web.Response:
        found = self._channel_data(int(channel_id))
        if found is None:
            return _error(404, 10003, "Unknown Channel")
        guild = found[0]
        if int(message_id) in guild.channels:
            return _error(400, 160004, "A thread has already been created for this message")
        thread = self._new_thread(guild, int(channel_id), int(message_id), 11, body["name"])
        await self._announce(guild.id, "THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread)

    async def _thread(self, body: Any, channel_id: str) -> web.Response:
        found = self._channel_data(int(channel_id))
        if found is None:
            return _error(404, 10003, "Unknown Channel")
        guild = found[0]
        thread = self._new_thread(
            guild, int(channel_id), self._timed_id(), body.get("type", 12), body["name"]
        )
        await self._announce(guild.id, "THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread)

    def _new_thread(
        self, guild: FakeGuild, parent: int, thread_id: int, kind: int, name: str
    ) -> dict[str, Any]:
        thread = {
            "id": str(thread_id),
            "type": kind,
            "guild_id": str(guild.id),
            "parent_id": str(parent),
            "owner_id": str(BOT_ID),
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 10080,
                "archive_timestamp": "2026-01-01T00:00:00+00:00",
                "locked": False,
                "invitable": False,
            },
            "flags": 0,
        }
        guild.channels[thread_id] = thread
        self.thread_members[thread_id] = {BOT_ID}
        return thread

    async def _add_thread_member(self, body: Any, thread_id: str, user_id: str) -> web.Response:
        if int(thread_id) not in self.thread_members:
            return _error(404, 10003, "Unknown Channel")
        self.thread_members[int(thread_id)].add(int(user_id))
        return web.Response(status=204)

    async def _pin(self, body: Any, channel_id: str, message_id: str) -> web.Response:
        if self._channel_data(int(channel_id)) is None:
            return _error(404, 10003, "Unknown Channel")
        pins = self.pins.setdefault(int(channel_id), [])
        if len(pins) >= PINS:
            return _error(400, 30003, "Maximum number of pins reached (250)")
        pins.append(int(message_id))
        return web.Response(status=204)

    async def _unpin(self, body: Any, channel_id: str, message_id: str) -> web.Response:
        pins = self.pins.get(int(channel_id), [])
        if int(message_id) not in pins:
            return _error(404, 10008, "Unknown Message")
        pins.remove(int(message_id))
        return web.Response(status=204)

    async def _dm(self, body: Any) -> web.Response:
        user = int(body["recipient_id"])
        channel = next((c for c, u in self.dm_channels.items() if u == user), None) or snowflake()
        self.dm_channels[channel] = user
        return _json(
            {
                "id": str(channel),
                "type": 1,
                "last_message_id": None,
                "recipients": [user_payload(user, "member")],
            }
        )

    async def _get_member(self, body: Any, guild_id: str, user_id: str) -> web.Response:
        guild = self.guilds.get(int(guild_id))
        user = guild.users.get(int(user_id)) if guild else None
        if user is None:
            return _error(404, 10007, "Unknown Member")
        return _json(user.member())

    def _message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        author: dict[str, Any] | None = None,
        original_of: str | None = None,
    ) -> dict[str, Any]:
        if original_of is not None and original_of in self._originals:
            message = self.messages[self._originals[original_of]]
            message.update(
                {k: v for k, v in body.items() if k in ("content", "embeds", "components")}
            )
            return message
        message_id = self._timed_id()
        message = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": 0,
            "content": body.get("content") or "",
            "author": author or user_payload(BOT_ID, "copbot", bot=True),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [
                {
                    "id": str(i),
                    "filename": a.get("filename", "file"),
                    "size": 1,
                    "url": "http://127.0.0.1/",
                    "proxy_url": "http://127.0.0.1/",
                }
                for i, a in enumerate(body.get("attachments") or [])
            ],
            "timestamp": snowflake_time(message_id).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "flags": body.get("flags") or 0,
            "nonce": body.get("nonce"),
        }
        self.messages[message_id] = message
        if original_of is not None:
            self._originals[original_of] = message_id
        return message

    def response_message(self, interaction_id: int) -> dict[str, Any]:
        """The message an interaction's response made (to press its buttons later)."""
        token = next(t for t, i in self._tokens.items() if i == interaction_id)
        return self.messages[self._originals[token]]

    def posted_in(self, channel_id: int) -> list[dict[str, Any]]:
        """Messages in a channel, leaving out interaction responses."""
        responses = set(self._originals.values()) | self._followups
        return [
            m
            for i, m in self.messages.items()
            if m["channel_id"] == str(channel_id) and i not in responses
        ]


def _role(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON as Discord sends it: discord.py parses a body only when its content type is
    exactly application/json."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


async def _body(request: web.Request) -> tuple[Any, str]:
    """The request's JSON (for multipart, its payload_json plus the file names)."""
    content_type = request.content_type
    if not request.can_read_body:
        return None, ""
    if content_type == "multipart/form-data":
        reader = await request.multipart()
        payload: dict[str, Any] = {}
        files: list[str] = []
        async for part in reader:
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                await part.read()  # type: ignore[union-attr]
                files.append(part.filename or "")  # type: ignore[union-attr]
        return payload, content_type
    raw = await request.read()
    if not raw:
        return None, content_type
    return json.loads(raw), content_type
