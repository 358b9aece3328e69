"""What a Slack button or modal carries until Slack sends it back: written by `render`,
read by `inbound`, in one format kept here."""

from __future__ import annotations

import json
from dataclasses import dataclass

METADATA = 3000  # characters of `private_metadata` Slack keeps at most


def button_value(action_id: str, value: str) -> str:
    """A button's Slack value: the core's `action_id:value` (Slack wants action ids unique
    within a block, the core doesn't)."""
    return f"{action_id}:{value}"


def button_target(value: str) -> tuple[str, str]:
    """The core's action id and value, back from a button's Slack value."""
    action_id, _, state = value.partition(":")
    return action_id, state


@dataclass(frozen=True)
class ModalState:
    """What a modal remembers until it is submitted (Slack's `private_metadata`): the command
    path or form action, the form's value, where it was opened and where to answer."""

    target: str
    channel_id: str
    response_url: str | None = None
    value: str = ""

    def encode(self) -> str:
        return json.dumps([self.target, self.channel_id, self.response_url, self.value])

    @classmethod
    def decode(cls, text: object) -> ModalState | None:
        """None for anything `encode` didn't write: the payload is Slack's to send, and a
        refusal beats a crash."""
        if not isinstance(text, str) or len(text) > METADATA:
            return None
        try:
            fields = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python goes
            return None
        match fields:
            case [str(target), str(channel_id), str() | None as response_url, str(value)]:
                return cls(target, channel_id, response_url, value)
        return None
