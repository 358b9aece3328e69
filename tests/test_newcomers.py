"""A newcomer's path, through the core on a real SQLite file (and the counts on both
engines): the welcome at the first command, once per member and community whatever the
process; steps derived from what members do however they did it; `/start`, the home tab,
the moderators' welcome text, and the counts the health report reads."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import Connection

from bot.admin.privacy import NOTHING
from bot.kernel.core import Core
from bot.kernel.messages import CommunityKey, MessageRef, Reply
from bot.kernel.ports import MemberInfo
from copbot.bootstrap import open_core
from storage.database import open_database
from storage.migrate import _config
from tests.fakes import START, FakeChat, ManualClock, Talk
from tests.test_prompts import runner, setup

ELSEWHERE = CommunityKey("test", "elsewhere")


def steps(reply: Reply) -> list[str]:
    """The steps a card lists, each as "✅ name" or "⬜ name"."""
    card = next(c for c in reply.cards if c.title == "Your first steps")
    return [f.name for f in card.fields]


def welcomes(chat: FakeChat, user: str) -> list[Reply]:
    return [r for r in chat.posted_to(f"dm-{user}") if r.cards and steps(r)]


async def answer_a_prompt(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock, who: str
) -> None:
    """A prompt posted a week on (scheduled by the moderator), and `who` answering it."""
    await setup(talk, "What did you learn this week?")
    clock.advance(timedelta(days=7))
    await runner(core, chat, clock).run_due()
    posted = next(s for s in chat.sent if s.to == "#weekly")
    assert posted.ref is not None
    thread = f"t{posted.ref.message_id}"
    await core.member_posted(talk.actor(who), MessageRef("test", "weekly", "a1", thread))


async def test_the_first_command_is_followed_by_a_private_welcome_once(talk: Talk) -> None:
    first = await talk("alice", "/library list")
    assert first.followup is not None and first.followup.ephemeral
    assert first.followup.text.startswith("Welcome! I'm copbot")
    assert steps(first.followup) == [
        "⬜ Fill in your profile",
        "⬜ Answer this week's prompt",
        "⬜ Find a mentor or join intros",
    ]
    assert (await talk("alice", "/library list")).followup is None
    assert (await talk("bob", "/help")).followup is not None  # each member their own


async def test_a_refused_command_leaves_the_welcome_to_the_next(talk: Talk) -> None:
    refused = await talk("alice", "/prompt add hello")  # for moderators only
    assert refused.error and refused.followup is None
    assert (await talk("alice", "/help")).followup is not None


async def test_a_restart_never_welcomes_twice(
    database_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    async with open_core(database_url, chat=chat, clock=clock) as before:
        assert (await Talk(before)("alice", "/help")).followup is not None
    async with open_core(database_url, chat=chat, clock=clock) as after:
        assert (await Talk(after)("alice", "/help")).followup is None


async def test_two_processes_at_once_welcome_a_member_once(
    postgres_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    async with (
        open_core(postgres_url, chat=chat, clock=clock) as one,
        open_core(postgres_url, chat=chat, clock=clock) as two,
    ):
        for user in ("alice", "bob", "carol"):
            replies = await asyncio.gather(Talk(one)(user, "/help"), Talk(two)(user, "/help"))
            assert [r.error for r in replies] == [False, False]
            assert len([r for r in replies if r.followup is not None]) == 1, user


async def test_each_community_welcomes_its_own_newcomers(core: Core) -> None:
    home, elsewhere = Talk(core), Talk(core, community=ELSEWHERE)
    assert (await home("alice", "/help")).followup is not None
    assert (await elsewhere("alice", "/help")).followup is not None
    await home("mod", "/community welcome text:Hello from home")
    carol_there = await elsewhere("carol", "/help")
    assert carol_there.followup is not None
    assert carol_there.followup.text.startswith("Welcome! I'm copbot")


async def test_steps_are_done_by_what_members_do_however_they_do_it(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await talk("alice", "/help")
    await talk("alice", "/profile set skills:python timezone:Europe/Berlin")
    shown = await talk("alice", "/start")
    assert shown.text == "Your first steps here (2 of 3 to go):"
    assert steps(shown)[0] == "✅ Fill in your profile"

    await answer_a_prompt(core, talk, chat, clock, "alice")
    assert steps(await talk("alice", "/start"))[1] == "✅ Answer this week's prompt"

    await talk("bob", "/mentor offer topics:python capacity:1")
    await talk("alice", "/mentor request topic:python")
    done = await talk("alice", "/start")
    assert done.text.startswith("You're all set") and not done.cards


async def test_a_timezone_from_the_platform_is_not_a_filled_in_profile(
    talk: Talk, chat: FakeChat
) -> None:
    chat.users["alice"] = MemberInfo("Alice", "Europe/Berlin")
    assert steps(await talk("alice", "/start"))[0] == "⬜ Fill in your profile"


async def test_intros_count_as_finding_company_and_leaving_undoes_it(talk: Talk) -> None:
    await talk("mod", "/intro setup #intros weekly monday 10:00 UTC open:yes")
    await talk("alice", "/intro join")
    assert steps(await talk("alice", "/start"))[2] == "✅ Find a mentor or join intros"
    await talk("alice", "/intro leave")
    await talk.press("alice", "Leave intros")
    assert steps(await talk("alice", "/start"))[2] == "⬜ Find a mentor or join intros"


async def test_start_as_the_first_command_is_not_followed_by_the_welcome(talk: Talk) -> None:
    shown = await talk("alice", "/start")
    assert shown.followup is None and len(steps(shown)) == 3
    assert (await talk("alice", "/help")).followup is None


async def test_the_home_tab_shows_the_steps_until_all_are_done(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    sections = await core.home(talk.actor("alice"))
    assert steps(sections[0]) == [
        "⬜ Fill in your profile",
        "⬜ Answer this week's prompt",
        "⬜ Find a mentor or join intros",
    ]
    await talk("alice", "/profile set bio:hello")
    await talk("alice", "/mentor offer topics:python capacity:1")
    await answer_a_prompt(core, talk, chat, clock, "alice")
    after = await core.home(talk.actor("alice"))
    assert not [s for s in after if s.cards and s.cards[0].title == "Your first steps"]


async def test_moderators_set_preview_and_reset_the_welcome(talk: Talk) -> None:
    preview = await talk("mod", "/community welcome")
    assert "copbot's own words" in preview.text and preview.ephemeral
    assert preview.cards[0].body.startswith("Welcome! I'm copbot")
    saved = await talk("mod", '/community welcome text:"Hi! We are the Rust learners."')
    assert saved.text.startswith("Saved.") and "the community's words" in saved.text
    assert saved.cards[0].body == "Hi! We are the Rust learners."
    assert len(steps(saved)) == 3
    welcomed = await talk("alice", "/help")
    assert welcomed.followup is not None
    assert welcomed.followup.text == "Hi! We are the Rust learners."
    reset = await talk("mod", "/community welcome reset:yes")
    assert "copbot's own words" in reset.text


async def test_bad_welcome_text_is_refused_and_changes_nothing(talk: Talk) -> None:
    await talk("mod", "/community welcome text:Hello")
    for line, said in (
        ("/community welcome text:Hi reset:yes", "not both"),
        ('/community welcome text:"   "', "needs some words"),
        (f"/community welcome text:{'x' * 601}", "text"),
    ):
        refused = await talk("mod", line)
        assert refused.error and said in refused.text, refused.text
    assert (await talk("mod", "/community welcome")).cards[0].body == "Hello"
    member = await talk("alice", "/community welcome text:mine")
    assert member.error and "moderators" in member.text


async def test_joining_the_workspace_welcomes_in_direct_messages(
    core: Core, talk: Talk, chat: FakeChat
) -> None:
    await core.arrived(talk.actor("alice"))
    await talk.settle()
    assert len(welcomes(chat, "alice")) == 1
    await core.arrived(talk.actor("alice"))  # the platform says it again
    await talk.settle()
    assert len(welcomes(chat, "alice")) == 1
    assert (await talk("alice", "/help")).followup is None


async def test_only_an_intros_programme_channel_is_an_arrival(
    core: Core, talk: Talk, chat: FakeChat
) -> None:
    await talk("mod", "/intro setup #intros weekly monday 10:00 UTC open:yes")
    await core.arrived(talk.actor("alice"), "random")
    await talk.settle()
    assert welcomes(chat, "alice") == []
    await core.arrived(talk.actor("alice"), "intros")
    await talk.settle()
    assert len(welcomes(chat, "alice")) == 1
    await core.arrived(talk.actor("bob"), "random")
    assert (await talk("bob", "/help")).followup is not None  # a join that didn't count


async def test_the_health_read_counts_newcomers_and_those_who_finished(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    """`NewcomersRepository.progress`, which `/community health` reports."""
    start = clock.now()
    await talk("alice", "/help")
    await talk("bob", "/profile set skills:go")
    await talk("mod", "/intro setup #intros weekly monday 10:00 UTC open:yes")
    await talk("bob", "/intro join")
    await answer_a_prompt(core, talk, chat, clock, "bob")
    async with core.store.unit_of_work(talk.community) as uow:
        progress = await uow.newcomers.progress(start)
        later = await uow.newcomers.progress(start + timedelta(minutes=1))
    assert (progress.welcomed, progress.finished) == (3, 1)  # alice, bob and mod; bob finished
    assert (later.welcomed, later.finished) == (0, 0)
    async with core.store.unit_of_work(ELSEWHERE) as uow:
        assert (await uow.newcomers.progress(start)).welcomed == 0


def _at_0017_with_members(connection: Connection) -> None:
    command.upgrade(_config(connection), "0017")
    at = "'2026-01-01T09:00:00+00:00'"
    for sql in (
        f"INSERT INTO communities (id, platform, external_id, created_at) "
        f"VALUES (1, 'test', 'home', {at})",
        f"INSERT INTO members (id, community_id, user_id, display_name, bio, version, "
        f"created_at, updated_at, erased_at) VALUES "
        f"(1, 1, 'alice', 'Alice', '', 1, {at}, {at}, NULL), "
        f"(2, 1, 'erased:2', 'Former member', '', 1, {at}, {at}, {at})",
    ):
        connection.exec_driver_sql(sql)


async def test_an_upgrade_welcomes_nobody_copbot_already_knew(
    tmp_path: Path, chat: FakeChat, clock: ManualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'copbot.db'}"
    database = open_database(url)
    try:
        await database.run_sync(_at_0017_with_members)
    finally:
        await database.dispose()
    async with open_core(url, chat=chat, clock=clock) as core:
        talk = Talk(core)
        assert (await talk("alice", "/help")).followup is None
        assert (await talk("bob", "/help")).followup is not None
        # Not welcomed, and not counted a newcomer, but her steps are hers to look up.
        started = await talk("alice", "/start")
        assert started.text == "Your first steps here (3 of 3 to go):" and started.cards
        async with core.store.unit_of_work(talk.community) as uow:
            assert (await uow.newcomers.progress(START - timedelta(days=30))).welcomed == 1


async def test_erasing_and_looking_after_a_restart_welcome_nobody_anew(
    sqlite_url: str, chat: FakeChat, clock: ManualClock
) -> None:
    """Looking at (or erasing) what copbot keeps keeps nothing new, not even a welcome."""
    async with open_core(sqlite_url, chat=chat, clock=clock) as before:
        talk = Talk(before)
        await talk("alice", "/profile set skills:python")
        asked = await talk("alice", "/privacy erase")
    async with open_core(sqlite_url, chat=chat, clock=clock) as after:  # nobody greeted yet
        talk = Talk(after)
        done = await talk.press("alice", "Erase my data", on=asked)
        assert done.text == "Done: your data is erased." and done.followup is None
        looked = await talk("alice", "/privacy export")
        assert looked.text == NOTHING and looked.followup is None
        async with after.store.unit_of_work(talk.community) as uow:
            assert await uow.members.by_user("alice") is None
        assert (await talk("alice", "/help")).followup is not None  # talking again: a newcomer
