"""A loopback Slack on 127.0.0.1: the Web API (every call checked against the OpenAPI spec
and Block Kit's limits), response URLs, file uploads, Socket Mode's websocket, and
installing by OAuth in many workspaces (the authorize page, `oauth.v2.access` for a code
and for a refresh token; tokens that expire and are revoked on uninstall).

It records instead of mocking: `calls`, `messages`, `responses`, `views`, `homes`, `pins`,
`acks`; tests wait on them with `wait_for`. Anything the real Slack would refuse ends in
`violations`, which the fixtures require to be empty.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

from tests.slack.spec import answer_violations, violations

TEAM = "T0TEAM"
BOT_USER = "U0BOT"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"
LIFETIME = 43200  # seconds a rotating token lives, as Slack's do (12 hours)
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None  # the bearer token it came with
    team: str = TEAM  # the workspace that token is for


@dataclass
class Issued:
    """A bot token Slack issued by OAuth: for a workspace, or an organization's every one."""

    team: str | None
    enterprise: str | None
    expires_at: datetime  # on the fake's clock
    refresh_token: str
    revoked: bool = False

    @property
    def org_wide(self) -> bool:
        return self.team is None


@dataclass(frozen=True)
class Approval:
    """What an admin approved on the authorize page: where, and where back to."""

    team: str | None
    enterprise: str | None
    redirect_uri: str
    scope: str  # what the app asked for


