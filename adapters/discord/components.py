"""copbot's buttons and modals on Discord. Their custom ids carry the core's
`action_id:value`, so any process, before or after a restart, routes a press or a submit
back to the core. A press reaches the client through the small `Router` protocol."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import discord

from adapters.discord.limits import (
    BUTTON_LABEL,
    BUTTONS_PER_ROW,
    INPUT_LABEL,
    INPUT_PLACEHOLDER,
    INPUT_VALUE,
    MODAL_INPUTS,
    MODAL_TITLE,
    ROWS,
    cut,
)
from bot.kernel.messages import Button, ButtonStyle, Form

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


@runtime_checkable
class Router(Protocol):
    """Where a press goes: the client that serves copbot."""

    async def pressed(
        self, interaction: discord.Interaction[Any], action_id: str, value: str
    ) -> None: ...

    async def open_form(self, interaction: discord.Interaction[Any], key: int) -> None: ...


def _router(interaction: discord.Interaction[discord.Client]) -> Router:
    client = interaction.client
    if not isinstance(client, Router):
        raise TypeError(f"{type(client).__name__} doesn't route copbot's components")
    return client


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
        await _router(interaction).pressed(interaction, self.action_id, self.value)


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
        await _router(interaction).open_form(interaction, self.key)


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
        for form_field in form.fields[:MODAL_INPUTS]:
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
