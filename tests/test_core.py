"""The dispatcher: errors, permissions, units of work, community isolation."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from bot.app import build_catalog
from bot.common.errors import UserError
from bot.kernel.catalog import Access, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.core import FAILED, Core
from bot.kernel.messages import Action, CommunityKey, Invocation, Reply
from copbot.bootstrap import open_core
from tests.fakes import FakeChat, ManualClock, Talk


async def test_unknown_command_suggests_the_closest(talk: Talk) -> None:
    reply = await talk("alice", "/profle show")
    assert reply.ephemeral
    assert reply.text.startswith("I don't know `/profle show`. Did you mean `/profile show`?")


async def test_a_group_alone_lists_its_subcommands(talk: Talk) -> None:
    reply = await talk("alice", "/privacy")
    assert reply.ephemeral
    assert reply.text == (
        "`/privacy` needs a subcommand: `/privacy erase`, `/privacy export`, `/privacy status`."
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/profile show member:bob colour:red", "`/profile show` has no option `colour`"),
        ("/profile show bob carol", "got more values than it has options"),
        ('/profile set bio:"unclosed', "A quote in that command isn't closed."),
        ("/profile set skills:python skills:go", "The option `skills` is given twice."),
        ("/profile set bio:" + "x" * 281, "`bio`: that's 281 characters; at most 280 fit."),
        ("/profile set skills:" + ",".join(f"t{i}" for i in range(21)), "at most 20 fit"),
        ("/profile set skills:" + "a" * 41, "too long"),
        ("/profile set skills:<script>", "characters tags can't hold"),
        ("/profile show member:@@", "doesn't look like a member"),
    ],
)
async def test_bad_input_is_explained_and_changes_nothing(
    talk: Talk, line: str, message: str
) -> None:
    await talk("alice", "/profile set skills:python bio:before")
    reply = await talk("alice", line)
    assert reply.ephemeral and message in reply.text
    shown = await talk("alice", "/profile show")
    assert shown.cards[0].body == "before"
    assert shown.cards[0].fields[0].value == "python"


@pytest.mark.parametrize(
    "text",
    [
        "bad\x00byte",
        "bell\x07",
        "bidi\u202etrick",
        "zero\u200bwidth",
        "word\u2060joiner",
        "byte\ufefforder",
        "arabic\u061cmark",
        "soft\u00adhyphen",
        "line\u2028separator",
        "lone \ud800 surrogate",
    ],
)
@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("profile set", {"bio": "{}"}),
        ("library add", {"url": "https://example.org/a", "title": "{}"}),
        ("library add", {"url": "https://example.org/a", "title": "A", "note": "{}"}),
        ("prompt add", {"text": "{}"}),
    ],
)
async def test_invisible_and_control_characters_are_refused_in_every_text(
    core: Core, talk: Talk, text: str, path: str, options: dict[str, str]
) -> None:
    given = {name: value.replace("{}", text) for name, value in options.items()}
    reply = await core.invoke(Invocation(talk.actor("mod"), "general", path, given))
    assert reply.error and reply.ephemeral and "control characters" in reply.text, reply.text
    assert "no resource #1" in (await talk("mod", "/library show 1")).text
    assert "queue is empty" in (await talk("mod", "/prompt list")).text
    assert "Your profile is empty" in (await talk("mod", "/profile show")).text


async def test_line_breaks_only_where_the_option_allows_them(core: Core, talk: Talk) -> None:
    actor = talk.actor("alice")
    ok = await core.invoke(Invocation(actor, "general", "profile set", {"bio": "one\ntwo"}))
    assert ok.text == "Your profile is saved."
    refused = await core.invoke(Invocation(actor, "general", "profile set", {"skills": "a\nb"}))
    assert "line breaks" in refused.text


async def test_moderator_commands_are_checked_in_the_core(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    catalog = build_catalog()

    @catalog.command("settings wipe", "Wipe the settings", access=Access.MODERATOR)
    async def wipe(context: Context) -> Reply:
        return Reply("wiped")

    async with open_core(sqlite_url, chat=chat, clock=clock, catalog=catalog) as core:
        talk = Talk(core)
        refused = await talk("alice", "/settings wipe")
        assert refused.ephemeral and refused.text == "`/settings wipe` is for moderators only."
        assert (await talk("mod", "/settings wipe")).text == "wiped"
        assert "/settings" not in (await talk("alice", "/help")).text
        assert "`/settings` Wipe the settings (wipe)" in (await talk("mod", "/help")).text
        assert "`/settings wipe`" in (await talk("mod", "/help settings")).text


async def test_a_reading_command_that_needs_to_write_runs_again_and_keeps_its_write(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    """It runs beside the writers until its first write, then once more in an ordinary
    unit of work: the reply and the write are the second run's."""
    catalog = build_catalog()
    runs: list[bool] = []

    @catalog.command("note keep", "Keep a note", reads=True)
    async def keep(context: Context) -> Reply:
        member = await context.member()
        runs.append(member.bio == "")
        if member.bio == "":
            await context.uow.members.save(replace(member, bio="kept"), context.now)
            await context.uow.commit()
        return Reply(f"run {len(runs)}")

    async with open_core(sqlite_url, chat=chat, clock=clock, catalog=catalog) as core:
        talk = Talk(core)
        await talk("alice", "/profile set bio:")
        assert (await talk("alice", "/note keep")).text == "run 2"
        assert runs == [True, True]  # the first run's write never happened
        assert (await talk("alice", "/profile show")).cards[0].body == "kept"
        assert (await talk("alice", "/note keep")).text == "run 3"  # only reads now: one run


