"""Running copbot on Slack: the Web API client, the core (opened by the composition root
once the client can post) and the bolt app, connected by Socket Mode (the default: no
public URL) or served over HTTP (several processes behind a load balancer, one PostgreSQL
database), one workspace by its bot token or many installed by OAuth."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import ClientSession, web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from adapters.slack.chat import SLACK_API, SlackChat, web_client
from adapters.slack.inbound import SlackBot
from adapters.slack.install import (
    EVENTS_PATH,
    InstallOptions,
    bolt_settings,
    installed_workspaces,
)
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.workspaces import OneWorkspace
from bot.kernel.core import Core
from bot.kernel.ports import Chat

__all__ = ["EVENTS_PATH", "OpenCore", "Running", "SlackOptions", "run_slack", "slack_running"]


@dataclass(frozen=True)
class SlackOptions:
    bot_token: str = ""  # one workspace; or `install` (HTTP mode), each workspace's own
    install: InstallOptions | None = None
    mode: Literal["socket", "http"] = "socket"
    app_token: str | None = None
    signing_secret: str = ""
    host: str = "0.0.0.0"  # HTTP mode serves Slack, from outside
    port: int = 3000
    moderators: tuple[str, ...] = ()
    api_url: str = SLACK_API


@dataclass(frozen=True)
class Intake:
    """Where Slack's events come in: whether it is up, and closing it (a stopping process
    takes no new work, and finishes what came in already)."""

    connected: Callable[[], Awaitable[bool]]
    stop: Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Running:
    bot: SlackBot
    core: Core
    port: int | None  # the HTTP port bound (HTTP mode)
    intake: Intake


OpenCore = Callable[[Chat], AbstractAsyncContextManager[Core]]


@asynccontextmanager
async def slack_running(options: SlackOptions, open_core: OpenCore) -> AsyncIterator[Running]:
    """Everything connected; all of it closed again on leaving."""
    install = options.install
    async with ClientSession() as session:
        client = web_client(None if install else options.bot_token, session, options.api_url)
        chat = SlackChat(client, session, moderators=options.moderators)
        if install is None:
            await client.auth_test()  # a token Slack refuses stops copbot here, not each request
            chat.workspaces = OneWorkspace(client)
        async with open_core(chat) as core:
            settings = (
                None
                if install is None
                else _installed(install, core, chat, session, options.api_url)
            )
            bot = SlackBot(
                core=core,
                chat=chat,
                signing_secret=options.signing_secret,
                socket_mode=options.mode == "socket",
                installs=settings,
            )
            if options.mode == "http":
                async with _serve_http(bot, options.host, options.port) as (port, intake):
                    yield Running(bot, core, port, intake)
            else:
                async with _socket_mode(bot, options.app_token or "") as intake:
                    yield Running(bot, core, None, intake)


def _installed(
    install: InstallOptions, core: Core, chat: SlackChat, session: ClientSession, api_url: str
) -> dict[str, Any]:
    """Installed by OAuth: the stores on the core's database give the chat each workspace's
    token, and bolt its OAuth flow; before anything is served."""
    stores = install.stores(core)
    chat.workspaces = installed_workspaces(
        install, stores, chat.client, lambda token: web_client(token, session, api_url)
    )
    return bolt_settings(install, stores, chat.client, BOT_SCOPES)


async def run_slack(
    options: SlackOptions,
    open_core: OpenCore,
    *,
    until: Callable[[Running], Awaitable[None]] | None = None,
) -> None:
    """Serve until `until` (handed what runs) returns, or else until cancelled (Ctrl-C)."""
    async with slack_running(options, open_core) as running:
        await (until(running) if until is not None else asyncio.Event().wait())


@asynccontextmanager
async def _serve_http(bot: SlackBot, host: str, port: int) -> AsyncIterator[tuple[int, Intake]]:
    runner = web.AppRunner(bot.app.web_app(path=EVENTS_PATH, port=port))
    await runner.setup()

    async def serving() -> bool:
        return bool(runner.sites)

    async def stop() -> None:  # no new connections; cleanup waits for the requests under way
        for site in list(runner.sites):
            await site.stop()

    try:
        await web.TCPSite(runner, host, port).start()
        yield runner.addresses[0][1], Intake(serving, stop)
    finally:
        await runner.cleanup()


@asynccontextmanager
async def _socket_mode(bot: SlackBot, app_token: str) -> AsyncIterator[Intake]:
    # The handler retries a refused connection for ever: a token Slack refuses stops here.
    await bot.app.client.apps_connections_open(app_token=app_token)
    handler = AsyncSocketModeHandler(bot.app, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]

    async def connected() -> bool:
        return await handler.client.is_connected()

    async def stop() -> None:
        await handler.disconnect_async()  # type: ignore[no-untyped-call]

    try:
        yield Intake(connected, stop)
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
