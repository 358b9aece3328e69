"""Slack's side of the conversation: the payloads Slack sends when members act, delivered
as Slack delivers them, over HTTP (form-encoded slash commands, `payload=` interactivity,
JSON events, all signed) or as Socket Mode envelopes."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.slack.fake_slack import BOT_USER, TEAM, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP = "A0COPBOT"
_KINDS = {"command": "slash_commands", "interactive": "interactive", "event": "events_api"}
_numbers = itertools.count(1)  # trigger and event ids, unique across workspaces and processes


class Transport(Protocol):
    async def send(self, kind: str, payload: dict[str, Any], retry: int = 0) -> tuple[int, str]:
        """Deliver one payload; the status and body Slack got back (the ack)."""
        ...


@dataclass
class Http:
    url: str
    secret: str = SECRET
    session: aiohttp.ClientSession | None = None  # a new one a request when None

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        retry: int = 0,
        *,
        secret: str | None = None,
        timestamp: int | str | None = None,
    ) -> tuple[int, str]:
        if kind == "command":
            body, content_type = urlencode(payload), "application/x-www-form-urlencoded"
        elif kind == "interactive":
            body = urlencode({"payload": json.dumps(payload)})
            content_type = "application/x-www-form-urlencoded"
        else:
            body, content_type = json.dumps(payload), "application/json"
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signer = SignatureVerifier(secret if secret is not None else self.secret)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=body) or "",
        }
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        if self.session is not None:
            return await _post(self.session, self.url, body, headers)
        async with aiohttp.ClientSession() as session:
            return await _post(session, self.url, body, headers)


async def _post(
    session: aiohttp.ClientSession, url: str, body: str, headers: dict[str, str]
) -> tuple[int, str]:
    async with session.post(url, data=body.encode(), headers=headers) as answer:
        return answer.status, await answer.text()


@dataclass
class Socket:
    fake: FakeSlack

    async def send(self, kind: str, payload: dict[str, Any], retry: int = 0) -> tuple[int, str]:
        envelope = await self.fake.push(_KINDS[kind], payload, retry=retry)
        ack = await self.fake.wait_for(lambda: envelope in self.fake.acks and [envelope])
        return 200, json.dumps(self.fake.acks[ack[0]])


@dataclass
class Interaction:
    """One thing a member did: where its answer and any modal will show up."""

    fake: FakeSlack
    status: int
    body: str
    response_key: str | None
    trigger_id: str
    payload: dict[str, Any]  # what was sent: sent again, a replay

    async def reply(self, number: int = 1) -> dict[str, Any]:
        """The `number`th answer to this interaction's response_url."""
        key = self.response_key
        assert key is not None

        def answered() -> list[dict[str, Any]] | None:
            got = self.fake.responses.get(key, [])
            return got if len(got) >= number else None

        found: list[dict[str, Any]] = await self.fake.wait_for(answered)
        return found[number - 1]

    async def answer_or_modal(self) -> dict[str, Any]:
        def either() -> dict[str, Any] | None:
            answers = self.fake.responses.get(self.response_key or "")
            modals = [v for v in self.fake.views if v["trigger_id"] == self.trigger_id]
            return next(iter(answers or modals), None)

        found: dict[str, Any] = await self.fake.wait_for(either)
        return found

    async def modal(self) -> dict[str, Any]:
        opened = await self.fake.wait_for(
            lambda: [v for v in self.fake.views if v["trigger_id"] == self.trigger_id]
        )
        return dict(opened[0])