@pytest.mark.parametrize(
    ("failure", "answer"),
    [(RuntimeError("disk on fire"), FAILED), (UserError("Not like that."), "Not like that.")],
)
async def test_a_command_that_fails_after_writing_changes_nothing(
    sqlite_url: str,
    chat: FakeChat,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
    answer: str,
) -> None:
    async def write_then_fail(context: Context) -> Reply:
        member = await context.member()
        await context.uow.members.save(replace(member, bio="half-written"), context.now)
        raise failure

    catalog = build_catalog()
    catalog.command("test write", "Write, then fail")(write_then_fail)
    async with open_core(sqlite_url, chat=chat, clock=clock, catalog=catalog) as core:
        talk = Talk(core)
        await talk("alice", "/profile set bio:before")
        with caplog.at_level(logging.ERROR):
            reply = await talk("alice", "/test write")
        assert reply.ephemeral and reply.error and reply.text == answer
        assert ("disk on fire" in caplog.text) == isinstance(failure, RuntimeError)
        assert (await talk("alice", "/profile show")).cards[0].body == "before"


async def test_unknown_or_forged_actions_are_refused(core: Core, talk: Talk) -> None:
    reply = await core.act(Action(talk.actor("alice"), "general", "admin.delete-everything"))
    assert reply.ephemeral and "isn't one I know" in reply.text


async def test_communities_never_see_each_other(core: Core) -> None:
    here, there = Talk(core), Talk(core, community=CommunityKey("test", "elsewhere"))
    await here("alice", "/profile set skills:python bio:here")
    await there("alice", "/profile set skills:cobol bio:there")
    assert (await here("bob", "/profile show member:alice")).cards[0].body == "here"
    assert (await there("bob", "/profile show member:alice")).cards[0].body == "there"
    tags = await core.autocomplete(there.actor("bob"), "profile set", "skills", "")
    assert [c.value for c in tags] == ["cobol"]


async def test_same_ids_on_two_platforms_are_two_communities(core: Core) -> None:
    discord, slack = (
        Talk(core, CommunityKey("discord", "1")),
        Talk(core, CommunityKey("slack", "1")),
    )
    await discord("alice", "/profile set bio:discord")
    assert "hasn't set up" in (await slack("bob", "/profile show member:alice")).text


async def test_integer_and_boolean_options(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    catalog = build_catalog()

    @catalog.command(
        "mentor capacity",
        "Set capacity",
        Option("count", "How many", OptionType.INTEGER, required=True, min_value=0, max_value=10),
        Option("paused", "Paused?", OptionType.BOOLEAN),
        Option("size", "Size", choices=("small", "large")),
    )
    async def capacity(context: Context) -> Reply:
        return Reply(repr(dict(context.options)))

    async with open_core(sqlite_url, chat=chat, clock=clock, catalog=catalog) as core:
        talk = Talk(core)
        assert (await talk("a", "/mentor capacity 3 yes LARGE")).text == (
            "{'count': 3, 'paused': True, 'size': 'large'}"
        )
        assert "needs `count`" in (await talk("a", "/mentor capacity")).text
        assert "at most 10" in (await talk("a", "/mentor capacity 11")).text
        assert "isn't a whole number" in (await talk("a", "/mentor capacity lots")).text
        assert "yes or no" in (await talk("a", "/mentor capacity 1 maybe")).text
        assert "choose one of `small`, `large`" in (await talk("a", "/mentor capacity 1 no x")).text


@pytest.mark.parametrize(
    ("user", "line", "wanted"),
    [
        (
            "alice",
            "library search tag:python",
            ("library search", {"tag": "python"}),
        ),
        ("alice", "resource add", ("library add", {})),  # by its earlier name too
        ("alice", "library add https://example.org/a Guide", None),  # nothing missing
        ("alice", "prompt add", None),  # for moderators only: the core refuses it instead
        ("mod", "prompt add", ("prompt add", {})),
        ("alice", "library add colour:red", None),  # an unknown option: the core explains
        ("alice", 'library add "unclosed', None),  # unreadable: the core explains
        ("alice", "nothing here", None),
    ],
)
async def test_incomplete_names_a_command_whose_required_options_are_missing(
    talk: Talk, user: str, line: str, wanted: tuple[str, dict[str, str]] | None
) -> None:
    found = talk.core.incomplete(talk.actor(user), line)
    assert (found[0].path, found[1]) == wanted if found else wanted is None
