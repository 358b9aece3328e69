"""The core catalog as Discord application commands: one generic translation, so a command
added to the catalog appears on Discord with no change here.

`library add` becomes the subcommand `add` of the group `/resource`; a three-word path
nests a subgroup. Options keep their types, limits, choices and autocomplete. A group whose
commands are all for moderators is hidden from members by default (Manage Server): Discord
sets default permissions on top-level commands only, so mixed groups stay visible, and the
core checks every call anyway.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.discord.limits import CHOICE, STRING_OPTION, cut
from bot.kernel.catalog import Access, Catalog, Choice, Command, Option, OptionType

# What the adapter does with a command: (interaction, catalog path, raw option values).
Invoke = Callable[[discord.Interaction[Any], str, dict[str, Any]], Awaitable[None]]
Suggest = Callable[[discord.Interaction[Any], str, str, str], Awaitable[list[Choice]]]
OnMessage = Callable[[discord.Interaction[Any], str, discord.Message], Awaitable[None]]

MODERATOR_PERMISSIONS = discord.Permissions(manage_guild=True)


def build_commands(
    catalog: Catalog, *, invoke: Invoke, suggest: Suggest, on_message: OnMessage
) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu]:
    """Top-level commands and groups for every catalog entry, plus one message context menu
    per `Catalog.message_action`."""
    top: dict[str, app_commands.Command[Any, ..., Any] | app_commands.Group] = {}
    commands = list(catalog)
    for command in commands:
        words = command.path.split(" ")
        parent: app_commands.Group | None = None
        for depth, word in enumerate(words[:-1]):
            parent = _group(top, parent, word, words[: depth + 1], commands)
        made = _command(command, words[-1], invoke, suggest)
        if parent is None:
            made.default_permissions = _default_permissions([command])
            made.guild_only = True
            top[words[-1]] = made
        else:
            parent.add_command(made)
    menus = [_menu(name, on_message) for name in sorted(catalog.message_actions)]
    return [*top.values(), *menus]


def _group(
    top: dict[str, app_commands.Command[Any, ..., Any] | app_commands.Group],
    parent: app_commands.Group | None,
    word: str,
    prefix: list[str],
    commands: list[Command],
) -> app_commands.Group:
    siblings = top if parent is None else {c.name: c for c in parent.commands}
    found = siblings.get(word)
    if isinstance(found, app_commands.Group):
        return found
    inside = [c for c in commands if c.path.split(" ")[: len(prefix)] == prefix]
    group = app_commands.Group(
        name=word,
        description=f"{word.capitalize()} commands"
        + (" (moderators)" if all(c.access is Access.MODERATOR for c in inside) else ""),
        parent=parent,
        guild_only=parent is None,
        default_permissions=_default_permissions(inside) if parent is None else None,
    )
    if parent is None:
        top[word] = group
    return group


def _default_permissions(commands: list[Command]) -> discord.Permissions | None:
    if all(c.access is Access.MODERATOR for c in commands):
        return MODERATOR_PERMISSIONS
    return None


def _command(
    command: Command, name: str, invoke: Invoke, suggest: Suggest
) -> app_commands.Command[Any, ..., Any]:
    """An app command whose callback signature is made from the catalog's options (discord.py
    reads types, defaults and names from it)."""
    names = {f"o{i}": option for i, option in enumerate(command.options)}

    async def callback(interaction: discord.Interaction[Any], **given: Any) -> None:
        raw = {
            names[key].name: raw_value(value) for key, value in given.items() if value is not None
        }
        await invoke(interaction, command.path, raw)

    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for key, option in names.items():
        parameters.append(
            inspect.Parameter(
                key,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=_annotation(option),
                default=inspect.Parameter.empty if option.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback = app_commands.rename(**{k: o.name for k, o in names.items()})(callback)
    callback = app_commands.describe(**{k: o.description for k, o in names.items()})(callback)
    choices = {
        k: [app_commands.Choice(name=c, value=c) for c in o.choices]
        for k, o in names.items()
        if o.choices
    }
    if choices:
        callback = app_commands.choices(**choices)(callback)
    made: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name,
        description=command.description,
        callback=callback,
    )
    for key, option in names.items():
        if option.autocomplete and not option.choices:
            made.autocomplete(key)(_completer(command.path, option, suggest))
    return made


def _completer(
    path: str, option: Option, suggest: Suggest
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[Any]]]]:
    """The core's suggestions as Discord choices: 100 characters at most, and whole numbers
    for an integer option (Discord refuses string values there)."""

    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[Any]]:
        choices = await suggest(interaction, path, option.name, str(current))
        if option.type is OptionType.INTEGER:
            return [
                app_commands.Choice(name=cut(c.name, CHOICE), value=int(c.value))
                for c in choices
                if c.value.isascii() and c.value.isdigit()
            ]
        return [
            app_commands.Choice(name=cut(c.name, CHOICE), value=c.value[:CHOICE]) for c in choices
        ]

    return complete


def _annotation(option: Option) -> Any:
    match option.type:
        case OptionType.INTEGER:
            return app_commands.Range[int, option.min_value, option.max_value]
        case OptionType.BOOLEAN:
            return bool
        case OptionType.MEMBER:
            return discord.User
        case OptionType.CHANNEL:
            return discord.TextChannel
    return app_commands.Range[str, None, min(option.max_length, STRING_OPTION)]


def raw_value(value: Any) -> Any:
    """What the core parses: ids for members and channels, the rest as Discord gave it."""
    if isinstance(value, discord.abc.Snowflake) and not isinstance(value, bool | int | str):
        return str(value.id)
    return value


def _menu(name: str, on_message: OnMessage) -> app_commands.ContextMenu:
    async def callback(interaction: discord.Interaction[Any], message: discord.Message) -> None:
        await on_message(interaction, name, message)

    menu = app_commands.ContextMenu(name=name, callback=callback)
    menu.guild_only = True
    return menu


def options_given(interaction: discord.Interaction[Any]) -> Mapping[str, Any]:
    """The options a member filled in so far (for autocomplete that depends on them)."""
    return {name: raw_value(value) for name, value in interaction.namespace}


def commands_hash(payload: list[dict[str, Any]]) -> str:
    """A fingerprint of what would be synced: sync only when it changes."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