class Workspace:
    def __init__(self, fake: FakeSlack, transport: Transport, team: str = TEAM) -> None:
        self.fake = fake
        self.transport = transport
        self.team = team  # the workspace (Slack team) its members act in
        self.enterprise: str | None = None  # the organization whose install serves it

    def _who(self, user: str) -> dict[str, Any]:
        return {
            "id": user,
            "team_id": self.team,
            "username": user.casefold(),
            "name": user.casefold(),
        }

    def _interaction(self, status: int, body: str, payload: dict[str, Any]) -> Interaction:
        url = payload.get("response_url")
        key = url.rsplit("/", 1)[1] if url else None
        return Interaction(self.fake, status, body, key, payload.get("trigger_id", ""), payload)

    def _org(self, *, flag: object) -> dict[str, Any]:
        """What Slack adds for a workspace that an organization-wide install serves."""
        if self.enterprise is None:
            return {}
        return {"enterprise_id": self.enterprise, "is_enterprise_install": flag}

    def command_payload(self, user: str, text: str, channel: str) -> dict[str, Any]:
        return {
            **self._org(flag="true"),
            "token": "legacy",
            "team_id": self.team,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.casefold(),
            "command": "/cop",
            "text": text,
            "api_app_id": APP,
            "response_url": self.fake.response_url(),
            "trigger_id": f"trigger-{next(_numbers)}",
        }

    async def command(self, user: str, text: str, channel: str = "C0GENERAL") -> Interaction:
        payload = self.command_payload(user, text, channel)
        status, body = await self.transport.send("command", payload)
        return self._interaction(status, body, payload)

    async def press(
        self,
        user: str,
        label: str,
        blocks: list[dict[str, Any]],
        *,
        channel: str = "C0GENERAL",
        message_ts: str = "1700000000.000001",
        ephemeral: bool = True,
        home: bool = False,
    ) -> Interaction:
        """Press the button labelled `label` among `blocks` (a message's, or App Home's)."""
        button = next(
            element
            for block in blocks
            if block["type"] == "actions"
            for element in block["elements"]
            if element["text"]["text"] == label
        )
        payload: dict[str, Any] = {
            "type": "block_actions",
            "token": "legacy",
            "api_app_id": APP,
            "team": {"id": self.team, "domain": "fake"},
            "user": self._who(user),
            "trigger_id": f"trigger-{next(_numbers)}",
            "actions": [
                {
                    "type": "button",
                    "block_id": "b",
                    "action_id": button["action_id"],
                    "value": button["value"],
                    "text": button["text"],
                    "action_ts": "1700000001.000000",
                }
            ],
        }
        if home:
            payload |= {
                "container": {"type": "view", "view_id": "VHOME"},
                "view": {"id": "VHOME", "type": "home", "blocks": blocks},
            }
        else:
            payload |= {
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel,
                    "is_ephemeral": ephemeral,
                },
                "channel": {"id": channel, "name": "general"},
                "response_url": self.fake.response_url(),
            }
        status, body = await self.transport.send("interactive", payload)
        return self._interaction(status, body, payload)

    async def submit(self, user: str, view: dict[str, Any], **values: str) -> Interaction:
        """Submit a modal as Slack would, with `values` typed over what it showed."""
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            element = block["element"]
            given = values.get(block["block_id"])
            state[block["block_id"]] = {"value": _input_state(element, given)}
        payload = {
            "type": "view_submission",
            "token": "legacy",
            "api_app_id": APP,
            "team": {"id": self.team, "domain": "fake"},
            "user": self._who(user),
            "trigger_id": f"trigger-{next(_numbers)}",
            "view": {
                "id": "V1",
                "team_id": self.team,
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view["private_metadata"],
                "blocks": view["blocks"],
                "state": {"values": state},
            },
        }
        status, body = await self.transport.send("interactive", payload)
        return self._interaction(status, body, payload)

    async def suggest(self, user: str, view: dict[str, Any], block_id: str, typed: str) -> Any:
        """What an external select offers as the member types (block_suggestion)."""
        payload = {
            "type": "block_suggestion",
            "token": "legacy",
            "api_app_id": APP,
            "team": {"id": self.team, "domain": "fake"},
            "user": self._who(user),
            "action_id": "value",
            "block_id": block_id,
            "value": typed,
            "view": {"id": "V1", "type": "modal", **view},
        }
        status, body = await self.transport.send("interactive", payload)
        assert status == 200, body
        return json.loads(body)["options"]

    async def shortcut(
        self, user: str, callback_id: str, channel: str, ts: str, author: str, text: str
    ) -> Interaction:
        payload = {
            "type": "message_action",
            "token": "legacy",
            "api_app_id": APP,
            "callback_id": callback_id,
            "team": {"id": self.team, "domain": "fake"},
            "user": self._who(user),
            "channel": {"id": channel, "name": "general"},
            "message": {"type": "message", "user": author, "ts": ts, "text": text},
            "message_ts": ts,
            "response_url": self.fake.response_url(),
            "trigger_id": f"trigger-{next(_numbers)}",
        }
        status, body = await self.transport.send("interactive", payload)
        return self._interaction(status, body, payload)

    def event_payload(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        authorization = {"team_id": self.team, "user_id": BOT_USER, "is_bot": True}
        if self.enterprise is not None:
            authorization |= {"team_id": None, **self._org(flag=True)}
        return {
            **({"enterprise_id": self.enterprise} if self.enterprise else {}),
            "token": "legacy",
            "team_id": self.team,
            "api_app_id": APP,
            "type": "event_callback",
            "event": event,
            "event_id": event_id or f"Ev{next(_numbers):08d}",
            "event_time": 1700000000,
            "authorizations": [authorization],
        }

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0
    ) -> tuple[int, str]:
        return await self.transport.send("event", self.event_payload(event, event_id), retry)

    async def join(self, user: str) -> tuple[int, str]:
        """`user` (added to the fake first) joins the workspace: Slack's `team_join` carries
        their whole user object."""
        return await self.event({"type": "team_join", "user": self.fake.users[user]})

    async def join_channel(self, user: str, channel: str) -> tuple[int, str]:
        return await self.event(
            {
                "type": "member_joined_channel",
                "user": user,
                "channel": channel,
                "channel_type": "C",
                "team": self.team,
                "event_ts": f"{time.time():.6f}",
            }
        )

    async def uninstall(self) -> tuple[int, str]:
        """The workspace removes the app: Slack revokes its tokens and says so."""
        self.fake.installed = False
        return await self.event({"type": "app_uninstalled"})

    async def revoke_tokens(self, *, bot: bool) -> tuple[int, str]:
        """Tokens revoked: the bot's (the app can do nothing more), or only a member's."""
        self.fake.installed = not bot
        tokens = {"oauth": [] if bot else ["U0ALICE"], "bot": [BOT_USER] if bot else []}
        return await self.event({"type": "tokens_revoked", "tokens": tokens})

    def install(self) -> None:
        """Installed again (through Slack's OAuth flow): the app's token works again."""
        self.fake.installed = True


def _input_state(element: dict[str, Any], given: str | None) -> dict[str, Any]:
    kind = element["type"]
    if kind in ("plain_text_input", "number_input"):
        return {"type": kind, "value": given if given is not None else element.get("initial_value")}
    if kind in ("static_select", "external_select"):
        chosen = {"value": given} if given is not None else element.get("initial_option")
        return {"type": kind, "selected_option": chosen}
    if kind == "users_select":
        return {"type": kind, "selected_user": given or element.get("initial_user")}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": given or element.get("initial_conversation")}
    raise AssertionError(f"an input the workspace can't fill: {kind}")


def text_of(message: dict[str, Any]) -> str:
    """Every text a message or view shows, one line a block, for assertions."""
    lines = []
    for block in message.get("blocks", []):
        if block.get("text"):
            lines.append(block["text"]["text"])
        lines += [f["text"] for f in block.get("fields", [])]
        lines += [
            e["text"] if isinstance(e["text"], str) else e["text"]["text"]
            for e in block.get("elements", [])
            if "text" in e
        ]
    return "\n".join(lines)
