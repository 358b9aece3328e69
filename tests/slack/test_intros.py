"""Intros end to end on Slack: set up, joined and run through `/cop`; an odd count makes
one trio, whose intro opens one group DM of all three (`conversations.open` with several
users) and is posted there once; every call is checked against the Web API spec."""

from __future__ import annotations

from adapters.slack.run import Running
from tests.slack.conftest import ALICE, BOB, CAROL, MOD
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_end_to_end import delivered, run
from tests.slack.workspace import Workspace, text_of


async def test_a_trio_gets_one_group_dm_with_why_and_a_question_to_start(
    workspace: Workspace, slack: Running, fake: FakeSlack
) -> None:
    setup = await run(
        workspace, MOD, "intro setup <#C0GENERAL|general> weekly monday 10:00 UTC open:yes"
    )
    assert "Set up: `intros`" in text_of(setup), text_of(setup)
    for user, profile in (
        (ALICE, "skills:python interests:go"),
        (BOB, "skills:go interests:python"),
        (CAROL, "skills:sql interests:python"),
    ):
        await run(workspace, user, f"profile set {profile}")
        assert "You're in" in text_of(await run(workspace, user, "intro join"))
    ran = await run(workspace, MOD, "intro run-now")
    assert "1 intro(s) for 3 member(s)" in text_of(ran), text_of(ran)
    await delivered(slack)
    [opened] = fake.called("conversations.open")
    assert sorted(opened["users"].split(",")) == sorted([ALICE, BOB, CAROL])
    group_dm = [m for m in fake.messages if m.channel not in ("C0GENERAL",)]
    [intro] = group_dm
    said = text_of(intro.args)
    assert "Meet each other:" in said and "To break the ice:" in said
    assert "teaches python" in said or "teaches go" in said
    again = await run(workspace, MOD, "intro stats")
    assert "1 round(s), 1 intro(s)" in text_of(again)
