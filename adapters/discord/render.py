"""A neutral `Reply` as Discord message parts, always within Discord's limits.

Text goes in the content (2000), cards become embeds (title 256, description 4096, 25 fields
of 256/1024, 6000 in all, 10 a message), buttons become persistent `ActionButton`s (5 a row,
5 rows; `components`). Whatever does not fit is cut with an ellipsis: a renderer never
fails.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import discord

from adapters.discord.components import view
from adapters.discord.limits import (
    CONTENT,
    EMBED_DESCRIPTION,
    EMBED_FIELDS,
    EMBED_TITLE,
    EMBEDS,
    EMBEDS_TOTAL,
    FIELD_NAME,
    FIELD_VALUE,
    FOOTER,
    cut,
)
from bot.kernel.messages import Card, Reply

EMPTY = "Done."
REF = "ref "  # before the key copbot finds a message of its own by
_ROLE = re.compile(r"^[0-9]{1,20}$")  # a role id (a snowflake)


@dataclass
class Message:
    """Keyword arguments for discord.py's send and edit calls."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    allowed_mentions: discord.AllowedMentions | None = None

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"content": self.content, "embeds": self.embeds}
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        if self.allowed_mentions is not None:
            kwargs["allowed_mentions"] = self.allowed_mentions
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"content": self.content, "embeds": self.embeds}
        kwargs["view"] = self.view
        if self.files:
            kwargs["attachments"] = self.files
        if self.allowed_mentions is not None:
            kwargs["allowed_mentions"] = self.allowed_mentions
        return kwargs


def render(reply: Reply, *, ref: str | None = None) -> Message:
    """Content, embeds, buttons and files for `reply` (its form is rendered by `modal`).
    A `ref` goes into the last embed's footer: how copbot finds its message again later
    (`DiscordChat.find_post`)."""
    text = reply.text.strip()
    cards = list(reply.cards)
    if len(text) > CONTENT:  # long text reads better whole in an embed than cut at 2000
        cards.insert(0, Card(title="", body=text))
        text = ""
    if ref is not None:
        cards = _carrying(cards[:EMBEDS], ref)
    embeds = _embeds(cards)
    role = reply.mention if reply.mention and _ROLE.match(reply.mention) else None
    if role:  # the role's members are notified: only that role, never @everyone
        text = f"<@&{role}> {text}".strip()
    content = text or None
    if content is None and not embeds and not reply.attachments:
        content = EMPTY
    files = [
        discord.File(io.BytesIO(a.content), filename=a.filename) for a in reply.attachments[:10]
    ]
    allowed = (
        discord.AllowedMentions(everyone=False, roles=[discord.Object(int(role))]) if role else None
    )
    return Message(content, embeds, view(reply.buttons), files, allowed)


def _carrying(cards: list[Card], ref: str) -> list[Card]:
    """The cards with `ref` at the end of the last one's footer (a footer alone, when there
    is no card)."""
    if not cards:
        return [Card(title="", footer=REF + ref)]
    last = cards[-1]
    footer = f"{last.footer} · {REF}{ref}" if last.footer else REF + ref
    return [*cards[:-1], replace(last, footer=footer)]


def _embeds(cards: Sequence[Card]) -> list[discord.Embed]:
    embeds: list[discord.Embed] = []
    budget = EMBEDS_TOTAL
    for card in cards[:EMBEDS]:
        if budget <= 0:
            break
        embed = _embed(card, budget)
        budget -= len(embed)
        embeds.append(embed)
    return embeds


def _embed(card: Card, budget: int) -> discord.Embed:
    """One card in at most `budget` characters of the message's 6000."""
    title = cut(card.title, min(EMBED_TITLE, budget))
    budget -= len(title)
    description = cut(card.body, min(EMBED_DESCRIPTION, max(budget, 1))) if card.body else None
    budget -= len(description or "")
    embed = discord.Embed(title=title or None, description=description, url=_url(card.link))
    if card.footer and budget > 1:
        footer = cut(card.footer, min(FOOTER, budget))
        embed.set_footer(text=footer)
        budget -= len(footer)
    for card_field in card.fields[:EMBED_FIELDS]:
        name = cut(card_field.name or "—", FIELD_NAME)
        value = cut(card_field.value or "—", FIELD_VALUE)
        if len(name) + len(value) > budget:
            break
        embed.add_field(name=name, value=value, inline=card_field.inline)
        budget -= len(name) + len(value)
    return embed


_HTTP = re.compile(r"^https?://\S+$")


def _url(link: str | None) -> str | None:
    """Discord rejects an embed whose url is not http(s)."""
    return link if link and _HTTP.match(link) and len(link) <= 2048 else None
