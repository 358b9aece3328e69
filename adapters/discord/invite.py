"""The OAuth2 URL that adds copbot to a server, with only the permissions it uses."""

from __future__ import annotations

import base64
import binascii

import discord

# Each permission copbot asks for, and why (the README lists the same).
PERMISSIONS: dict[str, str] = {
    "view_channel": "see the channels it posts prompts and pins in",
    "send_messages": "post weekly prompts, recaps and library pins",
    "embed_links": "show cards (resources, profiles, prompts) as embeds",
    "attach_files": "send exports (library, your data) as files",
    "read_message_history": (
        "find its own earlier messages before posting again, and the message a pin reaction names"
    ),
    "create_public_threads": "open a thread under each weekly prompt",
    "create_private_threads": "open a private thread for each mentor match",
    "send_messages_in_threads": "welcome members in those threads",
    "pin_messages": "pin the top resources when a moderator asks",
}
SCOPES = ("bot", "applications.commands")


def permissions() -> discord.Permissions:
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=permissions(), scopes=SCOPES)


def application_id_of(token: str) -> int | None:
    """A bot token starts with its user id in base64, which is the application id for every
    application made since 2019 (older ones: pass the id)."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None
