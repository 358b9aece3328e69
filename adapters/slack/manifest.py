"""The Slack app manifest a workspace admin pastes to create copbot's app: derived from the
catalog (its message shortcuts), the connection mode, and whether it is installed by OAuth
in many workspaces."""

from __future__ import annotations

from typing import Any

from adapters.slack.inbound import COMMAND, shortcut_id
from adapters.slack.install import EVENTS_PATH, REDIRECT_PATH
from bot.kernel.catalog import Catalog

BOT_SCOPES = (
    "commands",  # /cop and the message shortcuts
    "chat:write",  # replies, prompts, notices
    "chat:write.public",  # post prompts in public channels copbot wasn't added to
    "im:write",  # DMs (exports, notices)
    "mpim:write",  # group DMs for matches
    "users:read",  # names, admins and time zones
    "usergroups:read",  # moderators by user group
    "pins:read",  # the channel's pin count before pinning
    "pins:write",  # mirror the best resources into pins
    "reactions:read",  # the pin emoji saves a message
    "channels:history",  # thread replies to prompts; the text of a reacted message
    "groups:history",
    "channels:read",  # is a schedule's channel there?
    "groups:read",
    "files:write",  # exports
)
BOT_EVENTS = (
    "app_home_opened",
    "reaction_added",
    "team_join",  # a newcomer's welcome
    "member_joined_channel",  # ... and on joining an intros programme's channel
    "message.channels",
    "message.groups",
)
# Installed by OAuth: a workspace that removes copbot (or revokes its token) is told of, so
# that copbot forgets its token and starts the erase of its data.
LEAVING_EVENTS = ("app_uninstalled", "tokens_revoked")


def manifest(
    catalog: Catalog, *, socket_mode: bool, public_url: str | None = None, install: bool = False
) -> dict[str, Any]:
    """`public_url` (HTTP mode) is where Slack reaches copbot, e.g. https://cop.example.org;
    `install`: distributed, installed by OAuth (HTTP mode, `public_url` given), with rotating
    tokens and organization-wide installs."""
    if install and (socket_mode or not public_url):
        raise ValueError("installing by OAuth is HTTP mode, at a public URL")
    endpoint = {"url": public_url.rstrip("/") + EVENTS_PATH} if public_url else {}
    shortcuts = [
        {
            "name": name[:24],
            "type": "message",
            "callback_id": shortcut_id(name),
            "description": f"copbot: {name}"[:150],
        }
        for name in sorted(catalog.message_actions)
    ]
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": [*BOT_EVENTS, *(LEAVING_EVENTS if install else ())]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": install,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": install,
    }
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if install and public_url:
        oauth["redirect_urls"] = [public_url.rstrip("/") + REDIRECT_PATH]
    if public_url:
        settings["event_subscriptions"]["request_url"] = endpoint["url"]
        settings["interactivity"] |= {
            "request_url": endpoint["url"],
            "message_menu_options_url": endpoint["url"],
        }
    return {
        "display_information": {
            "name": "copbot",
            "description": "Mentor matching, weekly prompts and a shared library.",
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": "copbot", "always_online": True},
            "slash_commands": [
                {
                    "command": COMMAND,
                    "description": "copbot: /cop help lists everything",
                    "usage_hint": "help | profile set skills:python | library search rust",
                    "should_escape": True,
                    **endpoint,
                }
            ],
            "shortcuts": shortcuts,
        },
        "oauth_config": oauth,
        "settings": settings,
    }
