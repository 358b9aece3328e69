"""`copbot run`, the real command line, in a process of its own, against a loopback Discord:
discord.py's base URLs come from the environment, everything else is copbot's."""

from __future__ import annotations

import os
import sys

import discord
import yarl

from copbot.cli import main

if __name__ == "__main__":
    discord.http.Route.BASE = os.environ["FAKE_DISCORD_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["FAKE_DISCORD_GATEWAY"])
    sys.exit(main())
