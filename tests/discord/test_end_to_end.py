"""copbot's real discord.py client against the loopback Discord: every command, buttons
(also after a restart), modals, autocomplete, the context menu, prompt threads, private
threads, reconnects with resume and rate limits. The `fake` fixture fails any test whose
requests break Discord's OpenAPI spec."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from adapters.discord import CopbotClient
from bot.app import build_catalog
from bot.community.digest import DigestRunner
from bot.kernel.catalog import Access, Command, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.core import FAILED
from bot.kernel.messages import CommunityKey, Form, FormField, Reply
from bot.kernel.ports import ChannelUnavailable, PinLimitReached
from bot.prompts.model import PromptStatus
from bot.prompts.runner import PromptRunner
from tests.discord.conftest import World, running
from tests.discord.fake_discord import BOT_ID, PINS, SEND_MESSAGES, FakeDiscord, FakeUser
from tests.fakes import ManualClock

EPHEMERAL = 64
MESSAGE, DEFERRED, AUTOCOMPLETE, MODAL = 4, 5, 8, 9


async def final(fake: FakeDiscord, sent: int) -> dict[str, Any]:
    """What the member finally sees: the callback's message, or the edit or follow-up that
    finished a deferred response (with `deferred` set); a follow-up after that is the
    private welcome of a member's first command."""

    def finished() -> bool:
        responses = fake.responses[sent]
        if not responses:
            return False
        if responses[0]["type"] != DEFERRED:
            return True
        return any(r["kind"] in ("edit", "followup") for r in responses)

    await fake.wait_for(finished)
    responses = fake.responses[sent]
    first = responses[0]
    if first["type"] != DEFERRED:
        return {**first["data"], "type": first["type"], "deferred": False}
    last = next(r for r in responses if r["kind"] in ("edit", "followup"))
    flags = first["data"].get("flags", 0) if last["kind"] == "edit" else 0
    return {**last["data"], "type": MESSAGE, "flags": flags, "deferred": True}


