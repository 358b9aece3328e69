"""The catalog as Discord application commands: derived, never hand-written."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import build_commands
from bot.app import build_catalog
from bot.kernel.catalog import Access, Catalog, Choice, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Reply


async def nothing(*args: Any) -> None:
    return None


async def no_choices(*args: Any) -> list[Choice]:
    return []


def payloads(catalog: Catalog) -> dict[str, dict[str, Any]]:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    for command in build_commands(catalog, invoke=nothing, suggest=no_choices, on_message=nothing):
        tree.add_command(command)
    return {c.name: c.to_dict(tree) for c in tree.get_commands()}


def test_every_catalog_command_becomes_a_subcommand_of_its_group() -> None:
    catalog = build_catalog()
    made = payloads(catalog)
    for command in catalog:
        group, *rest = command.path.split(" ")
        entry = made[group]
        for word in rest:
            entry = next(o for o in entry["options"] if o["name"] == word)
        assert entry["description"] == command.description
        assert [o["name"] for o in entry.get("options", [])] == [o.name for o in command.options]
    assert made["Save to library"]["type"] == 3  # the message context menu


def test_options_keep_types_limits_choices_and_autocomplete() -> None:
    made = payloads(build_catalog())
    schedule = next(o for o in made["prompt"]["options"] if o["name"] == "schedule")
    options = {o["name"]: o for o in schedule["options"]}
    assert options["channel"]["type"] == 7 and options["channel"]["channel_types"] == [
        0,
        5,
    ]  # text, announcements
    assert [c["value"] for c in options["day"]["choices"]][:2] == ["monday", "tuesday"]
    assert options["time"]["max_length"] == 5 and options["time"]["required"]
    assert options["timezone"]["autocomplete"] is True
    pin_top = next(o for o in made["library"]["options"] if o["name"] == "pin-top")
    count = next(o for o in pin_top["options"] if o["name"] == "count")
    assert (count["type"], count["min_value"], count["max_value"]) == (4, 1, 25)


def test_a_group_of_moderator_commands_only_is_hidden_from_members_by_default() -> None:
    catalog = build_catalog()

    @catalog.command("cleanup run", "Tidy up", access=Access.MODERATOR)
    async def cleanup(context: Context) -> Reply:
        return Reply("tidy")

    @catalog.command(
        "kudos give", "Thank someone", Option("who", "Whom", OptionType.MEMBER, required=True)
    )
    async def kudos(context: Context) -> Reply:
        return Reply("thanks")

    made = payloads(catalog)
    assert made["cleanup"]["default_member_permissions"] == 1 << 5  # Manage Server
    assert made["audit"]["default_member_permissions"] == 1 << 5  # a moderators' command
    assert made["kudos"]["default_member_permissions"] is None
    assert made["prompt"]["default_member_permissions"] is None  # members may suggest
    assert all(p["contexts"] == [0] or p.get("dm_permission") is False for p in made.values())


def test_a_three_word_path_nests_a_subcommand_group() -> None:
    catalog = Catalog()

    @catalog.command("mentor round preview", "Preview the round", access=Access.MODERATOR)
    async def preview(context: Context) -> Reply:
        return Reply("round")

    made = payloads(catalog)
    [round_group] = made["mentor"]["options"]
    assert (round_group["name"], round_group["type"]) == ("round", 2)
    assert [o["name"] for o in round_group["options"]] == ["preview"]