@dataclass
class Posted:
    channel: str
    ts: str
    args: dict[str, Any]
    thread_ts: str | None = None
    ephemeral_for: str | None = None


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    channels: set[str] = field(default_factory=lambda: {"C0GENERAL", "C0MODS", "C0RANDOM"})
    archived: set[str] = field(default_factory=set)
    outside: set[str] = field(default_factory=set)  # channels copbot isn't a member of
    pin_limit: int = 100
    calls: list[Call] = field(default_factory=list)
    messages: list[Posted] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    answered_at: dict[str, float] = field(default_factory=dict)  # first answer, perf_counter
    views: list[dict[str, Any]] = field(default_factory=list)  # views.open
    homes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # views.publish
    pins: dict[str, list[str]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    ratelimited: dict[str, int] = field(default_factory=dict)  # method: answers left to 429
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    installed: bool = True  # uninstalled: the bot token is revoked, as Slack does then
    refused: set[str] = field(default_factory=set)  # tokens Slack never issued
    issued: dict[str, Issued] = field(default_factory=dict)  # OAuth tokens, by token
    lifetime: int = LIFETIME  # of the tokens issued from now on
    signed_in: tuple[str | None, str | None] = (TEAM, None)  # the admin's (team, enterprise)
    redirect_uri: str = ""  # the app's configured Redirect URL
    on_refresh: Callable[[], Awaitable[None]] | None = None  # runs before a refresh is answered

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._codes: dict[str, Approval] = {}
        self._refresh: dict[str, str] = {}  # refresh token: the token it renews
        self._team = TEAM  # the workspace of the call being answered
        self._issued: Issued | None = None  # and its token, when issued by OAuth
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.base = ""

    # ---- running ----

    async def start(self) -> None:
        app = web.Application(client_max_size=10 * 2**20)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self) -> str:
        return f"{self.base}/respond/{next(self._ids)}"

    async def wait_for(self, condition: Callable[[], Any]) -> Any:
        """The first truthy value of `condition`, re-checked whenever something arrives
        (ten seconds at most: a test that waits longer has failed)."""
        async with asyncio.timeout(10), self._changed:
            while not (found := condition()):
                await self._changed.wait()
            return found

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- lookups for tests ----

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def in_channel(self, channel: str) -> list[Posted]:
        return [m for m in self.messages if m.channel == channel and m.ephemeral_for is None]

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        tz: str = "Europe/Berlin",
        admin: bool = False,
        bot: bool = False,
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": name.casefold(),
            "tz": tz,
            "is_admin": admin,
            "is_owner": False,
            "is_bot": bot,
            "profile": {"display_name": name, "real_name": f"{name} Example"},
        }

    def say(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> str:
        """A member's own message in a channel (or a thread): its ts."""
        ts = self._next_ts()
        self.messages.append(Posted(channel, ts, {"user": user, "text": text}, thread_ts))
        return ts

    # ---- the Web API ----

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        authorization = request.headers.get("Authorization")
        token = (authorization or "").removeprefix("Bearer ") or args.get("token")
        issued = self.issued.get(token or "")
        self._team = (issued.team or issued.enterprise or "") if issued else TEAM
        self._issued = issued
        self.calls.append(Call(method, args, token, self._team))
        self.violations += violations(method, request.method, args, authorization)
        if self.ratelimited.get(method, 0) > 0:
            self.ratelimited[method] -= 1
            await self._notify()
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
            )
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if authorization in {f"Bearer {token}" for token in self.refused}:
            body: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
        elif issued is not None and (problem := self._unusable(issued)):
            body = {"ok": False, "error": problem}
        elif method == "oauth.v2.access":
            if args.get("grant_type") == "refresh_token" and self.on_refresh is not None:
                await self.on_refresh()  # another process, say, refreshing it first
            body = (
                self._oauth_v2_access(args)
                if self._oauth_client(request, args)
                else {"ok": False, "error": "invalid_client_id"}
            )
        elif issued is None and not self.installed:
            body = {"ok": False, "error": "token_revoked"}
        elif handler is None:
            self.violations.append(f"{method}: the fake doesn't know it")
            body = {"ok": False, "error": "unknown_method"}
        else:
            body = handler(args)
            self.violations += answer_violations(method, body)
        await self._notify()
        return web.json_response(body)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        issued = self._issued
        if issued is not None and issued.org_wide:
            where = {"enterprise_id": issued.enterprise, "is_enterprise_install": True}
        else:
            where = {"team_id": self._team, "team": f"Fake {self._team}"}
            if issued is not None and issued.enterprise:
                where["enterprise_id"] = issued.enterprise
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "user": "copbot",
            "user_id": BOT_USER,
            "bot_id": "B0BOT",
            **where,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws{self.base.removeprefix('http')}/socket"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self.groups.get(args["usergroup"])
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": group}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args["channel"]
        if channel.startswith("U"):
            channel = "D" + channel
        if not self._can_post(channel):
            return {"ok": False, "error": "channel_not_found"}
        if problem := self._check_blocks(args.get("blocks"), MESSAGE_BLOCKS):
            return problem
        ts = self._next_ts()
        self.messages.append(Posted(channel, ts, args, args.get("thread_ts")))
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, "text": ""}}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not self._can_post(args["channel"]):
            return {"ok": False, "error": "channel_not_found"}
        if problem := self._check_blocks(args.get("blocks"), MESSAGE_BLOCKS):
            return problem
        ts = self._next_ts()
        self.messages.append(Posted(args["channel"], ts, args, ephemeral_for=args["user"]))
        return {"ok": True, "message_ts": ts}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        """As Slack words it: a thread's reply links with its `thread_ts`."""
        channel = args["channel"]
        if not self._can_post(channel):
            return {"ok": False, "error": "channel_not_found"}
        found = [m for m in self.in_channel(channel) if m.ts == args["message_ts"]]
        if not found:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://fake.slack.com/archives/{channel}/p{found[0].ts.replace('.', '')}"
        if found[0].thread_ts:
            link += f"?thread_ts={found[0].thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args["channel"]
        if not self._can_post(channel):
            return {"ok": False, "error": "channel_not_found"}
        found = [m for m in self.in_channel(channel) if m.thread_ts is None]
        return self._page(found[::-1], args)  # newest first

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        found = [m for m in self.in_channel(args["channel"]) if args["ts"] in (m.ts, m.thread_ts)]
        return self._page(found, args)  # oldest first, the thread's parent leading

    def _page(self, found: list[Posted], args: dict[str, Any]) -> dict[str, Any]:
        """Those between `oldest` and `latest`, `limit` a page, with a cursor."""
        inclusive = str(args.get("inclusive", "")).lower() in ("true", "1")
        oldest, latest = float(args.get("oldest", 0)), float(args.get("latest", 1e12))
        found = [
            m
            for m in found
            if (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
        ]
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit", 100))
        page = found[start : start + limit]
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
        more = {"next_cursor": str(start + limit)} if start + limit < len(found) else {}
        return {
            "ok": True,
            "messages": [_message(m, with_metadata) for m in page],
            "has_more": bool(more),
            "response_metadata": more,
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = sorted(args["users"].split(","))
        unknown = [u for u in users if u not in self.users]
        if unknown:
            return {"ok": False, "error": "user_not_found"}
        channel = "D" + users[0] if len(users) == 1 else "G" + "".join(users)
        self.channels.add(channel)
        return {"ok": True, "channel": {"id": channel}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args["channel"]
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "is_archived": channel in self.archived,
                "is_member": channel not in self.outside,
            },
        }

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _json(args["view"])
        if problem := self._check_view(view):
            return problem
        self.views.append({"trigger_id": args["trigger_id"], **view})
        return {"ok": True, "view": {"id": f"V{len(self.views)}", **view}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _json(args["view"])
        if problem := self._check_view(view):
            return problem
        self.homes.setdefault(args["user_id"], []).append(view)
        return {"ok": True, "view": {"id": "VHOME", **view}}

    def _pins_list(self, args: dict[str, Any]) -> dict[str, Any]:
        pinned = self.pins.get(args["channel"], [])
        items = [{"type": "message", "message": {"ts": ts}} for ts in pinned]
        return {"ok": True, "items": items}

    def _pins_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args["channel"], args.get("timestamp", "")
        if channel not in self.channels or channel in self.archived:
            return {"ok": False, "error": "channel_not_found"}
        if not any(m.channel == channel and m.ts == ts for m in self.messages):
            return {"ok": False, "error": "message_not_found"}
        pinned = self.pins.setdefault(channel, [])
        if ts in pinned:
            return {"ok": False, "error": "already_pinned"}
        pinned.append(ts)
        return {"ok": True}

    def _pins_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        pinned = self.pins.get(args["channel"], [])
        if args.get("timestamp") not in pinned:
            return {"ok": False, "error": "no_pin"}
        pinned.remove(args["timestamp"])
        return {"ok": True}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids)}"
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = _json(args["files"])
        missing = [f["id"] for f in files if f["id"] not in self.uploads]
        if missing:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _can_post(self, channel: str) -> bool:
        return channel in self.channels and channel not in self.archived

    def _next_ts(self) -> str:
        """A message's ts is its time on Slack's clock (here: the test's), unique."""
        return f"{int(self.now().timestamp())}.{next(self._ts):06d}"

    # ---- Block Kit's limits, as Slack checks them ----

    def _check_blocks(self, raw: Any, limit: int) -> dict[str, Any] | None:
        if raw is None:
            return None
        problems = block_problems(_json(raw), limit)
        if problems:
            self.violations += problems
            return {"ok": False, "error": "invalid_blocks"}
        return None

    def _check_view(self, view: dict[str, Any]) -> dict[str, Any] | None:
        problems = block_problems(view.get("blocks", []), VIEW_BLOCKS)
        if view["type"] == "modal":
            for key in ("title", "submit", "close"):
                if len(view.get(key, {}).get("text", "")) > 24:
                    problems.append(f"modal {key} longer than 24")
            if len(view.get("private_metadata", "")) > 3000:
                problems.append("private_metadata longer than 3000")
        if problems:
            self.violations += problems
            return {"ok": False, "error": "invalid_arguments"}
        return None

    # ---- installing by OAuth ----

    async def _authorize(self, request: web.Request) -> web.Response:
        """Slack's authorize page, approved at once by the signed-in admin: back to the
        app's Redirect URL with a code for that workspace (or organization)."""
        query = request.query
        if query.get("client_id") != CLIENT_ID:
            self.violations.append(f"authorize: client_id {query.get('client_id')!r}")
            return web.Response(status=400, text="invalid_client_id")
        back = query.get("redirect_uri") or self.redirect_uri
        code = f"code-{next(self._ids)}"
        team, enterprise = self.signed_in
        self._codes[code] = Approval(team, enterprise, back, query.get("scope", ""))
        state = {"state": query["state"]} if "state" in query else {}
        raise web.HTTPFound(f"{back}?{urlencode({'code': code, **state})}")

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """A code for a token, once; or a refresh token for a new token (rotation)."""
        if args.get("grant_type") == "refresh_token":
            renewed = self._refresh.pop(args.get("refresh_token", ""), None)
            if renewed is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            old = self.issued[renewed]
            token = self._issue(old.team, old.enterprise)
            return {"ok": True, "token_type": "bot", **self._tokens(token)}
        approval = self._codes.pop(args.get("code", ""), None)
        if approval is None:
            return {"ok": False, "error": "invalid_code"}
        if args.get("redirect_uri", approval.redirect_uri) != approval.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        token = self._issue(approval.team, approval.enterprise)
        return {
            "ok": True,
            "app_id": "A0COPBOT",
            "authed_user": {"id": "U0INSTALLER"},
            "scope": approval.scope,
            "token_type": "bot",
            "bot_user_id": BOT_USER,
            "team": {"id": approval.team, "name": f"Fake {approval.team}"}
            if approval.team
            else None,
            "enterprise": {"id": approval.enterprise, "name": "Fake org"}
            if approval.enterprise
            else None,
            "is_enterprise_install": approval.team is None,
            **self._tokens(token),
        }

    def _issue(self, team: str | None, enterprise: str | None) -> str:
        token = f"xoxe.xoxb-{team or enterprise}-{next(self._ids)}"
        refresh = f"xoxe-1-{next(self._ids)}"
        expires = self.now() + timedelta(seconds=self.lifetime)
        self.issued[token] = Issued(team, enterprise, expires, refresh)
        self._refresh[refresh] = token
        return token

    def _tokens(self, token: str) -> dict[str, Any]:
        issued = self.issued[token]
        expires_in = int((issued.expires_at - self.now()).total_seconds())
        return {
            "access_token": token,
            "refresh_token": issued.refresh_token,
            "expires_in": expires_in,
        }

    def _unusable(self, issued: Issued) -> str | None:
        if issued.revoked:
            return "token_revoked"
        if self.now() >= issued.expires_at:
            return "token_expired"
        return None

    def uninstall(self, team: str) -> None:
        """The workspace (or organization) removed the app: its tokens stop working."""
        for issued in self.issued.values():
            if team in (issued.team, issued.enterprise):
                issued.revoked = True

    def tokens_of(self, team: str) -> list[str]:
        """The tokens issued for a workspace (or organization), oldest first."""
        return [t for t, i in self.issued.items() if team in (i.team, i.enterprise)]

    def _oauth_client(self, request: web.Request, args: dict[str, Any]) -> bool:
        """The app's credentials, as HTTP Basic auth (slack_sdk's way) or in the form."""
        basic = request.headers.get("Authorization", "").removeprefix("Basic ")
        given = base64.b64decode(basic).decode() if basic else ""
        return given == f"{CLIENT_ID}:{CLIENT_SECRET}" or (
            args.get("client_id") == CLIENT_ID and args.get("client_secret") == CLIENT_SECRET
        )

    # ---- response URLs, uploads ----

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        problems = block_problems(body.get("blocks", []), MESSAGE_BLOCKS)
        if problems:
            self.violations += problems
            return web.Response(status=400, text="invalid_blocks")
        self.answered_at.setdefault(request.match_info["key"], time.perf_counter())
        self.responses.setdefault(request.match_info["key"], []).append(body)
        await self._notify()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.uploads[request.match_info["file"]] = data
        return web.Response(text=f"OK - {len(data)}")

    # ---- Socket Mode ----

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        await self._notify()
        async for message in socket:
            if message.type is WSMsgType.TEXT:
                answer = json.loads(message.data)
                self.acks[answer["envelope_id"]] = answer.get("payload") or {}
                await self._notify()
        return socket

    async def push(self, kind: str, payload: dict[str, Any], *, retry: int = 0) -> str:
        """Send an envelope over the open Socket Mode connection; its id comes back in the ack."""
        await self.wait_for(lambda: self._sockets)
        envelope_id = f"E{next(self._ids)}"
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry,
                "retry_reason": "timeout" if retry else "",
            }
        )
        return envelope_id