def text(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def buttons(message: dict[str, Any]) -> list[str]:
    return [b["label"] for row in message.get("components") or [] for b in row["components"]]


async def run(
    fake: FakeDiscord,
    world: World,
    user: FakeUser,
    path: str,
    where: str = "general",
    /,
    **options: Any,
) -> dict[str, Any]:
    """`/path options` as `user` in the channel `where`; options may be called anything."""
    sent = await fake.slash(world.home, user, world.channel(where), path, **options)
    return await final(fake, sent)


def sample(option: Option, world: World) -> Any:
    """A plausible value of each option type, so every command can be run generically."""
    if option.choices:
        return option.choices[0]
    return {
        OptionType.TEXT: "hello",
        OptionType.INTEGER: option.min_value if option.min_value is not None else 1,
        OptionType.BOOLEAN: True,
        OptionType.MEMBER: world.alice.id,
        OptionType.CHANNEL: world.channel("general"),
        OptionType.TAGS: "python",
        OptionType.LANGUAGES: "english",
        OptionType.TIMEZONE: "Europe/Berlin",
    }[option.type]


async def test_every_catalog_command_is_registered_and_answered(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    """Derived from the catalog, so command groups added later (mentoring) are covered too."""
    commands = list(build_catalog())
    groups = {c.path.split(" ")[0] for c in commands}
    assert groups <= {c["name"] for c in fake.commands}
    for command in commands:
        options = {o.name: sample(o, world) for o in command.options if o.required}
        reply = await run(fake, world, world.mod, command.path, **options)
        assert FAILED not in text(reply), command.path
        assert reply["type"] in (MESSAGE, MODAL), command.path
        if command.access is Access.MODERATOR:
            refused = await run(fake, world, world.alice, command.path, **options)
            assert "moderators only" in text(refused), command.path


async def test_moderators_have_manage_server_or_the_configured_role(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    assert "moderators only" in text(await run(fake, world, world.alice, "prompt list"))
    assert "moderators only" not in text(await run(fake, world, world.mod, "prompt list"))
    assert "moderators only" not in text(await run(fake, world, world.carol, "prompt list"))


async def test_a_button_works_and_keeps_working_after_a_restart(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    async with running(sqlite_url, clock):
        await run(fake, world, world.alice, "library add", url="https://example.org/a", title="A")
        sent = await fake.slash(
            world.home, world.alice, world.channel("general"), "library show", id=1
        )
        assert buttons(await final(fake, sent)) == ["Upvote"]
        message = fake.response_message(sent)
    async with running(sqlite_url, clock):
        sent = await fake.press(world.home, world.bob, message, "Upvote")
        assert "Upvoted" in text(await final(fake, sent))


async def test_a_button_from_another_guild_finds_nothing_there(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    await run(fake, world, world.alice, "library add", url="https://example.org/a", title="A")
    shown = await fake.slash(
        world.home, world.alice, world.channel("general"), "library show", id=1
    )
    await final(fake, shown)
    message = fake.response_message(shown)
    elsewhere = {**message, "channel_id": str(world.channel("general", world.other))}
    sent = await fake.press(world.other, world.stranger, elsewhere, "Upvote")
    reply = await final(fake, sent)
    assert reply["flags"] & EPHEMERAL
    assert "no resource #1" in text(reply)


async def test_a_guild_copbot_never_joined_is_refused_and_moderates_nothing(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    """Its interactions reach copbot (its commands installed there without the bot, say) but
    no GUILD_CREATE ever came: its Manage Server member is no moderator of anything."""
    await run(fake, world, world.alice, "library add", url="https://example.org/a", title="A")
    shown = await fake.slash(
        world.home, world.alice, world.channel("general"), "library show", id=1
    )
    await final(fake, shown)
    elsewhere = fake.add_guild("Elsewhere", "general")  # after copbot connected: never sent
    manager = fake.add_user(elsewhere, "Manager", moderator=True)
    where = world.channel("general", elsewhere)
    for sent in (
        await fake.slash(elsewhere, manager, where, "prompt add", text="Mine now"),
        await fake.slash(elsewhere, manager, where, "profile set", bio="hello"),
        await fake.press(
            elsewhere, manager, {**fake.response_message(shown), "channel_id": str(where)}, "Upvote"
        ),
    ):
        reply = await final(fake, sent)
        assert reply["flags"] & EPHEMERAL
        assert "isn't in this server" in text(reply)
    offered = await fake.autocomplete(elsewhere, manager, where, "library show", "id", id="")
    [response] = await fake.answer(offered)
    assert response["data"]["choices"] == []
    async with bot.core.store.unit_of_work(CommunityKey("discord", str(elsewhere.id))) as uow:
        assert await uow.members.by_user(str(manager.id)) is None
        assert await uow.prompts.listed(PromptStatus.QUEUED) == []


async def test_a_form_opens_as_a_modal_and_its_submit_saves(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "profile edit")
    [opened] = await fake.answer(sent)
    assert opened["type"] == MODAL
    modal = opened["data"]
    submitted = await fake.submit(
        world.home, world.alice, world.channel("general"), modal, skills="python, rust"
    )
    assert "Your profile is saved" in text(await final(fake, submitted))
    shown = await run(fake, world, world.alice, "profile show")
    assert "python" in text(shown) and "rust" in text(shown)


async def test_autocomplete_offers_timezones(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    sent = await fake.autocomplete(
        world.home,
        world.alice,
        world.channel("general"),
        "profile set",
        "timezone",
        timezone="Europe/Ber",
    )
    [response] = await fake.answer(sent)
    assert response["type"] == AUTOCOMPLETE
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in [
        {"name": c["name"], "value": c["value"]} for c in response["data"]["choices"]
    ]


async def test_autocomplete_of_a_resource_id_offers_whole_numbers(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    await run(fake, world, world.alice, "library add", url="https://example.org/a", title="Alpha")
    sent = await fake.autocomplete(
        world.home, world.alice, world.channel("general"), "library show", "id", id=""
    )
    [response] = await fake.answer(sent)
    [choice] = response["data"]["choices"]
    assert choice["value"] == 1 and "Alpha" in choice["name"]


async def test_the_context_menu_saves_a_message_to_the_library(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    said = fake.member_message(
        world.home, world.bob, world.channel("general"), "Great read: https://example.org/x"
    )
    sent = await fake.context_menu(world.home, world.alice, "Save to library", said)
    assert "Saved" in text(await final(fake, sent))
    listed = await run(fake, world, world.alice, "library list")
    assert "Great read" in text(listed)


async def test_a_prompt_posts_with_its_thread_and_answers_count(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    prompts = world.channel("prompts")
    await run(fake, world, world.mod, "prompt add", text="What did you learn this week?")
    await run(
        fake,
        world,
        world.mod,
        "prompt schedule",
        channel=prompts,
        day="monday",
        time="10:00",
        timezone="Europe/Berlin",
    )
    posting = await run(fake, world, world.mod, "prompt post-now", schedule=1)
    assert "Posting" in text(posting)
    [posted] = await fake.wait_for(lambda: fake.posted_in(prompts))  # after the answer
    assert "What did you learn" in text(posted)
    # A thread's id is its starter message's.
    thread = await fake.wait_for(lambda: world.home.channels.get(int(posted["id"])))
    assert thread["type"] == 11 and thread["parent_id"] == str(prompts)
    await fake.post_in_thread(world.home, world.alice, int(thread["id"]))
    await fake.post_in_thread(world.home, world.bob, int(thread["id"]))

    for _ in range(50):  # each MESSAGE_CREATE is handled in a task of its own: ask until done
        stats = text(await run(fake, world, world.alice, "prompt stats"))
        if "2 answers" in stats:
            break
    assert "1 posted, 2 answers, 2 members" in stats


async def test_a_mentor_match_gets_a_private_thread(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    mentoring = world.channel("mentoring")
    space = await bot.chat.open_private_space(
        community, mentoring, [str(world.alice.id), str(world.bob.id)], "Mentoring: Alice & Bob"
    )
    thread = world.home.channels[int(space.thread_id or 0)]
    assert thread["type"] == 12 and thread["parent_id"] == str(mentoring)
    assert fake.thread_members[int(thread["id"])] == {BOT_ID, world.alice.id, world.bob.id}
    welcome = await bot.chat.post(
        community, space.channel_id, Reply("Welcome!"), thread_id=space.thread_id
    )
    [posted] = fake.posted_in(int(thread["id"]))
    assert posted["content"] == "Welcome!"
    # Jump URLs, thread aware: a thread is a channel of its own.
    assert space.url == f"https://discord.com/channels/{world.home.id}/{thread['id']}"
    assert welcome.url == f"{space.url}/{posted['id']}"
    assert fake.dm_channels == {}  # no DM was opened


async def test_a_reconnect_resumes_and_loses_nothing(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    await fake.drop_connections()
    await fake.wait_for(lambda: not fake.connections)
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "help")  # queued
    reply = await final(fake, sent)
    assert "Here's what you can do" in text(reply)
    assert (fake.identified, fake.resumed) == (1, 1)
    assert len(fake.responses[sent]) == 1


async def test_a_reconnect_request_resumes_the_session(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    await fake.ask_to_reconnect()
    await fake.wait_for(lambda: fake.resumed == 1)
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "help")
    assert "Here's what you can do" in text(await final(fake, sent))
    assert fake.identified == 1


async def test_a_refused_resume_identifies_again(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    fake.forget_sessions()
    await fake.drop_connections()
    await fake.wait_for(lambda: fake.identified == 2 and fake.connections)
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "help")
    assert "Here's what you can do" in text(await final(fake, sent))
    assert fake.resumed == 0


async def test_a_429_is_waited_out_and_nothing_is_lost_or_doubled(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    general = world.channel("general")
    fake.limit_next("POST", rf"/channels/{general}/messages", retry_after=0.05)
    await bot.chat.post(community, str(general), Reply("once"), key="k-1")
    assert [m["content"] for m in fake.posted_in(general)] == ["once"]
    fake.limit_next("POST", r"/interactions/\d+/[^/]+/callback", retry_after=0.05)
    sent = await fake.slash(world.home, world.alice, general, "help")
    await final(fake, sent)
    assert len(fake.responses[sent]) == 1
    statuses = [r.path for r in fake.requests if r.path.endswith("/callback")]
    assert len(statuses) == 2  # the refused one and the retry


async def test_a_post_with_the_same_key_is_not_doubled(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    general = str(world.channel("general"))
    first = await bot.chat.post(community, general, Reply("prompt"), key="prompt-occurrence-17")
    again = await bot.chat.post(community, general, Reply("prompt"), key="prompt-occurrence-17")
    assert first == again
    assert len(fake.posted_in(int(general))) == 1


async def test_a_mentioned_role_is_notified_and_only_that_role(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    general = str(world.channel("general"))
    await bot.chat.post(community, general, Reply("Hello @everyone", mention="4242"))
    [posted] = fake.posted_in(int(general))
    assert posted["content"] == "<@&4242> Hello @everyone"
    [sent] = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert sent.body["allowed_mentions"]["roles"] == [4242]
    assert "everyone" not in sent.body["allowed_mentions"]["parse"]
    assert fake.violations == []


async def test_text_that_says_everyone_or_names_a_role_pings_nobody(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    """A prompt or a note a member wrote may hold `@everyone` or `<@&id>`: copbot's own
    posts never ping a crowd unless the reply names its one role (`Reply.mention`)."""
    community = CommunityKey("discord", str(world.home.id))
    general = str(world.channel("general"))
    await bot.chat.post(community, general, Reply("Hello @everyone and @here <@&4242>"))
    await run(fake, world, world.mod, "prompt add", text="Hi @everyone, what's new?")
    [posted] = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    [answered] = [r for r in fake.requests if r.path.endswith("/callback")]
    for body in (posted.body, answered.body.get("data", {})):
        allowed = body["allowed_mentions"]
        assert "everyone" not in allowed["parse"] and "roles" not in allowed["parse"]
        assert allowed.get("roles", []) == []


async def test_pins_beyond_discords_limit_are_refused_as_such(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    general = world.channel("general")
    ref = await bot.chat.post(community, str(general), Reply("pin me"))
    fake.pins[general] = list(range(PINS))
    with pytest.raises(PinLimitReached):
        await bot.chat.pin(community, ref)


async def test_a_missing_permission_is_named(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    mods = world.channel("mods")
    updated = asyncio.ensure_future(bot.wait_for("guild_channel_update"))
    await fake.deny_bot(world.home, mods, SEND_MESSAGES)
    await updated
    with pytest.raises(ChannelUnavailable, match="Send Messages"):
        await bot.chat.post(community, str(mods), Reply("hello"))


async def test_a_guild_that_removed_copbot_is_skipped_and_its_prompt_kept(
    fake: FakeDiscord, world: World, bot: CopbotClient, clock: ManualClock
) -> None:
    prompts = world.channel("prompts")
    await run(fake, world, world.mod, "prompt add", text="Anything new?")
    await run(
        fake,
        world,
        world.mod,
        "prompt schedule",
        channel=prompts,
        day="monday",
        time="10:00",
        timezone="UTC",
    )
    await fake.remove_guild(world.home)
    community = CommunityKey("discord", str(world.home.id))
    with pytest.raises(ChannelUnavailable):
        await bot.chat.post(community, str(prompts), Reply("x"))
    clock.advance(timedelta(hours=1, minutes=5))  # the schedule falls due
    assert await PromptRunner(store=bot.core.store, clock=clock).run_due() == 1
    assert bot.core.outbox is not None
    await bot.core.outbox.drain()  # the posting is refused
    assert fake.posted_in(prompts) == []
    async with bot.core.store.unit_of_work(community) as uow:
        schedule = await uow.prompts.schedule(1)
        assert schedule is not None and schedule.paused  # not retried against a refusal
        [kept] = await uow.prompts.listed(PromptStatus.QUEUED)  # goes out first once back
        assert kept.text == "Anything new?"


async def test_a_stale_interaction_is_skipped_and_copbot_carries_on(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "help")
    fake.forget(sent)
    later = await fake.slash(world.home, world.alice, world.channel("general"), "help")
    assert "Here's what you can do" in text(await final(fake, later))
    assert fake.responses[sent] == []


async def test_an_option_over_its_limit_is_a_friendly_error(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    reply = await run(
        fake, world, world.alice, "library add", url="https://example.org/" + "a" * 3000, title="T"
    )
    assert reply["flags"] & EPHEMERAL
    assert "characters" in text(reply)
    assert "has nothing" in text(await run(fake, world, world.alice, "library list"))


async def test_a_slow_command_is_deferred_then_finished(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    catalog = build_catalog()
    release = asyncio.Event()

    async def slow(context: Context) -> Reply:
        await release.wait()
        return Reply("finally", ephemeral=context.options.get("private", True))

    catalog.add(
        Command(
            "slow thing",
            "Takes its time",
            slow,
            (Option("private", "Only for you?", OptionType.BOOLEAN),),
        )
    )
    async with running(sqlite_url, clock, catalog=catalog):
        general = world.channel("general")
        sent = await fake.slash(world.home, world.alice, general, "slow thing")
        [deferred] = await fake.answer(sent)
        assert deferred["type"] == DEFERRED and deferred["data"]["flags"] & EPHEMERAL
        release.set()
        reply = await final(fake, sent)
        assert reply["deferred"] and reply["content"] == "finally"
        assert reply["flags"] & EPHEMERAL  # the deferred response became the answer
        public = await fake.slash(world.home, world.alice, general, "slow thing", private=False)
        # Already released: answered at once, not deferred.
        assert [r["type"] for r in await fake.answer(public)] == [MESSAGE]
        release.clear()
        later = await fake.slash(world.home, world.alice, general, "slow thing", private=False)
        await fake.answer(later)
        release.set()
        await fake.answer(later, count=3)
        kinds = [r["kind"] for r in fake.responses[later]]
        assert kinds == ["callback", "delete", "followup"]  # the public answer is a new message
        assert not fake.responses[later][2]["data"].get("flags", 0) & EPHEMERAL


async def test_commands_sync_only_when_the_catalog_changed(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    def syncs() -> int:
        return sum(1 for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands"))

    async with running(sqlite_url, clock):
        pass
    async with running(sqlite_url, clock):
        pass
    assert syncs() == 1
    catalog = build_catalog()

    @catalog.command(
        "kudos give", "Thank someone", Option("member", "Who", OptionType.MEMBER, required=True)
    )
    async def give(context: Context) -> Reply:
        return Reply(f"Thanks, <@{context.options['member']}>!")

    @catalog.command("cleanup run", "Tidy up", access=Access.MODERATOR)
    async def cleanup(context: Context) -> Reply:
        return Reply("tidy", ephemeral=True)

    async with running(sqlite_url, clock, catalog=catalog):
        assert syncs() == 2
        reply = await run(fake, world, world.alice, "kudos give", member=world.bob.id)
        assert reply["content"] == f"Thanks, <@{world.bob.id}>!"
        assert not reply.get("flags", 0) & EPHEMERAL


async def test_the_pin_emoji_saves_the_message_it_is_on(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    await run(fake, world, world.mod, "library pin-emoji", enabled=True)
    said = fake.member_message(world.home, world.bob, world.channel("general"), "a good link")
    await fake.reaction(world.home, world.alice, said, "📌")
    await fake.wait_for(lambda: len(fake.posted_in(world.channel("general"))) == 2)
    listed = text(await run(fake, world, world.alice, "library list"))
    assert "Message from Bob" in listed  # copbot reads no message content
    await fake.reaction(world.home, world.alice, said, "👍")  # not the pin emoji: no answer
    listed_again = text(await run(fake, world, world.alice, "library list"))
    assert listed_again == listed
    assert len(fake.posted_in(world.channel("general"))) == 2


@pytest.mark.postgres
async def test_two_processes_split_the_shards_on_one_database(
    fake: FakeDiscord, world: World, postgres_url: str, clock: ManualClock
) -> None:
    """Several processes belong on PostgreSQL (one SQLite file refuses a second process)."""
    shard_of = {g.id: (g.id >> 22) % 2 for g in (world.home, world.other)}
    assert set(shard_of.values()) == {0, 1}
    async with (
        running(postgres_url, clock, shard_count=2, shard_ids=(0,)) as first,
        running(postgres_url, clock, shard_count=2, shard_ids=(1,)) as second,
    ):
        assert {g.id for g in first.guilds} == {g for g, s in shard_of.items() if s == 0}
        assert {g.id for g in second.guilds} == {g for g, s in shard_of.items() if s == 1}
        for guild, user in ((world.home, world.alice), (world.other, world.stranger)):
            sent = await fake.slash(guild, user, world.channel("general", guild), "help")
            assert "Here's what you can do" in text(await final(fake, sent))
        # Either process may post for any guild, so it can tell whose channel is whose.
        cached, uncached = sorted((world.home, world.other), key=lambda g: shard_of[g.id])
        community = CommunityKey("discord", str(uncached.id))
        assert await first.chat.channel_exists(community, str(world.channel("general", uncached)))
        assert not await first.chat.channel_exists(community, str(world.channel("general", cached)))
    assert fake.identified == 2


async def test_a_form_from_a_slow_command_opens_from_a_button(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    """Discord allows a modal only as the first answer, which a deferred command has spent."""
    catalog = build_catalog()
    release = asyncio.Event()

    async def slow_form(context: Context) -> Reply:
        await release.wait()
        note = FormField("note", "A note", required=True)
        return Reply(form=Form("A note", "note.save", "Save", (note,)), ephemeral=True)

    async def save_note(context: Context) -> Reply:
        return Reply(f"Noted: {context.options['note']}", ephemeral=True)

    catalog.add(Command("note write", "Write a note", slow_form))
    catalog.action("note.save")(save_note)
    async with running(sqlite_url, clock, catalog=catalog):
        general = world.channel("general")
        sent = await fake.slash(world.home, world.alice, general, "note write")
        await fake.answer(sent)
        release.set()
        ready = await final(fake, sent)
        assert buttons(ready) == ["Open the form"]
        pressed = await fake.press(
            world.home, world.alice, fake.response_message(sent), "Open the form"
        )
        [opened] = await fake.answer(pressed)
        assert opened["type"] == MODAL
        submitted = await fake.submit(world.home, world.alice, general, opened["data"], note="hi")
        assert text(await final(fake, submitted)) == "Noted: hi"
        again = await fake.press(
            world.home, world.alice, fake.response_message(sent), "Open the form"
        )
        assert [r["type"] for r in await fake.answer(again)] == [MODAL]  # closed, pressed again
    async with running(sqlite_url, clock, catalog=catalog):
        restarted = await fake.press(
            world.home, world.alice, fake.response_message(sent), "Open the form"
        )
        assert "expired" in text(await final(fake, restarted))


async def test_a_command_that_cannot_post_names_the_missing_permission(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    mods = world.channel("mods")
    updated = asyncio.ensure_future(bot.wait_for("guild_channel_update"))
    await fake.deny_bot(world.home, mods, SEND_MESSAGES)
    await updated
    await run(fake, world, world.alice, "library add", url="https://example.org/a")
    shown = await fake.slash(world.home, world.bob, world.channel("general"), "library show", id=1)
    await final(fake, shown)
    voted = await fake.press(world.home, world.bob, fake.response_message(shown), "Upvote")
    assert "Upvoted" in text(await final(fake, voted))
    reply = await run(fake, world, world.mod, "library pin-top", channel=mods)
    assert reply["flags"] & EPHEMERAL and text(reply) == f"Pinning #1 in <#{mods}>."

    def told() -> list[dict[str, Any]]:  # no moderators' channel: the moderator directly
        return [
            m for c, u in fake.dm_channels.items() if u == world.mod.id for m in fake.posted_in(c)
        ]

    [notice] = await fake.wait_for(told)
    assert f"copbot lacks Send Messages in <#{mods}>" in text(notice)
    assert fake.posted_in(mods) == []


async def test_a_command_copbot_no_longer_has_gets_a_friendly_answer(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    sent = await fake.unknown_command(world.home, world.alice, world.channel("general"), "gone")
    reply = await final(fake, sent)
    assert reply["flags"] & EPHEMERAL and "don't know that command any more" in text(reply)


async def test_a_channel_that_is_no_discord_id_is_refused_not_a_crash(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    assert not await bot.chat.channel_exists(community, "general")
    with pytest.raises(ChannelUnavailable, match="not a Discord channel"):
        await bot.chat.post(community, "general", Reply("x"))


async def test_the_gateway_is_zlib_compressed_and_heartbeats_are_acknowledged(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    [connection] = fake.connections
    assert connection.compress is not None  # discord.py asked for zlib-stream
    await fake.wait_for(lambda: connection.heartbeats)
    assert bot.latency < 1.0  # measured from our HEARTBEAT_ACK


async def test_a_guild_that_removes_copbot_waits_to_be_erased_until_it_adds_it_back(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    await run(fake, world, world.alice, "profile set", bio="hello")
    await fake.remove_guild(world.home)
    await until_departure(fake, world, bot, community, pending=True)
    await fake.add_back(world.home)
    await until_departure(fake, world, bot, community, pending=False)
    status = text(await run(fake, world, world.mod, "privacy status"))
    assert "added back on" in status and "cancelled the erase" in status
    assert "hello" in text(await run(fake, world, world.bob, "profile show", member=world.alice.id))


async def test_a_guild_that_adds_copbot_back_while_it_is_down_is_kept(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    community = CommunityKey("discord", str(world.home.id))
    async with running(sqlite_url, clock) as first:
        await run(fake, world, world.alice, "profile set", bio="hello")
        await fake.remove_guild(world.home)
        await until_departure(fake, world, first, community, pending=True)
    fake.guilds[world.home.id] = world.home  # invited again meanwhile: in READY next time
    async with running(sqlite_url, clock) as second:
        await until_departure(fake, world, second, community, pending=False)


async def test_a_guild_that_removes_copbot_while_it_is_down_waits_to_be_erased(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    """No GUILD_DELETE reaches a copbot that is down: READY's list of guilds tells. A
    process serving some shards judges only their guilds."""
    home, other = (CommunityKey("discord", str(g.id)) for g in (world.home, world.other))
    async with running(sqlite_url, clock) as first:
        await run(fake, world, world.alice, "profile set", bio="hello")
        where = world.channel("general", world.other)
        sent = await fake.slash(world.other, world.stranger, where, "profile set", bio="hi")
        await final(fake, sent)
        assert {home.id, other.id} <= set(await first.core.store.communities_here("discord"))
    del fake.guilds[world.home.id]  # kicked while copbot was down
    del fake.guilds[world.other.id]
    elsewhere = (world.home.id >> 22) % 2  # a process for the other shard can't see home
    async with running(sqlite_url, clock, shard_count=2, shard_ids=(1 - elsewhere,)) as second:
        await fake.wait_for(lambda: second.is_ready())
        await asyncio.sleep(0.1)
        assert not (await second.core.store.departure(home)).pending
    async with running(sqlite_url, clock) as third:
        await fake.wait_for(lambda: third.is_ready())
        for _ in range(50):
            if (await third.core.store.departure(home)).pending:
                break
            await asyncio.sleep(0.02)
        assert (await third.core.store.departure(home)).pending
        assert (await third.core.store.departure(other)).pending
    fake.guilds[world.home.id] = world.home  # invited again: in READY, the erase is off
    async with running(sqlite_url, clock) as fourth:
        await until_departure(fake, world, fourth, home, pending=False)


async def until_departure(
    fake: FakeDiscord, world: World, bot: CopbotClient, community: CommunityKey, *, pending: bool
) -> None:
    """Each gateway event is handled in a task of its own: commands in the other guild go
    round while it runs, until its effect shows."""
    for _ in range(50):
        if (await bot.core.store.departure(community)).pending is pending:
            return
        where = world.channel("general", world.other)
        await final(fake, await fake.slash(world.other, world.stranger, where, "help"))
    raise AssertionError(f"the departure never became pending={pending}")


async def test_the_context_menu_thanks_the_author_in_public(
    fake: FakeDiscord, world: World, bot: CopbotClient
) -> None:
    general = world.channel("general")
    said = fake.member_message(world.home, world.bob, general, "Try a generator there")
    sent = await fake.context_menu(world.home, world.alice, "Thank the author", said)
    answer = await final(fake, sent)
    assert answer["flags"] & EPHEMERAL and "Thanks to Bob is on its way" in text(answer)
    [note] = await fake.wait_for(
        lambda: [m for m in fake.posted_in(general) if "🙏" in (m.get("content") or "")]
    )
    assert note["content"].startswith(f"🙏 Alice thanks <@{world.bob.id}>")
    assert said["id"] in note["content"]  # the link to the message thanked for
    again = await fake.context_menu(world.home, world.alice, "Thank the author", said)
    refused = await final(fake, again)
    assert refused["flags"] & EPHEMERAL and "once a day" in text(refused)
    await run(fake, world, world.bob, "profile set", skills="python")
    shown = await run(fake, world, world.bob, "profile show")
    assert "Thanked: once" in text(shown)


async def test_the_weekly_digest_is_posted_as_embeds_within_discords_limits(
    fake: FakeDiscord, world: World, bot: CopbotClient, clock: ManualClock
) -> None:
    prompts = world.channel("prompts")
    await run(fake, world, world.alice, "library add", url="https://example.org/a", tags="python")
    await run(fake, world, world.alice, "thanks", member=world.bob.id, reason="x" * 200)
    await run(
        fake,
        world,
        world.mod,
        "community digest",
        channel=prompts,
        day="monday",
        time="10:00",
        timezone="UTC",
    )
    clock.advance(timedelta(hours=1, minutes=5))  # the digest falls due
    runner = DigestRunner(store=bot.core.store, clock=clock)
    assert await runner.run_due() + await runner.run_due() == 1
    assert bot.core.outbox is not None
    await bot.core.outbox.drain()
    [digest] = fake.posted_in(prompts)
    assert digest["content"].startswith("📰 The week in the community")
    embeds = digest["embeds"]
    assert [e["title"] for e in embeds] == ["Library", "Activity", "Can you help?"]
    assert sum(len(e.get("description") or "") for e in embeds) < 6000
    activity = {f["name"]: f["value"] for f in embeds[1]["fields"]}
    assert activity["Thanks given"] == "1"


async def test_the_digest_links_the_last_prompts_thread(
    fake: FakeDiscord, world: World, bot: CopbotClient, clock: ManualClock
) -> None:
    prompts = world.channel("prompts")
    await run(fake, world, world.mod, "prompt add", text="What did you learn this week?")
    await run(
        fake,
        world,
        world.mod,
        "prompt schedule",
        channel=prompts,
        day="friday",
        time="10:00",
        timezone="UTC",
    )
    await run(fake, world, world.mod, "prompt post-now", schedule=1)
    [posted] = await fake.wait_for(lambda: fake.posted_in(prompts))
    thread = await fake.wait_for(lambda: world.home.channels.get(int(posted["id"])))
    await run(
        fake,
        world,
        world.mod,
        "community digest",
        channel=prompts,
        day="monday",
        time="10:00",
        timezone="UTC",
    )
    clock.advance(timedelta(hours=1, minutes=5))
    assert await DigestRunner(store=bot.core.store, clock=clock).run_due() == 1
    assert bot.core.outbox is not None
    await bot.core.outbox.drain()
    digest = fake.posted_in(prompts)[-1]
    [last] = [e for e in digest["embeds"] if e["title"] == "Last prompt"]
    # The thread's own jump URL (a thread is a channel), as discord.py's Thread.jump_url.
    link = f"https://discord.com/channels/{world.home.id}/{thread['id']}"
    assert f"Answers in its thread: {link}" in last["description"]
