"""Discord objects as the core's neutral ones: who acted (`Actor`), where a message is
(`MessageRef`), a message acted on (`ChatMessage`), a submitted modal's values. Each is made
here, once, whatever event brought it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from adapters.discord.chat import PLATFORM
from bot.kernel.messages import Actor, ChatMessage, CommunityKey, MessageRef, Reply

GUILDS_ONLY = Reply("copbot works inside a server, not in direct messages.", ephemeral=True)
NOT_HERE = Reply(
    "copbot isn't in this server: someone who manages it can add copbot with its invite link.",
    ephemeral=True,
    error=True,
)


def community(guild_id: int) -> CommunityKey:
    return CommunityKey(PLATFORM, str(guild_id))


def moderates(user: discord.abc.User, permissions: discord.Permissions, role: str | None) -> bool:
    """Manage Server, or the configured moderator role (by name or id)."""
    if permissions.manage_guild:
        return True
    roles = getattr(user, "roles", [])
    return role is not None and any(role in (r.name, str(r.id)) for r in roles)


def interaction_actor(interaction: discord.Interaction[Any], role: str | None) -> Actor | Reply:
    """Who acted, or why copbot won't serve them: its communities are the guilds it is in,
    the ones Discord announced to it (GUILD_CREATE). An interaction can come from a guild
    that never was (copbot's commands installed there without its bot): served, its Manage
    Server members would moderate a community copbot isn't part of."""
    if interaction.guild_id is None:
        return GUILDS_ONLY
    if interaction.client.get_guild(interaction.guild_id) is None:
        return NOT_HERE
    user = interaction.user
    return Actor(
        community(interaction.guild_id),
        str(user.id),
        user.display_name,
        is_moderator=moderates(user, interaction.permissions, role),
    )


def member_actor(guild_id: int, member: discord.Member | discord.User, role: str | None) -> Actor:
    """A member named by a gateway event (a message's author, who reacted)."""
    permissions = getattr(member, "guild_permissions", discord.Permissions.none())
    return Actor(
        community(guild_id),
        str(member.id),
        member.display_name,
        is_moderator=moderates(member, permissions, role),
    )


def message_ref(message: discord.Message | discord.InteractionMessage) -> MessageRef:
    channel = message.channel
    if isinstance(channel, discord.Thread):
        return MessageRef(PLATFORM, str(channel.parent_id), str(message.id), str(channel.id))
    return MessageRef(PLATFORM, str(channel.id), str(message.id))


def chat_message(message: discord.Message) -> ChatMessage:
    """Its text is empty unless it mentions copbot: copbot asks for no message-content
    intent."""
    return ChatMessage(
        message_ref(message),
        message.jump_url,
        str(message.author.id),
        message.author.display_name,
        message.content,
    )


def form_values(components: Sequence[Any]) -> dict[str, str]:
    """The text inputs of a submitted modal by custom id, whether Discord wraps them in action
    rows (type 1) or labels (type 18)."""
    values: dict[str, str] = {}
    for component in components:
        if component.get("type") == 1:
            values.update(form_values(component.get("components", [])))
        elif component.get("type") == 18:
            values.update(form_values([component.get("component", {})]))
        elif "custom_id" in component and "value" in component:
            values[str(component["custom_id"])] = str(component["value"])
    return values
