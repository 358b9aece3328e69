"""Socket Mode: Slack pushes envelopes over a loopback websocket; copbot acks each one (by
its envelope id) and answers as in HTTP mode."""

from __future__ import annotations

import json

from tests.slack.conftest import ALICE, BOB
from tests.slack.fake_slack import FakeSlack
from tests.slack.workspace import Workspace, text_of


async def test_a_slash_command_is_acked_then_answered(
    socket_workspace: Workspace, fake: FakeSlack
) -> None:
    assert fake.called("apps.connections.open")  # the socket URL came from the Web API
    sent = await socket_workspace.command(ALICE, "profile set skills:python")
    assert (sent.status, json.loads(sent.body)) == (200, {})  # the ack, with no payload
    assert "*Teaches*\npython" in text_of(await sent.reply())


async def test_a_button_and_a_modal_over_the_socket(
    socket_workspace: Workspace, fake: FakeSlack
) -> None:
    sent = await socket_workspace.command(ALICE, 'library add title:"Socket guide"')
    modal = await sent.modal()
    await socket_workspace.submit(ALICE, modal, url="https://example.org/s")
    saved = await sent.reply()
    pressed = await socket_workspace.press(BOB, "Upvote", saved["blocks"], ephemeral=False)
    reply = await pressed.reply()
    assert "Upvoted #1" in text_of(reply) and reply["replace_original"] is False


async def test_events_are_acked_and_a_retried_envelope_is_handled_once(
    socket_workspace: Workspace, fake: FakeSlack
) -> None:
    opened = {"type": "app_home_opened", "user": ALICE, "tab": "home"}
    await socket_workspace.event(opened, event_id="Ev0HOME")
    await fake.wait_for(lambda: fake.homes.get(ALICE))
    await socket_workspace.event(opened, event_id="Ev0HOME", retry=1)
    await socket_workspace.event(opened, event_id="Ev0HOME2")
    homes = await fake.wait_for(lambda: len(fake.homes[ALICE]) >= 2 and fake.homes[ALICE])
    assert len(homes) == 2  # the first and the new event; the retry did nothing


async def test_a_refused_form_answers_in_the_ack_payload(socket_workspace: Workspace) -> None:
    modal = await (await socket_workspace.command(ALICE, "profile edit")).modal()
    refused = await socket_workspace.submit(ALICE, modal, timezone="Nowhere/Land")
    answer = json.loads(refused.body)
    assert answer["response_action"] == "errors" and "timezone" in answer["errors"]
