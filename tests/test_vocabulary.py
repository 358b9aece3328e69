"""Tags, timezones, command lines and catalog declarations."""

from __future__ import annotations

import pytest

from bot.common.errors import UserError
from bot.common.tags import normalise_tag, parse_tags
from bot.common.timezones import canonical_timezone, search_timezones
from bot.kernel.catalog import Catalog, Command, Option
from bot.kernel.context import Context
from bot.kernel.messages import Reply


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("Python", "python"),
        ("  #Py ", "python"),
        ("Machine   Learning", "machine-learning"),
        ("JS", "javascript"),
        ("C++", "c++"),
        ("k8s", "kubernetes"),
        ("ＰＹＴＨＯＮ", "python"),
        ("node.js", "node.js"),
        ("UX_Design", "ux-design"),
    ],
)
def test_tags_have_one_spelling(raw: str, tag: str) -> None:
    assert normalise_tag(raw) == tag


def test_tag_lists_dedupe_after_aliases_and_keep_order() -> None:
    assert parse_tags("sql, Py; python\nJS,, ", max_items=5) == ("sql", "python", "javascript")


@pytest.mark.parametrize("raw", ["", "#", "a" * 41, "drop;table", "<b>", "emoji🙂"])
def test_bad_tags_are_refused(raw: str) -> None:
    with pytest.raises(UserError):
        normalise_tag(raw)


@pytest.mark.parametrize("raw", ["+", "&", "/", ".", "-", "+/.", "_"])
def test_a_tag_of_punctuation_only_is_refused(raw: str) -> None:
    """Search indexes a tag's letters and digits: a tag with none could never be found."""
    with pytest.raises(UserError, match="letter or digit"):
        normalise_tag(raw)


def test_timezones_are_canonical_iana_names() -> None:
    assert canonical_timezone("europe/berlin") == "Europe/Berlin"
    assert canonical_timezone(" America/New York ") == "America/New_York"
    assert canonical_timezone("utc") == "UTC"
    with pytest.raises(UserError, match="Did you mean `Europe/London`"):
        canonical_timezone("Europe/Londn")
    with pytest.raises(UserError, match="isn't a timezone"):
        canonical_timezone("CEST")


def test_timezone_search_puts_prefix_matches_first() -> None:
    found = search_timezones("new", 3)
    assert found[0] == "America/New_York" and all("new" in n.casefold() for n in found)
    assert "Europe/London" in search_timezones("lon", 5)
    assert len(search_timezones("", 25)) == 25


def test_catalog_declarations_are_checked() -> None:
    async def noop(context: Context) -> Reply:
        return Reply()

    catalog = Catalog()
    catalog.add(Command("mentor request", "Ask for a mentor", noop))
    with pytest.raises(ValueError, match="declared twice"):
        catalog.add(Command("mentor request", "Again", noop))
    with pytest.raises(ValueError, match="clashes"):
        catalog.add(Command("mentor", "A command where a group is", noop))
    with pytest.raises(ValueError, match="lowercase words"):
        Command("Mentor Request", "Bad path", noop)
    with pytest.raises(ValueError, match="required options must come first"):
        Command("a b", "Order", noop, (Option("x", "x"), Option("y", "y", required=True)))
    with pytest.raises(ValueError, match="repeats an option"):
        Command("a b", "Twice", noop, (Option("x", "x"), Option("x", "x")))
    with pytest.raises(ValueError, match="more than 25 options"):
        Command("a b", "Many", noop, tuple(Option(f"o{i}", "o") for i in range(26)))
    with pytest.raises(ValueError, match="unknown autocomplete source"):
        catalog.add(Command("a b", "Src", noop, (Option("x", "x", autocomplete="missing"),)))
    with pytest.raises(ValueError, match="description of 1-100"):
        Option("x", "")
