"""What copbot sends on its own, as data: a `Send` is recorded in the unit of work that
decides it (the outbox) and delivered after commit by the sender (`bot.kernel.outbox`).

A send is a few ordered steps (post a message, open a private space, start a thread, pin,
unpin); a step may act on what an earlier step made (`Post(into=0)` posts in the space
step 0 opened). Everything here is plain data with a JSON form, so it survives a restart.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.kernel.messages import (
    Attachment,
    Button,
    ButtonStyle,
    Card,
    CardField,
    MessageRef,
    Reply,
)

Window = tuple[datetime, datetime]  # when an earlier attempt at a send was under way


@dataclass(frozen=True)
class Post:
    """A message in a channel or one of its threads, a member's direct messages, or where
    an earlier step's result is (`into`: a space, a thread or a message's thread)."""

    reply: Reply
    channel_id: str | None = None
    thread_id: str | None = None
    user_id: str | None = None  # a direct message
    into: int | None = None


@dataclass(frozen=True)
class OpenSpace:
    """A place only `user_ids` and copbot see (`Chat.open_private_space`)."""

    channel_id: str
    user_ids: tuple[str, ...]
    name: str


@dataclass(frozen=True)
class Inbox:
    """The member's private space with copbot (asks, news, feedback requests): opened
    under `channel_id` the first time it is needed and kept (`MemberRepository.inbox`), so
    several sends to a new member open one. Post there with `Post(into=...)`."""

    member_id: int
    user_id: str
    channel_id: str
    name: str


@dataclass(frozen=True)
class StartThread:
    """A thread under the message step `on` posted."""

    on: int
    name: str


@dataclass(frozen=True)
class Pin:
    """Pin a message (`ref`, or the one step `on` posted)."""

    ref: MessageRef | None = None
    on: int | None = None


@dataclass(frozen=True)
class Unpin:
    ref: MessageRef


Step = Post | OpenSpace | Inbox | StartThread | Pin | Unpin


@dataclass(frozen=True)
class Send:
    """`kind` names the capability's hooks for it (`Catalog.delivery`); `key` is unique in
    the community: recording the same key again is the same send, not a second one."""

    kind: str
    key: str
    steps: tuple[Step, ...]
    args: Mapping[str, Any] = field(default_factory=dict)
    due_at: datetime | None = None  # not before; at once when None


@dataclass(frozen=True)
class Delivered:
    """What a send's steps made, in step order (None for steps that make nothing)."""

    refs: tuple[MessageRef | None, ...]


def notice(
    key: str, reply: Reply, *, channel_id: str | None = None, user_id: str | None = None
) -> Send:
    """A plain message to a channel or a member's direct messages, with no hooks."""
    return Send("notice", key, (Post(reply, channel_id=channel_id, user_id=user_id),))


def to_inbox(
    kind: str, key: str, reply: Reply, inbox: Inbox, args: Mapping[str, Any] | None = None
) -> Send:
    """A message in a member's private space with copbot."""
    return Send(kind, key, (inbox, Post(reply, into=0)), args or {})


# The JSON form, as the outbox stores it.


def encode_steps(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [_step(step) for step in steps]


def decode_steps(data: list[dict[str, Any]]) -> tuple[Step, ...]:
    return tuple(_unstep(item) for item in data)


def encode_ref(ref: MessageRef | None) -> list[str | None] | None:
    if ref is None:
        return None
    return [ref.platform, ref.channel_id, ref.message_id, ref.thread_id, ref.url]


def decode_ref(data: list[str | None] | None) -> MessageRef | None:
    """Also a ref stored before refs had a `url` (four items)."""
    if data is None:
        return None
    platform, channel_id, message_id, thread_id, *url = data
    return MessageRef(str(platform), str(channel_id), str(message_id), thread_id, *url)


def _step(step: Step) -> dict[str, Any]:
    match step:
        case Post():
            return {
                "op": "post",
                "reply": encode_reply(step.reply),
                "channel": step.channel_id,
                "thread": step.thread_id,
                "user": step.user_id,
                "into": step.into,
            }
        case OpenSpace():
            return {
                "op": "space",
                "channel": step.channel_id,
                "users": list(step.user_ids),
                "name": step.name,
            }
        case Inbox():
            return {
                "op": "inbox",
                "member": step.member_id,
                "user": step.user_id,
                "channel": step.channel_id,
                "name": step.name,
            }
        case StartThread():
            return {"op": "thread", "on": step.on, "name": step.name}
        case Pin():
            return {
                "op": "pin",
                "ref": encode_ref(step.ref),
                "on": step.on,
            }
        case Unpin():
            return {"op": "unpin", "ref": encode_ref(step.ref)}


def _unstep(item: dict[str, Any]) -> Step:
    match item["op"]:
        case "post":
            return Post(
                decode_reply(item["reply"]),
                item["channel"],
                item["thread"],
                item["user"],
                item["into"],
            )
        case "space":
            return OpenSpace(item["channel"], tuple(item["users"]), item["name"])
        case "inbox":
            return Inbox(item["member"], item["user"], item["channel"], item["name"])
        case "thread":
            return StartThread(item["on"], item["name"])
        case "pin":
            return Pin(decode_ref(item["ref"]), item["on"])
        case "unpin":
            ref = decode_ref(item["ref"])
            assert ref is not None
            return Unpin(ref)
    raise ValueError(f"unknown step {item['op']!r}")


def encode_reply(reply: Reply) -> dict[str, Any]:
    if reply.form is not None:
        raise ValueError("a form can't be sent on copbot's own, only answered")
    return {
        "text": reply.text,
        "cards": [
            {
                "title": c.title,
                "body": c.body,
                "fields": [[f.name, f.value, f.inline] for f in c.fields],
                "link": c.link,
                "footer": c.footer,
            }
            for c in reply.cards
        ],
        "buttons": [[b.label, b.action_id, b.value, b.style.value] for b in reply.buttons],
        "files": [
            [a.filename, base64.b64encode(a.content).decode(), a.media_type]
            for a in reply.attachments
        ],
        "mention": reply.mention,
    }


def decode_reply(data: Mapping[str, Any]) -> Reply:
    return Reply(
        text=data["text"],
        cards=tuple(
            Card(
                c["title"],
                c["body"],
                tuple(CardField(name, value, inline) for name, value, inline in c["fields"]),
                c["link"],
                c["footer"],
            )
            for c in data["cards"]
        ),
        buttons=tuple(
            Button(label, action, value, ButtonStyle(style))
            for label, action, value, style in data["buttons"]
        ),
        attachments=tuple(
            Attachment(name, base64.b64decode(content), media)
            for name, content, media in data["files"]
        ),
        mention=data.get("mention"),
    )
