"""The typed command line (the console's and Slack's `/cop`): values by name, by type or in
order, quotes, free text, lists, and the bot's own hints run exactly as they are shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app import build_catalog
from bot.common.errors import UserError
from bot.kernel.catalog import Command, Option
from bot.kernel.commandline import split_command_line
from bot.kernel.context import Context
from bot.kernel.messages import Reply
from bot.kernel.options import parse_options
from tests.fakes import Talk


def fields(reply: Reply) -> dict[str, str]:
    return {f.name: f.value for f in reply.cards[0].fields}


@pytest.mark.parametrize(
    ("line", "path", "options"),
    [
        ("/help", "help", {}),
        ("/profile show @bob", "profile show", {"member": "@bob"}),
        (
            "/profile set skills:\"python, sql\" bio:'a b'",
            "profile set",
            {"skills": "python, sql", "bio": "a b"},
        ),
        # A timezone goes to the timezone option wherever it stands.
        (
            "/profile set py Europe/Berlin",
            "profile set",
            {"skills": "py", "timezone": "Europe/Berlin"},
        ),
        (
            "/profile set Europe/Berlin skills:go",
            "profile set",
            {"timezone": "Europe/Berlin", "skills": "go"},
        ),
        # A #channel and a timezone find their options out of order; the rest fill in order.
        (
            "/prompt schedule monday 09:00 Europe/Berlin #weekly",
            "prompt schedule",
            {"channel": "#weekly", "day": "monday", "time": "09:00", "timezone": "Europe/Berlin"},
        ),
        # A misspelt timezone goes there too, to be told the right name; `ci/cd` is no zone.
        (
            "/profile set ci/cd Europe/Berln",
            "profile set",
            {"skills": "ci/cd", "timezone": "Europe/Berln"},
        ),
        # No option takes a channel: `#python` is a value like any other (here a tag).
        ("/profile set #python", "profile set", {"skills": "#python"}),
        ("  /PROFILE Show  ", "profile show", {}),
        ("/nothing here", "nothing here", {}),
        # Free text: the last text option takes the rest of the line, up to a named option.
        ("/prompt suggest What is your stack", "prompt suggest", {"text": "What is your stack"}),
        ("/help profile set", "help", {"command": "profile set"}),
        ("/help command:mentor request", "help", {"command": "mentor request"}),
        (
            "/mentor request python I want help @bob",
            "mentor request",
            {"topic": "python", "note": "I want help", "mentor": "@bob"},
        ),
        (  # `goal` is given by name only: the note still takes the free text
            "/mentor request python I want help @bob goal:ship a package",
            "mentor request",
            {"topic": "python", "note": "I want help", "mentor": "@bob", "goal": "ship a package"},
        ),
        (
            '/mentor request python "my first package" bob',
            "mentor request",
            {"topic": "python", "note": "my first package", "mentor": "bob"},
        ),
        (
            "/library search pyth tut tag:beginners",
            "library search",
            {"query": "pyth tut", "tag": "beginners"},
        ),
        (
            "/profile set bio:Data engineer at ACME skills:sql",
            "profile set",
            {"bio": "Data engineer at ACME", "skills": "sql"},
        ),
        # Words of free text that only look like options stay text.
        ("/prompt suggest Ratio 3:2, why:", "prompt suggest", {"text": "Ratio 3:2, why:"}),
        # An apostrophe inside a word is a letter; curly quotes are quotes.
        (
            "/library add https://example.org/b Don't",
            "library add",
            {"url": "https://example.org/b", "title": "Don't"},
        ),
        (
            "/library add “https://example.org/c” ‘It’s here’ py",
            "library add",
            {"url": "https://example.org/c", "title": "It’s here", "tags": "py"},
        ),
        ("/profile set bio:„Grüß Gott“", "profile set", {"bio": "Grüß Gott"}),
        ('/library search "\\"OR* NEAR( ***"', "library search", {"query": '"OR* NEAR( ***'}),
        # A list goes on after a comma.
        (
            "/mentor offer topics:python, sql capacity:2",
            "mentor offer",
            {"topics": "python, sql", "capacity": "2"},
        ),
        (
            "/profile set python, sql UTC",
            "profile set",
            {"skills": "python, sql", "timezone": "UTC"},
        ),
    ],
)
def test_command_lines(line: str, path: str, options: dict[str, str]) -> None:
    assert split_command_line(build_catalog(), line) == (path, options)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("/profile set timezone:UTC Europe/Berlin", "`timezone` is given already"),
        ("/mentor request python @bob @carol", "`mentor` is given already"),
        ("/profile show alice extra", "more values than it has options at `extra`"),
        ('/profile set bio:"unclosed', "quote in that command isn't closed"),
        ('/profile set bio:"ends in a backslash\\', "quote in that command isn't closed"),
        ("/profile set bio:a bio:b", "`bio` is given twice"),
    ],
)
def test_a_value_that_fits_no_option_is_asked_about(line: str, problem: str) -> None:
    with pytest.raises(UserError, match=re.escape(problem)):
        split_command_line(build_catalog(), line)


def test_a_bare_url_is_a_value_not_an_option() -> None:
    catalog = build_catalog()

    async def noop(context: Context) -> Reply:
        return Reply()

    catalog.add(Command("link add", "Add a link", noop, (Option("url", "The link"),)))
    assert split_command_line(catalog, "/link add https://example.org/a:b") == (
        "link add",
        {"url": "https://example.org/a:b"},
    )


async def test_the_readme_example_saves_the_timezone_as_the_timezone(talk: Talk) -> None:
    assert not (await talk("alice", "/profile set py Europe/Berlin")).error
    shown = fields(await talk("alice", "/profile show"))
    assert shown["Teaches"] == "python" and shown["Learning"] == "—"
    assert shown["Timezone"].startswith("Europe/Berlin")


async def test_an_ambiguous_value_changes_nothing(talk: Talk) -> None:
    await talk("alice", "/profile set timezone:Asia/Tokyo")
    refused = await talk("alice", "/profile set timezone:UTC Europe/Berlin")
    assert refused.error and refused.ephemeral
    assert fields(await talk("alice", "/profile show"))["Timezone"].startswith("Asia/Tokyo")


async def test_free_text_needs_no_quotes(talk: Talk) -> None:
    assert not (await talk("alice", "/prompt suggest What is your stack")).error
    assert "What is your stack" in (await talk("mod", "/prompt suggestions")).cards[0].body
    saved = await talk("alice", "/library add https://example.org/b Don't")
    assert not saved.error, saved.text
    assert "Don't" in (await talk("alice", "/library show 1")).cards[0].title


HINT = re.compile(r"`(/[a-z][^`{}]*)`")  # a command a text of copbot's shows, as shown
PLACEHOLDER = re.compile(r"^(\.\.\.|…|<.*>|[A-Z]+)$")


def hints() -> list[str]:
    found = set()
    for module in (Path(__file__).parents[1] / "bot").rglob("*.py"):
        found |= {m[1] for m in HINT.finditer(module.read_text()) if " " in m[1].strip()}
    return sorted(found)


@pytest.mark.parametrize("hint", hints())
def test_every_hint_runs_exactly_as_shown(hint: str) -> None:
    """What copbot tells members to type, options and all, is read the way it is shown and
    with real values (a placeholder such as `topics:...` would be taken as a topic)."""
    catalog = build_catalog()
    path, given = split_command_line(catalog, hint)
    command = catalog.get(path)
    if command is None or not given:
        return  # a group or a command named in passing, not a line to type
    parse_options(command, given)
    assert not [v for v in given.values() if PLACEHOLDER.match(v)], hint


async def test_the_mentor_offer_hint_offers_both_topics(talk: Talk) -> None:
    hint = (await talk("alice", "/mentor offer")).text
    shown = re.search(r"`(/mentor offer [^`]+)`", hint)
    assert shown is not None, hint
    offered = await talk("alice", shown[1])
    assert not offered.error, offered.text
    assert "python: 1 mentor" in (topics := (await talk("bob", "/mentor topics")).text)
    assert "sql: 1 mentor" in topics
