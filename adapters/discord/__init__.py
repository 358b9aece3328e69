"""The Discord adapter: slash commands, buttons, modals and the `Chat` port on discord.py."""

from adapters.discord.client import CopbotClient, DiscordOptions

__all__ = ["CopbotClient", "DiscordOptions"]
