"""Typed command lines (`profile set skills:"python, sql" Europe/Berlin`) read against the
catalog: the grammar of the console and of Slack's `/cop`."""

from __future__ import annotations

import shlex

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog, Command

_MAX_LINE = 4000


def split_command_line(catalog: Catalog, line: str) -> tuple[str, dict[str, str]]:
    """The command path and its options; `name:value` words are named options, bare words
    after the path fill the remaining options in order."""
    if len(line) > _MAX_LINE:
        raise UserError(f"That command is too long (at most {_MAX_LINE} characters).")
    try:
        words = shlex.split(line.strip().removeprefix("/"))
    except ValueError:
        raise UserError("A quote in that command isn't closed.") from None
    bare = 0
    while bare < len(words) and not _is_named(words[bare]):
        bare += 1
    command = _longest_path(catalog, words[:bare])
    if command is None:
        return " ".join(words[:bare]), _named(words[bare:])
    depth = len(command.path.split(" "))
    options = _named(words[bare:])
    free = [o.name for o in command.options if o.name not in options]
    for word in words[depth:bare]:
        if not free:
            raise UserError(
                f"`/{command.path}` got more values than it has options; "
                f"put quotes around text with spaces."
            )
        options[free.pop(0)] = word
    return command.path, options


def _is_named(word: str) -> bool:
    name, colon, value = word.partition(":")
    return (
        bool(colon)
        and name.replace("-", "").isalnum()
        and name.islower()
        and not value.startswith("//")  # a bare URL is a value, not option `https`
    )


def _named(words: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for word in words:
        if not _is_named(word):
            raise UserError(
                f"I can't read `{word[:40]}`: give options as `name:value`, "
                "with quotes around values that have spaces."
            )
        name, _, value = word.partition(":")
        if name in options:
            raise UserError(f"The option `{name}` is given twice.")
        options[name] = value
    return options


def _longest_path(catalog: Catalog, words: list[str]) -> Command | None:
    for end in range(min(len(words), 3), 0, -1):
        command = catalog.get(" ".join(words[:end]).casefold())
        if command is not None:
            return command
    return None
