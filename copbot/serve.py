"""`copbot run` with platform tokens: Discord and Slack, each when configured, from one
process, with `/healthz` and `/metrics` beside them.

SIGTERM stops it gracefully: each platform stops taking new work (Discord's gateway
closes, Slack's socket or HTTP listener), the calls under way finish, the outbox's sender
finishes or hands back what it claimed, the database closes, and the process exits 0,
all within `STOP_WITHIN`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from adapters.discord import CopbotClient, DiscordOptions
from adapters.discord.chat import PLATFORM as DISCORD
from adapters.slack import SlackOptions, run_slack
from adapters.slack.chat import PLATFORM as SLACK
from adapters.slack.install import InstallOptions
from adapters.slack.run import Running
from adapters.web import WebPages
from bot.kernel.core import Core
from copbot.bootstrap import (
    SystemClock,
    log_to_terminal,
    open_app,
    serving_core,
    serving_process,
    slack_installs,
)
from copbot.config import Settings
from copbot.ops import Operations
from copbot.pages import serve_pages, serving_pages, web_catalog

log = logging.getLogger(__name__)

STOP_WITHIN = timedelta(seconds=10)  # what an orchestrator waits after SIGTERM, at least
SETTLE = timedelta(seconds=4)  # of which the calls under way get this long to finish


def serve(settings: Settings) -> int:
    """Every configured platform until stopped (Ctrl-C, SIGTERM)."""
    log_to_terminal(settings)
    with serving_process(), contextlib.suppress(KeyboardInterrupt):  # Ctrl-C stops it
        asyncio.run(_serve(settings))
    return 0


async def _serve(settings: Settings) -> None:
    stopping = asyncio.Event()
    if threading.current_thread() is threading.main_thread():  # else signals never come
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    ops = Operations()
    async with served_ops(settings, ops), serving_pages(settings) as pages:
        servers: list[Awaitable[None]] = []
        if settings.discord.token is not None:
            token = settings.discord.token.get_secret_value()
            servers.append(serve_discord(settings, token, ops=ops, stopping=stopping, pages=pages))
        if "slack" in settings.platforms():
            servers.append(_slack(settings, ops, stopping, pages))
        await asyncio.gather(*servers)
    log.info("stopped")


@contextlib.asynccontextmanager
async def served_ops(settings: Settings, ops: Operations) -> AsyncIterator[None]:
    """`/healthz` and `/metrics` while the block runs, where the config wants them."""
    if not settings.serves_ops():
        yield
        return
    async with ops.serving(settings.ops.host, settings.ops.port):
        yield


async def serve_discord(
    settings: Settings,
    token: str,
    *,
    ops: Operations | None = None,
    stopping: asyncio.Event | None = None,
    pages: WebPages | None = None,
) -> None:
    """copbot on Discord until stopped: every guild of this process's shards, one timer;
    their web pages on `pages`."""
    config = settings.discord
    client = CopbotClient(
        DiscordOptions(
            moderator_role=config.moderator_role,
            shard_count=config.shard_count,
            shard_ids=config.shard_ids,
            rest_proxy=config.rest_proxy,
        )
    )
    clock = SystemClock()
    opened = open_app(
        settings.database.url,
        chat=client.chat,
        clock=clock,
        catalog=web_catalog(settings),
        grace=settings.prompts.grace,
        ops=ops,
        platform=DISCORD,
    )
    async with opened as app:
        serve_pages(pages, "discord", app.core)
        app.ops.check("discord", client.connected)
        serving = client.serve(app.core, token, after_login=app.timer.start)
        await until_stopped(serving, stopping, client.stop_taking_work, app.core)
        await client.close()


async def _slack(
    settings: Settings, ops: Operations, stopping: asyncio.Event, pages: WebPages | None
) -> None:
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
    clock, late, url = SystemClock(), settings.prompts.grace, settings.database.url

    async def until_stopping(running: Running) -> None:
        ops.check("slack", running.intake.connected)
        serve_pages(pages, "slack", running.core)
        await until_stopped(asyncio.Event().wait(), stopping, running.intake.stop, running.core)

    await run_slack(
        options,
        lambda chat: serving_core(
            url,
            chat=chat,
            clock=clock,
            catalog=web_catalog(settings),
            grace=late,
            ops=ops,
            platform=SLACK,
        ),
        until=until_stopping,
    )


async def until_stopped(
    serving: Awaitable[object],
    stopping: asyncio.Event | None,
    stop_taking_work: Callable[[], Awaitable[None]],
    core: Core,
) -> None:
    """`serving` until it ends or `stopping` is set; then no new work is taken, the calls
    under way get `SETTLE` to finish (what is left then rolls back: nothing of it was
    committed, and the member was told nothing), and the outbox finishes or hands back its
    sends while the platform's connection is still open for them."""
    served = asyncio.ensure_future(serving)
    stop = asyncio.ensure_future((stopping or asyncio.Event()).wait())
    try:
        await asyncio.wait({served, stop}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # stopped from outside: the platform goes at once
        served.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await served
        raise
    finally:
        stop.cancel()
    if served.done():
        served.result()  # raises what stopped it
        return
    log.info("stopping: no new work; finishing what is under way")
    try:
        async with asyncio.timeout(SETTLE.total_seconds()):
            await stop_taking_work()
            await core.calls.settled()
    except TimeoutError:
        log.warning("%d call(s) were still running after %s", core.calls.running, SETTLE)
    if core.outbox is not None:
        await core.outbox.stop()
    served.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await served


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
