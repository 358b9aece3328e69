"""Discord's global limit, 50 requests a second, belongs to the bot token, not to a process:
every request discord.py makes with the token waits for its turn, taken through the
database when several processes share one (`Store.shared`), else in this process.

The turn is taken in aiohttp's request-start hook (`http_trace`, discord.py's own option),
which runs before each request goes out, retries of a 429 included, so nothing discord.py
sends escapes it. Interactions' and webhooks' endpoints carry no bot token (Discord
doesn't count them against the limit) and go at once. With a REST proxy (`rest_proxy`, such
as nirn-proxy) the proxy keeps the limit for all processes instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp
import discord

from bot.kernel.shared import Rate

# 40 a second and 5 at once: at most 45 in any second, and with requests up to
# `shared.SLACK` late, 49: under Discord's 50.
PER_SECOND, BURST = 40.0, 5


def bucket_of(token: str) -> str:
    """The shared budget's name: the token's hash, never the token itself."""
    return "discord " + hashlib.sha256(token.encode()).hexdigest()[:16]


def paced(rate: Callable[[], Rate | None]) -> aiohttp.TraceConfig:
    """Each request with a bot token waits for `rate()`'s turn (none before serving)."""

    async def wait_for_turn(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        start: aiohttp.TraceRequestStartParams,
    ) -> None:
        limit = rate()
        if limit is not None and start.headers.get("Authorization", "").startswith("Bot "):
            await limit.wait()

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(wait_for_turn)
    return trace


def use_proxy(base_url: str) -> None:
    """discord.py's REST requests go to the proxy (which forwards them to Discord): a base
    URL for the whole process, as discord.py keeps it (`Route.BASE`)."""
    version = discord.http.INTERNAL_API_VERSION
    discord.http.Route.BASE = f"{base_url.rstrip('/')}/api/v{version}"
