"""A newcomer's path on Slack, end to end: the welcome after the first `/cop` answer (a
second ephemeral answer to its response_url), in a DM on `team_join` and on joining an
intros programme's channel (`member_joined_channel`), never twice, and the steps on the
App Home until done. Every call is checked against the Web API spec."""

from __future__ import annotations

from adapters.slack.run import Running
from tests.slack.conftest import ALICE, BOB, MOD
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_end_to_end import delivered, run
from tests.slack.workspace import Workspace, text_of

NEWCOMER = "U0NEWBIE"
APP_BOT = "U0OTHERBOT"


def welcomes(fake: FakeSlack, user: str) -> list[str]:
    """What copbot posted in its DM with `user` that lists the first steps."""
    said = [text_of(m.args) for m in fake.messages if m.channel == "D" + user]
    return [s for s in said if "Your first steps" in s]


async def test_the_first_command_is_followed_by_the_welcome_in_private(
    workspace: Workspace,
) -> None:
    sent = await workspace.command(ALICE, "library list")
    first, welcome = await sent.reply(1), await sent.reply(2)
    assert first["response_type"] == welcome["response_type"] == "ephemeral"
    assert not welcome.get("replace_original")
    said = text_of(welcome)
    assert said.startswith("Welcome! I'm copbot"), said
    assert "Fill in your profile" in said and "`/cop mentor request` on a topic" in said
    again = await workspace.command(ALICE, "library list")
    await again.reply(1)
    shown = await run(workspace, ALICE, "start")  # answered after the second list
    assert "Your first steps here (3 of 3 to go)" in text_of(shown)
    assert len(workspace.fake.responses[again.response_key or ""]) == 1


async def test_joining_the_workspace_welcomes_in_a_dm_once(
    workspace: Workspace, fake: FakeSlack, slack: Running
) -> None:
    fake.add_user(NEWCOMER, "Nova", tz="Asia/Tokyo")
    assert (await workspace.join(NEWCOMER))[0] == 200
    await fake.wait_for(lambda: welcomes(fake, NEWCOMER))
    await workspace.join(NEWCOMER)  # Slack may say it twice (another event id)
    await run(workspace, NEWCOMER, "help")
    await delivered(slack)
    assert len(welcomes(fake, NEWCOMER)) == 1
    [opened] = [c for c in fake.called("conversations.open") if c["users"] == NEWCOMER]
    assert opened


async def test_joining_a_programme_channel_welcomes_and_others_do_not(
    workspace: Workspace, fake: FakeSlack, slack: Running
) -> None:
    await run(workspace, MOD, "intro setup <#C0RANDOM|random> weekly monday 10:00 UTC open:yes")
    fake.add_user(APP_BOT, "Standup bot", bot=True)  # another app's bot, added to the channel
    await workspace.join_channel(APP_BOT, "C0RANDOM")
    await workspace.join_channel(BOB, "C0GENERAL")
    await workspace.join_channel(ALICE, "C0RANDOM")
    await fake.wait_for(lambda: welcomes(fake, ALICE))
    await delivered(slack)
    assert welcomes(fake, BOB) == welcomes(fake, APP_BOT) == []


async def test_the_app_home_shows_the_steps_until_done(
    workspace: Workspace, fake: FakeSlack
) -> None:
    await run(workspace, ALICE, "profile set skills:python")
    await workspace.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    home = text_of((await fake.wait_for(lambda: fake.homes.get(ALICE)))[-1])
    assert "Your first steps" in home
    assert "✅ Fill in your profile" in home and "⬜ Answer this week's prompt" in home