def block_problems(blocks: list[dict[str, Any]], limit: int) -> list[str]:
    problems = [f"{len(blocks)} blocks, more than {limit}"] if len(blocks) > limit else []
    for block in blocks:
        texts = [block.get("text") or {}, *block.get("fields", [])]
        for n, text in enumerate(texts):
            limit_here = 3000 if n == 0 else 2000
            if len(text.get("text", "")) > limit_here:
                problems.append(f"{block['type']} text longer than {limit_here}")
        if len(block.get("fields", [])) > 10:
            problems.append("more than 10 fields")
        elements = block.get("elements", [])
        ids = [e.get("action_id") for e in elements if "action_id" in e]
        if len(ids) != len(set(ids)):
            problems.append("action ids repeat within a block")
        for element in elements:
            if element.get("type") == "button":
                if len(element["text"]["text"]) > 75:
                    problems.append("button text longer than 75")
                if len(element.get("value", "")) > 2000:
                    problems.append("button value longer than 2000")
        if block.get("type") == "input" and len(block["label"]["text"]) > 2000:
            problems.append("input label longer than 2000")
    return problems


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        args.update(parse_qsl((await request.read()).decode(), keep_blank_values=True))
    return args


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _message(posted: Posted, with_metadata: bool) -> dict[str, Any]:
    message = {"type": "message", "ts": posted.ts, "text": posted.args.get("text", "")}
    if "user" in posted.args:
        message["user"] = posted.args["user"]
    else:
        message["bot_id"] = "B0BOT"
    if with_metadata and posted.args.get("metadata"):
        message["metadata"] = _json(posted.args["metadata"])
    if posted.thread_ts:
        message["thread_ts"] = posted.thread_ts
    return message
