"""Neutral messages between the adapters and the core.

Adapters turn platform events into `Invocation`s and `Action`s and render `Reply`s back;
the core never sees a platform object. Every id is a string, every time an aware UTC
datetime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class CommunityKey:
    """A Discord guild, a Slack workspace or the local console community."""

    platform: str
    id: str


@dataclass(frozen=True)
class Actor:
    """Who acted, as the platform describes them."""

    community: CommunityKey
    user_id: str
    display_name: str
    is_moderator: bool = False


@dataclass(frozen=True)
class Invocation:
    """A slash command: `path` like ``"profile set"``, options as the platform gave them."""

    actor: Actor
    channel_id: str
    path: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageRef:
    """Where a message the bot sent lives, so it can be found, edited or threaded later.
    `url` is where a member opens it (a thread's, once `Chat.start_thread` made one), as the
    adapter knows it: the core links to it without knowing whose platform it is."""

    platform: str
    channel_id: str
    message_id: str
    thread_id: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ChatMessage:
    """A message someone acted on (context menu, shortcut, reaction), as the platform has it."""

    ref: MessageRef
    link: str
    author_id: str
    author_name: str
    text: str


@dataclass(frozen=True)
class Action:
    """A button press or a form submit; `action_id` and `value` come back as the core set them."""

    actor: Actor
    channel_id: str
    action_id: str
    value: str = ""
    form_values: Mapping[str, str] = field(default_factory=dict)
    message: MessageRef | None = None


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"


MAX_BUTTON_STATE = 100  # Discord's custom_id; it carries `action_id:value` across restarts


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.SECONDARY

    def __post_init__(self) -> None:
        if len(self.action_id) + 1 + len(self.value) > MAX_BUTTON_STATE:
            raise ValueError(f"button {self.label!r} carries more than {MAX_BUTTON_STATE} chars")


@dataclass(frozen=True)
class CardField:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Card:
    """A titled block (Discord embed, Slack section) that degrades to plain text."""

    title: str
    body: str = ""
    fields: tuple[CardField, ...] = ()
    link: str | None = None
    footer: str | None = None
    # Where the card's subject opens on its own (a resource's page): a surface that lists
    # cards with a button each (the web pages) shows it; chat leaves it out.
    open: Button | None = None


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    default: str = ""
    required: bool = False
    multiline: bool = False
    max_length: int | None = None
    placeholder: str = ""


@dataclass(frozen=True)
class Form:
    """Input to collect (Discord modal, Slack modal); submitting it arrives as an `Action`."""

    title: str
    action_id: str
    submit_label: str
    fields: tuple[FormField, ...]
    value: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Series:
    """One named row of a chart's figures, a value for each of the chart's labels."""

    name: str
    values: tuple[int, ...]


class ChartKind(StrEnum):
    BARS = "bars"  # a bar per label for each series, side by side
    STACKED = "stacked"  # the series stacked into one bar per label
    LINE = "line"  # a line per series over the labels (weeks)
    RANKED = "ranked"  # horizontal bars, labels (topics, tags) read down the side


@dataclass(frozen=True)
class Chart:
    """Figures the core computed, for a surface that draws them (the web pages draw an SVG
    with this data as its table); chat shows the text and cards of the same reply instead.
    `key` names it for links and settings; `toggle` is a moderator's button on it."""

    key: str
    title: str
    description: str  # what it shows, in a sentence: the drawing's description
    kind: ChartKind
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    note: str = ""  # a figure the drawing leaves out (a rating, a rate)
    toggle: Button | None = None


@dataclass(frozen=True)
class Reply:
    """What the core answers; `ephemeral` replies are seen only by the actor, and `error`
    marks a refusal (from a `UserError`) that changed nothing. `mention` is the id of a
    role (Discord) or user group (Slack) whose members the message notifies. `followup`
    is a second message after this one, seen only by whoever acted (a newcomer's welcome
    on their first command, whatever that command answers in public)."""

    text: str = ""
    cards: tuple[Card, ...] = ()
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    attachments: tuple[Attachment, ...] = ()
    ephemeral: bool = False
    error: bool = False
    mention: str | None = None
    followup: Reply | None = None
    charts: tuple[Chart, ...] = ()
