"""What a platform hands the core (who acted, where, a message, a button's value), bounded
and cleaned once, where it comes in.

A platform's identifiers and names are input like any other. Unchecked, an id longer than
storage keeps, a NUL (which PostgreSQL refuses in text) or a lone surrogate (which neither
engine can encode) reaches the database and fails there, differently on each engine. An id
that doesn't fit is refused, since cutting it could merge two; names and message text are
cleaned, since the member can't change what their platform sends.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.common.errors import UserError
from bot.kernel.messages import Action, Actor, ChatMessage, MessageRef

# What storage keeps (storage/schema.py), the same on every engine.
MAX_PLATFORM = 16
MAX_COMMUNITY_ID = 64
MAX_USER_ID = 96
MAX_PLACE_ID = 64  # channels, threads and messages
MAX_DISPLAY_NAME = 100

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls but tab and line feed
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """Text as the platform sent it, without control characters; a lone surrogate (half of
    a broken character) becomes U+FFFD, the replacement character."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def admitted(actor: Actor, channel_id: str) -> Actor:
    """`actor`, acting in `channel_id`, with a display name storage keeps; raises
    `UserError` for an identifier it can't."""
    _identifier(actor.community.platform, "platform", MAX_PLATFORM)
    _identifier(actor.community.id, "community id", MAX_COMMUNITY_ID)
    _identifier(actor.user_id, "user id", MAX_USER_ID)
    if channel_id:  # empty where there is no channel (the home tab, autocomplete)
        _identifier(channel_id, "channel id", MAX_PLACE_ID)
    return replace(actor, display_name=display_name(actor.display_name, actor.user_id))


def admitted_action(action: Action) -> Action:
    return replace(
        action,
        actor=admitted(action.actor, action.channel_id),
        value=clean(action.value),
        form_values={name: clean(value) for name, value in action.form_values.items()},
        message=admitted_ref(action.message) if action.message else None,
    )


def admitted_message(message: ChatMessage) -> ChatMessage:
    _identifier(message.author_id, "user id", MAX_USER_ID)
    return replace(
        message,
        ref=admitted_ref(message.ref),
        link=clean(message.link),
        author_name=display_name(message.author_name, message.author_id),
        text=clean(message.text),
    )


def admitted_ref(ref: MessageRef) -> MessageRef:
    _identifier(ref.channel_id, "channel id", MAX_PLACE_ID)
    if ref.message_id:  # empty for a private space, which is a place, not a message
        _identifier(ref.message_id, "message id", MAX_PLACE_ID)
    if ref.thread_id is not None:
        _identifier(ref.thread_id, "thread id", MAX_PLACE_ID)
    return ref


def admitted_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options given so far (autocomplete's context), their text cleaned."""
    return {k: clean(v) if isinstance(v, str) else v for k, v in options.items()}


def display_name(name: str, user_id: str) -> str:
    """At most 100 characters, as one line; the user id when nothing printable is left."""
    flat = " ".join(clean(name).split())
    return flat[:MAX_DISPLAY_NAME] or user_id[:MAX_DISPLAY_NAME]


def _identifier(value: str, what: str, limit: int) -> None:
    if not value or len(value) > limit or not value.isprintable():
        raise UserError(
            f"I can't work with this: its {what} is empty, longer than {limit} characters, "
            "or holds characters an id can't."
        )
