"""copbot's Slack adapter end to end in HTTP mode: signed requests from a loopback Slack into
the real bolt app, the real slack_sdk client calling the loopback Web API back. Every call
is checked against the Web API spec (the `fake` fixture fails a test on any violation)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from adapters.slack.inbound import shortcut_id
from adapters.slack.run import Running
from bot.community.digest import DigestRunner
from bot.kernel.messages import CommunityKey, Reply
from tests.fakes import START, ManualClock
from tests.slack.conftest import ALICE, BOB, CAROL, MOD
from tests.slack.fake_slack import TEAM, FakeSlack
from tests.slack.workspace import Http, Workspace, text_of

GENERAL = "C0GENERAL"


async def run(workspace: Workspace, user: str, line: str) -> dict[str, Any]:
    sent = await workspace.command(user, line)
    assert sent.status == 200 and sent.body == ""
    return await sent.reply()


async def test_every_command_answers_or_asks_for_its_options(
    workspace: Workspace, slack: Running, fake: FakeSlack
) -> None:
    """Every command of every group in the catalog, with nothing typed after it: a reply,
    or a modal asking for exactly its required options."""
    catalog = slack.core.catalog
    groups = {c.path.split(" ")[0] for c in catalog}
    assert {"profile", "library", "prompt", "privacy", "help"} <= groups
    for command in catalog:
        sent = await workspace.command(MOD, command.path)
        assert sent.status == 200
        required = [o.name for o in command.options if o.required]
        if required:
            modal = await sent.modal()
            inputs = {b["block_id"]: b for b in modal["blocks"]}
            assert list(inputs) == [o.name for o in command.options], command.path
            assert [n for n, b in inputs.items() if not b["optional"]] == required
        else:
            assert await sent.answer_or_modal(), command.path


async def test_help_names_commands_as_slack_runs_them(workspace: Workspace) -> None:
    shown = text_of(await run(workspace, ALICE, ""))  # a bare /cop is /cop help
    assert "`/cop profile` What you teach" in shown
    assert "Try `/cop profile set py Europe/Berlin`" in shown
    assert "add, " not in shown.split("`/cop prompt`")[1].splitlines()[0]  # for moderators
    profile = text_of(await run(workspace, ALICE, "help profile"))
    assert "`/cop profile set` Set what you teach" in profile


async def test_a_cop_line_reads_as_a_console_line_does(workspace: Workspace) -> None:
    """Free text without quotes, curly quotes as Slack's clients type them, and values that
    find their option by type: `/cop` reads a line with the same grammar as the console."""
    suggested = await run(workspace, ALICE, "prompt suggest What is your stack")
    assert "suggest" in text_of(suggested).casefold(), text_of(suggested)
    assert "What is your stack" in text_of(await run(workspace, MOD, "prompt suggestions"))
    await run(workspace, ALICE, "profile set bio:“Data engineer” py Asia/Tokyo")
    shown = text_of(await run(workspace, ALICE, "profile show"))
    assert "Data engineer" in shown and "Asia/Tokyo" in shown and "python" in shown
    await run(workspace, BOB, "mentor offer topics:python, sql capacity:2")
    await run(workspace, CAROL, "mentor offer topics:python capacity:2")
    # Carol shares Alice's hours (Tokyo), but a mention is the mentor she asks for.
    asked = text_of(await run(workspace, ALICE, "mentor request python Help me <@U0BOB|bob>"))
    assert "I asked Bob" in asked, asked


async def test_a_command_replies_ephemerally_and_prefills_the_timezone(
    workspace: Workspace,
) -> None:
    reply = await run(workspace, ALICE, "profile set skills:python,sql")
    assert reply["response_type"] == "ephemeral"
    shown = text_of(reply)
    assert "*Teaches*\npython, sql" in shown
    assert "Europe/Berlin" in shown  # from users.info `tz`
    assert "*Alice*" in shown  # the display name from users.info


async def test_bad_input_is_refused_kindly_and_changes_nothing(workspace: Workspace) -> None:
    await run(workspace, ALICE, "profile set bio:Hello")
    refused = await run(workspace, ALICE, "profile set timezone:Mars/Olympus bio:Changed")
    assert refused["response_type"] == "ephemeral"
    assert "timezone" in text_of(refused)
    assert "Hello" in text_of(await run(workspace, ALICE, "profile show"))


async def test_missing_options_open_a_modal_whose_submission_runs_the_command(
    workspace: Workspace,
) -> None:
    sent = await workspace.command(ALICE, 'library add title:"A good guide"')
    modal = await sent.modal()
    title = next(b for b in modal["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "A good guide"
    submitted = await workspace.submit(ALICE, modal, url="https://example.org/guide", tags="python")
    assert submitted.status == 200
    saved = await sent.reply()  # the answer goes to the slash command's response_url
    assert saved["response_type"] == "in_channel"
    assert "Alice saved #1 to the library." in text_of(saved)
    assert "*<https://example.org/guide|#1 A good guide>*" in text_of(saved)


async def test_a_button_routes_back_to_the_core(workspace: Workspace) -> None:
    await run(workspace, ALICE, 'library add https://example.org/a "Article A"')
    shown = await run(workspace, BOB, "library show 1")
    pressed = await workspace.press(BOB, "Upvote", shown["blocks"])
    assert pressed.status == 200
    reply = await pressed.reply()
    assert "Upvoted #1" in text_of(reply)
    assert reply["replace_original"] is True  # an ephemeral answer replaces the question
    again = await workspace.press(BOB, "Upvote", shown["blocks"])
    assert "Took back your vote for #1" in text_of(await again.reply())


async def test_long_lists_page_in_place(workspace: Workspace) -> None:
    for n in range(1, 8):
        await run(workspace, ALICE, f'library add https://example.org/{n} "Item {n}"')
    first = await run(workspace, ALICE, "library list sort:new")
    assert "#7 Item 7" in text_of(first) and "#2 Item 2" not in text_of(first)
    pressed = await workspace.press(ALICE, "Next", first["blocks"])
    second = await pressed.reply()
    assert second["replace_original"] is True
    assert "#2 Item 2" in text_of(second) and "#7 Item 7" not in text_of(second)


async def test_a_core_form_opens_as_a_modal_and_saves(workspace: Workspace) -> None:
    sent = await workspace.command(ALICE, "profile edit")
    modal = await sent.modal()
    assert modal["callback_id"] == "cop.form" and modal["submit"]["text"] == "Save profile"
    await workspace.submit(ALICE, modal, bio="Likes gardens", skills="go")
    assert "Your profile is saved." in text_of(await sent.reply())
    shown = text_of(await run(workspace, ALICE, "profile show"))
    assert "Likes gardens" in shown and "*Teaches*\ngo" in shown


async def test_a_refused_form_stays_open_with_the_reason_under_its_field(
    workspace: Workspace, fake: FakeSlack
) -> None:
    sent = await workspace.command(ALICE, "profile edit")
    modal = await sent.modal()
    refused = await workspace.submit(ALICE, modal, timezone="Mars/Olympus", bio="Changed")
    answer = json.loads(refused.body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["timezone"]
    assert "Mars/Olympus" in answer["errors"]["timezone"]
    assert fake.responses == {}  # no answer beside the form's own
    assert "Changed" not in text_of(await run(workspace, ALICE, "profile show"))


async def test_moderators_are_admins_or_configured_groups(workspace: Workspace) -> None:
    refused = await run(workspace, ALICE, 'prompt add "What did you learn?"')
    assert "for moderators only" in text_of(refused)
    no_form = await run(workspace, ALICE, "prompt add")  # no modal for what they can't run
    assert "for moderators only" in text_of(no_form)
    assert "Queued #1" in text_of(await run(workspace, MOD, 'prompt add "What did you learn?"'))
    assert "Queued #2" in text_of(await run(workspace, CAROL, 'prompt add "What surprised you?"'))


async def test_channel_and_member_mentions_arrive_as_ids(workspace: Workspace) -> None:
    await run(workspace, BOB, "profile set skills:rust")
    shown = await run(workspace, ALICE, "profile show <@U0BOB|bob>")
    assert "*Bob*" in text_of(shown)


async def test_a_schedule_needs_copbot_in_its_channel(
    workspace: Workspace, fake: FakeSlack
) -> None:
    fake.outside.add("C0RANDOM")
    refused = await run(workspace, MOD, "prompt schedule <#C0RANDOM|random> monday 10:00 UTC")
    assert "I can't see a channel <#C0RANDOM>" in text_of(refused)
    assert "No schedules yet" in text_of(await run(workspace, MOD, "prompt schedules"))


async def test_a_prompt_posts_with_its_thread_and_counts_answers_once(
    workspace: Workspace, fake: FakeSlack, clock: ManualClock, slack: Running
) -> None:
    await run(workspace, MOD, "prompt schedule <#C0GENERAL|general> monday 10:00 UTC")
    await run(workspace, MOD, 'prompt add "What did you learn this week?"')
    posting = await run(workspace, MOD, "prompt post-now schedule:1")
    assert "Posting in <#C0GENERAL>" in text_of(posting)
    prompt = (await fake.wait_for(lambda: fake.in_channel(GENERAL)))[0]
    assert "What did you learn this week?" in text_of(prompt.args)
    await delivered(slack)  # and recorded where its thread is
    answer = fake.say(GENERAL, ALICE, "Pattern matching!", thread_ts=prompt.ts)
    event = {
        "type": "message",
        "channel": GENERAL,
        "user": ALICE,
        "text": "Pattern matching!",
        "ts": answer,
        "thread_ts": prompt.ts,
        "channel_type": "channel",
    }
    status, _ = await workspace.event(event, event_id="Ev0ANSWER")
    assert status == 200
    await _stats_when(workspace, "1 answers")
    retried, _ = await workspace.event(event, event_id="Ev0ANSWER", retry=1)
    assert retried == 200
    other = fake.say(GENERAL, BOB, "Tests", thread_ts=prompt.ts)
    await workspace.event(event | {"user": BOB, "ts": other}, event_id="Ev0OTHER")
    stats = await _stats_when(workspace, "2 members")
    assert "2 answers, 2 members" in stats  # the retried event was not counted again


async def test_the_digest_links_the_last_prompts_thread(
    workspace: Workspace, fake: FakeSlack, clock: ManualClock, slack: Running
) -> None:
    await run(workspace, MOD, "prompt schedule <#C0GENERAL|general> friday 10:00 UTC")
    await run(workspace, MOD, 'prompt add "What did you learn this week?"')
    await run(workspace, MOD, "prompt post-now schedule:1")
    prompt = (await fake.wait_for(lambda: fake.in_channel(GENERAL)))[0]
    await delivered(slack)
    # The thread is the replies to the prompt: its link is the prompt's permalink.
    assert fake.called("chat.getPermalink")[-1] == {"channel": GENERAL, "message_ts": prompt.ts}
    await run(workspace, MOD, "community digest <#C0GENERAL|general> monday 10:00 UTC")
    clock.advance(timedelta(hours=1, minutes=5))
    assert await DigestRunner(store=slack.core.store, clock=clock).run_due() == 1
    await delivered(slack)
    digest = fake.in_channel(GENERAL)[-1]
    link = f"https://fake.slack.com/archives/{GENERAL}/p{prompt.ts.replace('.', '')}"
    assert f"Answers in its thread: {link}" in text_of(digest.args)


async def delivered(slack: Running) -> None:
    """Wait for what copbot sends on its own after a command, and what it records of it."""
    assert slack.core.outbox is not None
    await slack.core.outbox.drain()


async def _stats_when(workspace: Workspace, wanted: str) -> str:
    """Events are handled after their ack: ask until the count shows (or time runs out)."""
    deadline = time.monotonic() + 5
    while True:
        shown = text_of(await run(workspace, MOD, "prompt stats"))
        if wanted in shown or time.monotonic() > deadline:
            assert wanted in shown
            return shown


async def test_app_home_shows_profile_prompt_and_resources_and_refreshes(
    workspace: Workspace, fake: FakeSlack, clock: ManualClock, slack: Running
) -> None:
    await run(workspace, ALICE, "profile set skills:python")
    await run(workspace, BOB, 'library add https://example.org/b "Bob\'s pick"')
    await run(workspace, MOD, "prompt schedule C0GENERAL monday 10:00 UTC")
    await run(workspace, MOD, 'prompt add "Share a tool you love"')
    await run(workspace, MOD, "prompt post-now schedule:1")
    await fake.wait_for(lambda: fake.in_channel(GENERAL))
    await delivered(slack)
    clock.advance(timedelta(minutes=1))  # the posting is now in the past
    await workspace.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    home = (await fake.wait_for(lambda: fake.homes.get(ALICE)))[-1]
    shown = text_of(home)
    assert home["type"] == "home"
    assert "*Teaches*\npython" in shown
    assert "Share a tool you love" in shown
    assert "<https://example.org/b|#1 Bob's pick>" in shown
    await run(workspace, ALICE, "profile set skills:go")
    refreshed = await fake.wait_for(lambda: len(fake.homes[ALICE]) > 1 and fake.homes[ALICE])
    assert "*Teaches*\ngo" in text_of(refreshed[-1])
    pressed = await workspace.press(ALICE, "Edit profile", home["blocks"], home=True)
    assert (await pressed.modal())["callback_id"] == "cop.form"


async def test_the_message_shortcut_saves_to_the_library(
    workspace: Workspace, fake: FakeSlack
) -> None:
    ts = fake.say(GENERAL, BOB, "Great read: https://example.org/talk")
    sent = await workspace.shortcut(
        ALICE, shortcut_id("Save to library"), GENERAL, ts, BOB, "Great read"
    )
    assert sent.status == 200
    saved = text_of(await sent.reply())
    assert "Alice saved #1" in saved
    assert f"https://fake.slack.com/archives/{GENERAL}/p{ts.replace('.', '')}" in saved
    assert "*Written by*\nBob" in saved


async def test_the_pin_emoji_saves_a_message_when_enabled(
    workspace: Workspace, fake: FakeSlack
) -> None:
    ts = fake.say(GENERAL, BOB, "Keep this one")
    reaction: dict[str, Any] = {
        "type": "reaction_added",
        "user": ALICE,
        "reaction": "pushpin",
        "item_user": BOB,
        "item": {"type": "message", "channel": GENERAL, "ts": ts},
        "event_ts": "1700000100.000000",
    }
    await workspace.event(reaction)
    await fake.wait_for(lambda: fake.called("chat.getPermalink"))  # read, and let be
    enabled = await run(workspace, MOD, "library pin-emoji enabled:yes")
    assert "Reacting with 📌" in text_of(enabled)
    assert fake.in_channel(GENERAL)[-1].ts == ts  # the first reaction saved nothing
    await workspace.event(reaction)
    saved = await fake.wait_for(lambda: fake.in_channel(GENERAL)[-1].ts != ts and fake.messages)
    assert "Alice saved #1" in text_of(saved[-1].args)
    assert "Keep this one" in text_of(saved[-1].args)
    await run(workspace, MOD, "library pin-emoji yes :bookmark:")  # as Slack sends 🔖
    other = fake.say(GENERAL, BOB, "And this one")
    await workspace.event(
        reaction | {"reaction": "bookmark", "item": {**reaction["item"], "ts": other}}
    )
    again = await fake.wait_for(lambda: "#2" in text_of(fake.messages[-1].args) and fake.messages)
    assert "And this one" in text_of(again[-1].args)


async def test_forged_or_stale_requests_get_401_and_change_nothing(
    workspace: Workspace, fake: FakeSlack, slack: Running
) -> None:
    started = list(fake.calls)  # what copbot asked Slack at its start
    http = workspace.transport
    assert isinstance(http, Http)
    payload = workspace.command_payload(ALICE, "profile set bio:forged", GENERAL)
    forged = await http.send("command", payload, secret="not-the-secret")
    stale = await http.send("command", payload, timestamp=int(time.time()) - 600)
    event = workspace.event_payload({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    forged_event = await http.send("event", event, secret="not-the-secret")
    assert [forged[0], stale[0], forged_event[0]] == [401, 401, 401]
    assert fake.calls == started and fake.responses == {}
    shown = await run(workspace, ALICE, "profile show")
    assert "forged" not in text_of(shown)


async def test_a_ratelimited_post_is_retried_once_and_posted_once(
    workspace: Workspace, fake: FakeSlack
) -> None:
    await run(workspace, MOD, "prompt schedule C0GENERAL monday 10:00 UTC")
    fake.ratelimited["chat.postMessage"] = 1
    await run(workspace, MOD, "prompt post-now schedule:1")
    posted = await fake.wait_for(lambda: fake.in_channel(GENERAL))
    attempts = [c for c in fake.calls if c.method == "chat.postMessage"]
    assert len(attempts) == 2 and len(posted) == 1


async def test_match_group_dm_and_keyed_posts_through_the_chat_port(
    slack: Running, fake: FakeSlack
) -> None:
    chat = slack.bot.chat
    assert slack.core.chat is chat  # the port the core holds
    team = CommunityKey("slack", TEAM)
    space = await chat.open_private_space(team, "", [ALICE, BOB], "Alice and Bob")
    ref = await chat.post(team, space.channel_id, Reply("You're matched!"))
    assert fake.called("conversations.open")[-1]["users"] == f"{ALICE},{BOB}"
    assert [m.channel for m in fake.messages] == [space.channel_id] == [ref.channel_id]
    first = await chat.post(team, GENERAL, Reply("Weekly prompt"), key="prompt-7")
    windows = [(START - timedelta(seconds=1), START + timedelta(seconds=1))]
    for n in range(30):  # a busy channel since
        fake.say(GENERAL, BOB, f"chatter {n}")
    found = await chat.find_post(team, GENERAL, "prompt-7", windows)
    assert found is not None and found.message_id == first.message_id
    assert await chat.find_post(team, GENERAL, "prompt-8", windows) is None
    thread = await chat.start_thread(team, first, "Answers")
    permalink = f"https://fake.slack.com/archives/{GENERAL}/p{first.message_id.replace('.', '')}"
    assert thread.url == permalink
    gone = replace(first, message_id="1.000001")  # deleted since: no link, the thread stands
    assert await chat.start_thread(team, gone, "Answers") == replace(gone, thread_id="1.000001")
    await chat.post(team, GENERAL, Reply("In the thread"), thread_id=thread.thread_id)
    assert fake.messages[-1].thread_ts == first.message_id
    info = await chat.member_info(team, BOB)
    assert info is not None and info.timezone == "America/New_York"


async def test_pins_respect_the_channel_limit(
    workspace: Workspace, fake: FakeSlack, slack: Running
) -> None:
    await run(workspace, ALICE, 'library add https://example.org/a "Article A"')
    shown = await run(workspace, BOB, "library show 1")
    await (await workspace.press(BOB, "Upvote", shown["blocks"])).reply()
    fake.pins[GENERAL] = [f"1600000000.{n:06d}" for n in range(100)]
    full = await run(workspace, MOD, "library pin-top C0GENERAL 1")
    assert text_of(full) == "Pinning #1 in <#C0GENERAL>."
    told = await fake.wait_for(lambda: fake.in_channel("D" + MOD))  # the moderator directly
    assert "holds as many pins as the platform allows" in text_of(told[-1].args)
    assert len(fake.pins[GENERAL]) == 100
    fake.pins[GENERAL] = []
    await run(workspace, MOD, "library pin-top C0GENERAL 1")
    await fake.wait_for(lambda: fake.pins[GENERAL])
    assert len(fake.pins[GENERAL]) == 1
    fake.archived.add(GENERAL)
    missing = await run(workspace, MOD, "library pin-top C0GENERAL 1")
    assert "can't see a channel" in text_of(missing)


async def test_an_export_arrives_as_a_file_in_a_dm(workspace: Workspace, fake: FakeSlack) -> None:
    await run(workspace, ALICE, "profile set skills:python")
    said = await run(workspace, ALICE, "privacy export")
    assert "The file is in your direct messages" in text_of(said)
    dm = await fake.wait_for(lambda: fake.in_channel("D" + ALICE))
    assert "Here is everything" in text_of(dm[0].args)
    await fake.wait_for(lambda: fake.called("files.completeUploadExternal"))
    exported = json.loads(next(iter(fake.uploads.values())))
    assert exported["profiles"]["profile"]["skills"] == ["python"]


async def test_autocomplete_fills_an_external_select(workspace: Workspace) -> None:
    sent = await workspace.command(MOD, "prompt schedule C0GENERAL monday 10:00")
    modal = await sent.modal()
    zone = next(b for b in modal["blocks"] if b["block_id"] == "timezone")
    assert zone["element"]["type"] == "external_select"
    offered = await workspace.suggest(MOD, modal, "timezone", "Europe/Ber")
    assert "Europe/Berlin" in [option["value"] for option in offered]


async def test_an_uninstalled_workspace_waits_to_be_erased_until_copbot_is_back(
    workspace: Workspace, fake: FakeSlack, slack: Running
) -> None:
    await run(workspace, ALICE, "profile set bio:hello")
    community = CommunityKey("slack", TEAM)
    assert (await workspace.uninstall())[0] == 200
    await _departure_when(slack, community, pending=True)
    workspace.install()
    await workspace.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    await _departure_when(slack, community, pending=False)
    status = text_of(await run(workspace, MOD, "privacy status"))
    assert "added back on" in status and "cancelled the erase" in status
    assert (await workspace.revoke_tokens(bot=True))[0] == 200
    await _departure_when(slack, community, pending=True)


async def _departure_when(slack: Running, community: CommunityKey, *, pending: bool) -> None:
    """Events are handled after their ack: look until the departure shows (5 s at most);
    the probe is the store, as any request from the workspace would count as being back."""
    deadline = time.monotonic() + 5
    while (await slack.core.store.departure(community)).pending is not pending:
        assert time.monotonic() < deadline, f"the departure never became pending={pending}"


async def test_the_message_shortcut_thanks_the_author_in_public(
    workspace: Workspace, fake: FakeSlack
) -> None:
    ts = fake.say(GENERAL, BOB, "Try a generator there")
    sent = await workspace.shortcut(
        ALICE, shortcut_id("Thank the author"), GENERAL, ts, BOB, "Try a generator there"
    )
    assert sent.status == 200
    assert "Thanks to Bob is on its way" in text_of(await sent.reply())
    notes = await fake.wait_for(
        lambda: [m for m in fake.in_channel(GENERAL) if "🙏" in text_of(m.args)]
    )
    said = text_of(notes[-1].args)
    assert f"thanks <@{BOB}>" in said
    assert f"https://fake.slack.com/archives/{GENERAL}/p{ts.replace('.', '')}" in said
    assert "thanked once" not in said  # no counts, no leaderboard in public
    await run(workspace, BOB, "profile set skills:python")
    shown = text_of(await run(workspace, BOB, "profile show"))
    assert "*Thanked*\nonce" in shown
