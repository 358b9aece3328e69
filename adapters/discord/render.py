"""A neutral `Reply` as Discord message parts, always within Discord's limits.

Text goes in the content (2000), cards become embeds (title 256, description 4096, 25 fields
of 256/1024, 6000 in all, 10 a message), buttons become persistent `ActionButton`s (5 a row,
5 rows) and a `Form` becomes a modal. Whatever does not fit is cut with an ellipsis: a
renderer never fails.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.kernel.messages import Button, ButtonStyle, Card, Form, Reply

if TYPE_CHECKING:
    from adapters.discord.client import CopbotClient

CONTENT = 2000
EMBEDS = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBEDS_TOTAL = 6000
BUTTONS_PER_ROW = 5
ROWS = 5
BUTTON_LABEL = 80
MODAL_TITLE = 45
INPUT_LABEL = 45
INPUT_PLACEHOLDER = 100
INPUT_VALUE = 4000
EMPTY = "Done."

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Message:
    """Keyword arguments for discord.py's send and edit calls."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"content": self.content, "embeds": self.embeds}
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"content": self.content, "embeds": self.embeds}
        kwargs["view"] = self.view
        if self.files:
            kwargs["attachments"] = self.files
        return kwargs


def render(reply: Reply) -> Message:
    """Content, embeds, buttons and files for `reply` (its form is rendered by `modal`)."""
    text = reply.text.strip()
    cards = list(reply.cards)
    if len(text) > CONTENT:  # long text reads better whole in an embed than cut at 2000
        cards.insert(0, Card(title="", body=text))
        text = ""
    embeds = _embeds(cards)
    content = text or None
    if content is None and not embeds and not reply.attachments:
        content = EMPTY
    files = [
        discord.File(io.BytesIO(a.content), filename=a.filename) for a in reply.attachments[:10]
    ]
    return Message(content, embeds, view(reply.buttons), files)


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


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"(?P<action>[a-z][\w.-]*):(?P<value>.*)",
):
    """A button whose custom id is the core's `action_id:value`: any process, before or after a
    restart, routes a press back to the core as an `Action`."""

    def __init__(self, action_id: str, value: str = "", **button: Any) -> None:
        super().__init__(discord.ui.Button(custom_id=f"{action_id}:{value}", **button))
        self.action_id = action_id
        self.value = value

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        return cls(match["action"], match["value"])

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        client: CopbotClient = interaction.client  # type: ignore[assignment]
        await client.pressed(interaction, self.action_id, self.value)


def view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """Up to 25 buttons, five a row; a button repeating another's custom id is left out (Discord
    refuses a message with two)."""
    if not buttons:
        return None
    made = _unstored(discord.ui.View(timeout=None))
    seen: set[str] = set()
    for button in buttons:
        custom_id = f"{button.action_id}:{button.value}"
        if custom_id in seen or len(seen) == BUTTONS_PER_ROW * ROWS:
            continue
        seen.add(custom_id)
        made.add_item(
            ActionButton(
                button.action_id,
                button.value,
                label=cut(button.label, BUTTON_LABEL) or "…",
                style=_STYLES[button.style],
                row=(len(seen) - 1) // BUTTONS_PER_ROW,
            )
        )
    return made


def _unstored(made: discord.ui.View) -> discord.ui.View:
    """A view discord.py will not keep per message: its buttons are routed by custom id
    (`add_dynamic_items`), and a kept view per reply would only grow the process."""
    made.stop()
    return made


class OpenForm(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"form~(?P<key>\d{1,20})"
):
    """A button that opens a form copbot could not open at once: Discord allows a modal only
    as the first answer to an interaction, and a slow command has deferred by then."""

    def __init__(self, key: int, label: str = "Open the form") -> None:
        super().__init__(
            discord.ui.Button(
                custom_id=f"form~{key}",
                label=cut(label, BUTTON_LABEL),
                style=discord.ButtonStyle.primary,
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> OpenForm:
        return cls(int(match["key"]))

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        client: CopbotClient = interaction.client  # type: ignore[assignment]
        await client.open_form(interaction, self.key)


def open_form_view(key: int) -> discord.ui.View:
    made = discord.ui.View(timeout=None)
    made.add_item(OpenForm(key))
    return _unstored(made)


class FormModal(discord.ui.Modal):
    """A `Form` as a modal. Its custom id is the core's `action_id:value`; submits are routed
    by `CopbotClient`, not here, so a modal opened before a restart still reaches the core."""

    def __init__(self, form: Form) -> None:
        super().__init__(
            title=cut(form.title, MODAL_TITLE),
            custom_id=f"{form.action_id}:{form.value}",
            timeout=None,
        )
        self.stop()  # not kept by discord.py either: `CopbotClient` routes every submit
        for form_field in form.fields[:5]:  # Discord's limit on inputs in a modal
            limit = min(form_field.max_length or INPUT_VALUE, INPUT_VALUE)
            self.add_item(
                discord.ui.Label(
                    text=cut(form_field.label, INPUT_LABEL),
                    component=discord.ui.TextInput(
                        custom_id=form_field.name,
                        style=discord.TextStyle.paragraph
                        if form_field.multiline
                        else discord.TextStyle.short,
                        default=cut(form_field.default, limit) or None,
                        required=form_field.required,
                        max_length=limit,
                        placeholder=cut(form_field.placeholder, INPUT_PLACEHOLDER) or None,
                    ),
                )
            )


def form_values(components: Sequence[Any]) -> dict[str, str]:
    """The text inputs of a submitted modal by custom id, whether Discord wraps them in action
    rows (type 1) or labels (type 18)."""
    values: dict[str, str] = {}
    for component in components:
        if component.get("type") == 1:
            values.update(form_values(component.get("components", [])))
        elif component.get("type") == 18:
            values.update(form_values([component.get("component", {})]))
        elif "custom_id" in component and "value" in component:
            values[str(component["custom_id"])] = str(component["value"])
    return values
