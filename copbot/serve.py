"""`copbot run` with platform tokens: Discord and Slack, each when configured, from one
process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

from adapters.discord import CopbotClient, DiscordOptions
from adapters.slack import SlackOptions, run_slack
from adapters.slack.install import InstallOptions
from copbot.bootstrap import (
    SystemClock,
    log_to_terminal,
    open_app,
    serving_core,
    serving_process,
    slack_installs,
)
from copbot.config import Settings


def serve(settings: Settings) -> int:
    """Every configured platform until stopped (Ctrl-C, SIGTERM)."""
    log_to_terminal(settings.log_level)
    servers: list[Awaitable[None]] = []
    if settings.discord.token is not None:
        servers.append(serve_discord(settings, settings.discord.token.get_secret_value()))
    if "slack" in settings.platforms():
        servers.append(_slack(settings))
    with serving_process(), contextlib.suppress(KeyboardInterrupt):  # Ctrl-C stops it
        asyncio.run(_all(servers))
    return 0


async def _all(servers: list[Awaitable[None]]) -> None:
    await asyncio.gather(*servers)


async def serve_discord(settings: Settings, token: str) -> None:
    """copbot on Discord until stopped: every guild of this process's shards, one timer."""
    config = settings.discord
    client = CopbotClient(
        DiscordOptions(
            moderator_role=config.moderator_role,
            shard_count=config.shard_count,
            shard_ids=config.shard_ids,
        )
    )
    async with open_app(
        settings.database.url, chat=client.chat, clock=SystemClock(), grace=settings.prompts.grace
    ) as app:
        await client.serve(app.core, token, after_login=app.timer.start)


async def _slack(settings: Settings) -> None:
    slack = settings.slack
    options = SlackOptions(
        bot_token=slack.bot_token.get_secret_value() if slack.bot_token else "",
        install=slack_install(settings),
        mode=slack.mode,
        app_token=slack.app_token.get_secret_value() if slack.app_token else None,
        signing_secret=slack.signing_secret.get_secret_value() if slack.signing_secret else "",
        host=slack.host,
        port=slack.port,
        moderators=slack.moderators,
    )
    clock, late = SystemClock(), settings.prompts.grace
    await run_slack(
        options,
        lambda chat: serving_core(settings.database.url, chat=chat, clock=clock, grace=late),
    )


def slack_install(settings: Settings) -> InstallOptions | None:
    """Installed by OAuth in many workspaces, when the config says so."""
    slack = settings.slack
    if not slack.install:
        return None
    assert slack.client_id is not None and slack.client_secret is not None  # config checked
    client_id = slack.client_id
    return InstallOptions(
        client_id=client_id,
        client_secret=slack.client_secret.get_secret_value(),
        stores=lambda core: slack_installs(core, client_id),
        public_url=slack.public_url,
        rotation_minutes=slack.token_rotation_expiration_minutes,
    )
