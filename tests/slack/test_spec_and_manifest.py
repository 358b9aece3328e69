"""The checks the end-to-end tests rely on can fail; the manifest follows the catalog."""

from __future__ import annotations

import pytest

from adapters.slack.manifest import manifest
from bot.app import build_catalog
from bot.kernel.context import Context
from bot.kernel.messages import ChatMessage, Reply
from tests.slack.spec import answer_violations, violations


def test_the_spec_check_catches_what_slack_would_refuse() -> None:
    assert violations("chat.postMessage", "POST", {"channel": "C1", "text": "hi"}, "Bearer x") == []
    assert violations("chat.postMessage", "POST", {"chanel": "C1"}, "Bearer x") == [
        "chat.postMessage: chanel is not a parameter",
        "chat.postMessage: required channel is missing",
    ]
    assert violations("chat.postMessage", "POST", {"channel": "C1"}, None) == [
        "chat.postMessage: no token"
    ]
    assert violations("conversations.history", "GET", {"channel": "C", "limit": "x"}, "B") == [
        "conversations.history: limit='x' is not a integer"
    ]
    assert violations("chat.fly", "POST", {}, "B") == ["chat.fly: not in the spec"]
    assert violations("apps.connections.open", "POST", {}, "B") == []  # listed as newer


def test_the_fakes_permalink_answers_as_the_spec_says() -> None:
    good = {"ok": True, "channel": "C0GENERAL", "permalink": "https://x.slack.com/archives/C0G/p1"}
    assert answer_violations("chat.getPermalink", good) == []
    assert answer_violations("chat.getPermalink", {"ok": True, "channel": "C0GENERAL"}) == [
        "chat.getPermalink answered: 'permalink' is a required property"
    ]
    assert answer_violations("chat.getPermalink", {"ok": False, "error": "x"}) == []


def test_the_manifest_carries_the_command_the_shortcuts_and_the_mode() -> None:
    catalog = build_catalog()

    @catalog.message_action("Ask a mentor")
    async def ask(context: Context, message: ChatMessage) -> Reply:
        return Reply("ok")

    socket = manifest(catalog, socket_mode=True)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["interactivity"]
    assert socket["features"]["slash_commands"][0]["command"] == "/cop"
    assert [s["callback_id"] for s in socket["features"]["shortcuts"]] == [
        "msg:ask-a-mentor",
        "msg:save-to-library",
        "msg:thank-the-author",
    ]
    http = manifest(catalog, socket_mode=False, public_url="https://cop.example.org/")
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == (
        "https://cop.example.org/slack/events"
    )
    assert http["features"]["slash_commands"][0]["url"] == "https://cop.example.org/slack/events"


def test_a_token_refresh_needs_no_code_but_an_exchange_does() -> None:
    basic = "Basic MTExMS4yMjIyOnNlY3JldA=="
    refresh = {"grant_type": "refresh_token", "refresh_token": "xoxe-1"}
    assert violations("oauth.v2.access", "POST", refresh, basic) == []
    assert violations("oauth.v2.access", "POST", {"grant_type": "authorization_code"}, basic) == [
        "oauth.v2.access: required code is missing"
    ]
    assert violations("oauth.v2.access", "POST", {"code": "c", "redirect_uri": "u"}, basic) == []


def test_the_manifest_of_an_app_installed_by_oauth() -> None:
    catalog = build_catalog()
    installed = manifest(
        catalog, socket_mode=False, public_url="https://cop.example.org", install=True
    )
    settings = installed["settings"]
    assert settings["token_rotation_enabled"] is True
    assert settings["org_deploy_enabled"] is True
    assert {"app_uninstalled", "tokens_revoked"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert installed["oauth_config"]["redirect_urls"] == [
        "https://cop.example.org/slack/oauth_redirect"
    ]
    one_token = manifest(catalog, socket_mode=False, public_url="https://cop.example.org")
    assert one_token["settings"]["token_rotation_enabled"] is False
    assert "redirect_urls" not in one_token["oauth_config"]
    with pytest.raises(ValueError, match="HTTP mode"):
        manifest(catalog, socket_mode=True, install=True)
