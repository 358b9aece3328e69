"""What copbot accepts from Slack, through the real bolt request path: each signed request
once, only for the installed workspace, a malformed one refused cleanly (never a 500 or an
ERROR), and nothing a member wrote logged when a request is refused."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from adapters.slack.requests import NOT_INSTALLED
from adapters.slack.run import Running
from bot.kernel.messages import CommunityKey
from bot.kernel.shared import Recent
from tests.slack.conftest import ALICE, MOD
from tests.slack.fake_slack import TEAM, FakeSlack
from tests.slack.workspace import Http, Workspace, text_of

STRANGER_TEAM, STRANGER = "T0STRANGER", "U0STRANGER"
SECRET_TEXT = "my-private-words"  # what a member typed, never to be logged on a refusal


@pytest.fixture(autouse=True)
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """INFO and above, from before bolt is made (its loggers copy the root's level then), as
    an operator runs copbot."""
    caplog.set_level(logging.INFO)
    return caplog


def http(workspace: Workspace) -> Http:
    assert isinstance(workspace.transport, Http)
    return workspace.transport


def assert_quiet(logs: pytest.LogCaptureFixture) -> None:
    """No ERROR, and the member's words nowhere in the log."""
    assert [r.getMessage() for r in logs.records if r.levelno >= logging.ERROR] == []
    assert SECRET_TEXT not in logs.text


async def suggestions(workspace: Workspace) -> str:
    return text_of(await (await workspace.command(MOD, "prompt suggestions")).reply())


async def test_a_replayed_command_runs_once(
    workspace: Workspace, fake: FakeSlack, slack: Running
) -> None:
    """The same signed body again, within the signature's five minutes: Slack's trigger id
    shows it is the same request."""
    payload = workspace.command_payload(ALICE, 'prompt suggest "What did you fix?"', "C0GENERAL")
    stamp = int(time.time())
    first = await http(workspace).send("command", payload, timestamp=stamp)
    assert first == (200, "")
    key = payload["response_url"].rsplit("/", 1)[1]
    await fake.wait_for(lambda: len(fake.responses.get(key, [])) == 2)  # and Alice's welcome
    for _ in range(2):
        assert await http(workspace).send("command", payload, timestamp=stamp) == (200, "")
    shown = await suggestions(workspace)  # the replays came first and were dropped
    assert shown.count("What did you fix?") == 1
    assert len(fake.responses[key]) == 2


async def test_a_replayed_button_press_runs_once(
    workspace: Workspace, fake: FakeSlack, slack: Running
) -> None:
    """Block actions carry a trigger id too: a replayed Upvote is not a second press (which
    would take the vote back)."""
    await (await workspace.command(ALICE, 'library add https://example.org/a "A"')).reply()
    shown = await (await workspace.command(MOD, "library show 1")).reply()
    pressed = await workspace.press(MOD, "Upvote", shown["blocks"])
    assert "Upvoted #1" in text_of(await pressed.reply())
    assert await http(workspace).send("interactive", pressed.payload) == (200, "")
    again = await (await workspace.command(MOD, "library show 1")).reply()
    assert "*Votes*\n1" in text_of(again)  # not taken back by the replay


def test_remembered_requests_are_bounded_and_forgotten_after_the_window() -> None:
    now = [0.0]
    recent = Recent(size=2, ttl=600, now=lambda: now[0])
    assert recent.first("a") and not recent.first("a")
    now[0] = 599
    assert not recent.first("a")
    now[0] = 601  # a signature this old is refused by then: the id may go
    assert recent.first("a")
    assert recent.first("b") and recent.first("c")  # only the newest two are kept
    assert recent.first("a")


def stranger_command(workspace: Workspace, text: str) -> dict[str, Any]:
    payload = workspace.command_payload(STRANGER, text, "C0GENERAL")
    return payload | {"team_id": STRANGER_TEAM, "team_domain": "elsewhere"}


async def test_a_request_for_another_workspace_is_refused(
    workspace: Workspace,
    fake: FakeSlack,
    slack: Running,
    logs: pytest.LogCaptureFixture,
) -> None:
    """Signed (the app may be installed elsewhere too) but not for the workspace copbot's token
    belongs to: not a member here, no App Home published to them."""
    fake.add_user(STRANGER, "Stranger")
    payload = stranger_command(workspace, f"profile set bio:{SECRET_TEXT}")
    assert await http(workspace).send("command", payload) == (200, NOT_INSTALLED)
    opened = workspace.event_payload({"type": "app_home_opened", "user": STRANGER, "tab": "home"})
    opened |= {
        "team_id": STRANGER_TEAM,
        "authorizations": [{"team_id": STRANGER_TEAM, "user_id": "U0BOT", "is_bot": True}],
    }
    assert await http(workspace).send("event", opened) == (200, NOT_INSTALLED)
    await workspace.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    await fake.wait_for(lambda: fake.homes.get(ALICE))  # handled after the refusals
    assert STRANGER not in fake.homes
    assert fake.responses.get(payload["response_url"].rsplit("/", 1)[1]) is None
    async with slack.core.store.unit_of_work(CommunityKey("slack", TEAM)) as uow:
        assert await uow.members.by_user(STRANGER) is None
    assert_quiet(logs)


async def test_a_non_numeric_timestamp_is_a_401_like_a_bad_signature(
    workspace: Workspace, fake: FakeSlack, logs: pytest.LogCaptureFixture
) -> None:
    started = list(fake.calls)  # what copbot asked Slack at its start
    payload = workspace.command_payload(ALICE, f"profile set bio:{SECRET_TEXT}", "C0GENERAL")
    for stamp in ("soon", "1e9", "9" * 5000, ""):
        status, _ = await http(workspace).send("command", payload, timestamp=stamp)
        assert status == 401, stamp
    assert fake.calls == started and fake.responses == {}
    assert_quiet(logs)


async def test_a_refused_signature_is_logged_without_what_the_member_wrote(
    workspace: Workspace, fake: FakeSlack, logs: pytest.LogCaptureFixture
) -> None:
    payload = workspace.command_payload(ALICE, f"profile set bio:{SECRET_TEXT}", "C0GENERAL")
    forged = await http(workspace).send("command", payload, secret="not-the-secret")
    stale = await http(workspace).send("command", payload, timestamp=int(time.time()) - 600)
    assert [forged[0], stale[0]] == [401, 401]
    assert_quiet(logs)
    assert "refused" in logs.text  # said, without what the member wrote


GARBAGE = [
    "not json",
    '{"target": "profile set"}',
    "[1, 2]",
    '["profile set", "C0GENERAL", null]',
    '["profile set", 7, null, ""]',
    "[" * 3000,
    json.dumps(["profile set", "C0GENERAL", None, "x" * 20_000]),
]


async def test_garbage_modal_state_is_refused_in_the_form_not_a_500(
    workspace: Workspace, fake: FakeSlack, logs: pytest.LogCaptureFixture
) -> None:
    sent = await workspace.command(ALICE, "profile edit")
    form = await sent.modal()
    command_modal = await (await workspace.command(MOD, "prompt schedule C0GENERAL")).modal()
    for metadata in GARBAGE:
        for view in (form, command_modal):
            submitted = await workspace.submit(
                ALICE, view | {"private_metadata": metadata}, bio=SECRET_TEXT
            )
            assert submitted.status == 200, metadata[:40]
            answer = json.loads(submitted.body)
            assert answer["response_action"] == "errors"
            assert "open it again" in next(iter(answer["errors"].values()))
        assert (
            await workspace.suggest(
                MOD, command_modal | {"private_metadata": metadata}, "timezone", "Europe"
            )
            == []
        )
    shown = await (await workspace.command(ALICE, "profile show")).reply()
    assert SECRET_TEXT not in text_of(shown)  # no submission went through
    assert_quiet(logs)
