"""`/help`: grouped by capability with a line to try in each, mentors' commands for mentors,
and any group or command explained, however it is asked for."""

from __future__ import annotations

import pytest

from bot.app import build_catalog
from bot.kernel.commandline import split_command_line
from bot.kernel.options import parse_options
from tests.fakes import Talk


def group_lines(text: str) -> dict[str, str]:
    """`/help`'s lines by the group they introduce."""
    return {line.split("`")[1]: line for line in text.splitlines() if line.startswith("`/")}


async def test_help_is_one_line_per_group_each_with_a_line_to_try(talk: Talk) -> None:
    shown = await talk("alice", "/help")
    assert shown.ephemeral and not shown.error
    lines = group_lines(shown.text)
    assert list(lines) == [
        "/start",  # a newcomer's first steps lead
        "/profile",
        "/library",
        "/prompt",
        "/mentor",
        "/intro",
        "/who",
        "/thanks",
        "/privacy",
        "/help",
    ]
    assert all(". Try `/" in line for line in lines.values()), shown.text
    assert "(edit, set, show)" in lines["/profile"]
    assert "add" not in lines["/prompt"]  # moderators' commands for moderators
    assert "/audit" in group_lines((await talk("mod", "/help")).text)


async def test_every_line_to_try_runs_as_shown(talk: Talk) -> None:
    for line in group_lines((await talk("mod", "/help")).text).values():
        example = line.split("Try `")[1].rstrip("`")
        reply = await talk("mod", example)
        assert not reply.error, (example, reply.text)


def test_every_declared_example_is_a_command_of_its_group() -> None:
    catalog = build_catalog()
    for group in catalog.groups.values():
        assert group.examples, group.name
        for example in group.examples:
            path, given = split_command_line(catalog, example)
            command = catalog.get(path)
            assert command is not None and path.split(" ")[0] == group.name, example
            parse_options(command, given)


async def test_mentors_commands_are_shown_to_mentors(talk: Talk) -> None:
    mentors_only = ("inbox", "pause", "resume")
    before = group_lines((await talk("alice", "/help")).text)["/mentor"]
    assert not any(f" {c}," in before or f" {c})" in before for c in mentors_only), before
    assert "/mentor pause" not in (await talk("alice", "/help mentor")).text
    await talk("alice", "/mentor offer topics:python")
    after = group_lines((await talk("alice", "/help")).text)["/mentor"]
    assert all(f" {c}," in after or f" {c})" in after for c in mentors_only), after
    assert "`/mentor pause`" in (await talk("alice", "/help mentor")).text
    # Asked for by name, a command anyone may run is explained to anyone.
    assert (await talk("bob", "/help mentor pause")).cards[0].title == "/mentor pause"


@pytest.mark.parametrize(
    "line",
    [
        "/help profile set",
        "/help command:profile set",
        "/help /profile set",
        '/help "profile set"',
        "/help command:“profile  set”",
    ],
)
async def test_one_command_is_explained_however_it_is_asked_for(talk: Talk, line: str) -> None:
    shown = await talk("alice", line)
    assert not shown.error, shown.text
    assert [c.title for c in shown.cards] == ["/profile set"]
    assert [f.name for f in shown.cards[0].fields] == [
        "skills (optional)",
        "interests (optional)",
        "timezone (optional)",
        "languages (optional)",
        "bio (optional)",
        "listed (optional)",
    ]


async def test_a_group_lists_its_commands(talk: Talk) -> None:
    shown = await talk("alice", "/help command:mentor request")
    assert [c.title for c in shown.cards] == ["/mentor request"]
    group = (await talk("alice", "/help mentor")).text
    assert "`/mentor request` Ask for a mentor on a topic" in group
    assert "`/mentor round preview`" not in group  # for moderators
    assert "`/mentor round preview`" in (await talk("mod", "/help mentor round")).text
    assert "no command" in (await talk("alice", "/help nope")).text
    assert "no command" in (await talk("alice", "/help prompt add")).text
