"""`copbot`: run the bot, the console, migrations, config checks and on-demand erases."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from adapters.console.chat import ConsoleChat, ConsoleClock
from adapters.console.session import ConsoleCommunity, ConsoleSession
from adapters.discord import CopbotClient, DiscordOptions
from adapters.discord.invite import PERMISSIONS, application_id_of, invite_url
from adapters.slack import SlackOptions, run_slack
from adapters.slack.manifest import manifest
from bot.app import build_catalog
from bot.kernel.catalog import Catalog
from bot.kernel.messages import CommunityKey
from copbot.bootstrap import (
    SystemClock,
    erase_community,
    open_app,
    serving_core,
    serving_process,
)
from copbot.config import ConfigError, Settings, load_settings
from storage.database import DatabaseUnusable, open_database
from storage.migrate import migrate


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    err = Console(stderr=True)
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        err.print(f"[bold red]config error[/]\n{error}", highlight=False)
        return 2
    if args.database:
        settings = settings.model_copy(
            update={"database": settings.database.model_copy(update={"url": args.database})}
        )
    logging.basicConfig(
        level=settings.log_level,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False)],
    )
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    command: Callable[[argparse.Namespace, Settings], int] = args.run
    try:
        return command(args, settings)
    except DatabaseUnusable as error:  # found when it opens: said in a line, not a traceback
        err.print(f"[bold red]can't use the database[/]: {escape(str(error))}", highlight=False)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="copbot", description=__doc__)
    parser.add_argument("--config", type=Path, help="config file (default: ./config.toml)")
    parser.add_argument("--database", help="database URL, overriding the config")
    parser.set_defaults(run=_run, script=None)
    commands = parser.add_subparsers(title="commands")
    commands.add_parser("run", help="run every configured adapter (the default)").set_defaults(
        run=_run
    )
    console = commands.add_parser("console", help="chat with copbot in this terminal")
    console.add_argument("--script", type=Path, help="run the lines of FILE, print every output")
    console.set_defaults(run=_console)
    commands.add_parser(
        "check-config", help="validate the config and say what's wrong"
    ).set_defaults(run=_check_config)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_migrate)
    erase = commands.add_parser(
        "erase-community", help="erase everything copbot keeps of one community, now"
    )
    erase.add_argument("platform", choices=("discord", "slack", "console"))
    erase.add_argument("id", help="the Discord server's id, the Slack team's (T...), a console's")
    erase.add_argument("--yes", action="store_true", help="erase without asking to confirm")
    erase.set_defaults(run=_erase_community)
    slack = commands.add_parser("slack", help="Slack set-up").add_subparsers(title="slack")
    printer = slack.add_parser("manifest", help="print the Slack app manifest to paste")
    printer.add_argument("--url", help="HTTP mode: the public https URL Slack reaches copbot at")
    printer.set_defaults(run=_slack_manifest)
    discord_parser = commands.add_parser("discord", help="Discord set-up")
    discord_parser.set_defaults(run=_usage(discord_parser))
    discord_commands = discord_parser.add_subparsers(title="commands")
    invite = discord_commands.add_parser(
        "invite-url", help="print the URL that adds copbot to a server, with its permissions"
    )
    invite.add_argument("--application-id", type=int, help="default: read from DISCORD_TOKEN")
    invite.set_defaults(run=_invite_url)
    return parser


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace, Settings], int]:
    def usage(args: argparse.Namespace, settings: Settings) -> int:
        parser.print_help()
        return 2

    return usage


def _run(args: argparse.Namespace, settings: Settings) -> int:
    servers: list[Awaitable[None]] = []
    if settings.discord.token is not None:
        servers.append(serve_discord(settings, settings.discord.token.get_secret_value()))
    if "slack" in settings.platforms():
        servers.append(_slack(settings))
    if servers:
        with serving_process(), contextlib.suppress(KeyboardInterrupt):  # Ctrl-C stops it
            asyncio.run(_serve(servers))
        return 0
    return _console(args, settings)


async def _slack(settings: Settings) -> None:
    slack = settings.slack
    assert slack.bot_token is not None
    options = SlackOptions(
        bot_token=slack.bot_token.get_secret_value(),
        mode=slack.mode,
        app_token=slack.app_token.get_secret_value() if slack.app_token else None,
        signing_secret=slack.signing_secret.get_secret_value() if slack.signing_secret else "",
        host=slack.host,
        port=slack.port,
        moderators=slack.moderators,
    )
    clock, grace = SystemClock(), _grace(settings)
    await run_slack(
        options,
        lambda chat: serving_core(settings.database.url, chat=chat, clock=clock, grace=grace),
    )


def _slack_manifest(args: argparse.Namespace, settings: Settings) -> int:
    http = args.url is not None or settings.slack.mode == "http"
    url = args.url or ("https://copbot.example.org" if http else None)
    found = manifest(build_catalog(), socket_mode=not http, public_url=url)
    print(json.dumps(found, indent=2, ensure_ascii=False))  # the output is the manifest
    return 0


async def _serve(servers: list[Awaitable[None]]) -> None:
    """Every configured platform from one process, until stopped."""
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
        settings.database.url, chat=client.chat, clock=SystemClock(), grace=_grace(settings)
    ) as app:
        await client.serve(app.core, token, after_login=app.timer.start)


def _invite_url(args: argparse.Namespace, settings: Settings) -> int:
    out = Console(highlight=False)
    application_id = args.application_id
    if application_id is None and settings.discord.token is not None:
        application_id = application_id_of(settings.discord.token.get_secret_value())
    if application_id is None:
        Console(stderr=True).print(
            "give --application-id (the Developer Portal shows it) or set DISCORD_TOKEN",
            highlight=False,
        )
        return 2
    out.print(invite_url(application_id), soft_wrap=True)
    out.print("\nPermissions it asks for:")
    for permission, why in PERMISSIONS.items():
        out.print(f"  {permission.replace('_', ' ').title()}: {why}")
    return 0


def _console(args: argparse.Namespace, settings: Settings) -> int:
    if args.script is not None:
        try:
            lines = args.script.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            Console(stderr=True).print(f"can't read the script: {error}", highlight=False)
            return 2
        asyncio.run(run_script(lines, settings, print, echo=True))
        return 0
    with serving_process():
        asyncio.run(_repl(settings))
    return 0


async def run_script(
    lines: list[str],
    settings: Settings,
    write: Callable[[str], None],
    *,
    echo: bool,
    catalog: Catalog | None = None,
) -> None:
    """Feed `lines` to a console session; with `echo` each input line is printed as `> line`."""
    chat = ConsoleChat(write)
    clock = ConsoleClock()
    async with open_app(settings.database.url, chat=chat, clock=clock, catalog=catalog) as app:
        session = ConsoleSession(
            core=app.core,
            chat=chat,
            clock=clock,
            community=_community(settings),
            catch_up=app.timer.catch_up,
            settle=app.outbox.drain,
        )
        for line in lines:
            if echo and line.strip():
                write(f"> {line.strip()}")
            await session.handle(line)


async def _repl(settings: Settings) -> None:
    out = Console(highlight=False, markup=False)
    chat = ConsoleChat(out.print)
    clock = ConsoleClock()
    community = _community(settings)
    async with open_app(
        settings.database.url, chat=chat, clock=clock, grace=_grace(settings)
    ) as app:
        session = ConsoleSession(
            core=app.core,
            chat=chat,
            clock=clock,
            community=community,
            catch_up=app.timer.catch_up,
            settle=app.outbox.drain,
        )
        await app.timer.start()
        out.print(
            f"copbot console: community “{community.name}”, database {settings.database.url}\n"
            f"You are {community.user} in #{community.channel}. Try /help, act as someone else "
            "with `alice: /profile show`, press buttons with `[Label]`. Ctrl-D quits."
        )
        while True:
            try:
                line = await asyncio.to_thread(input, f"{community.user}> ")
            except (EOFError, KeyboardInterrupt):
                out.print()
                return
            await session.handle(line)


def _check_config(args: argparse.Namespace, settings: Settings) -> int:
    where = args.config or "defaults (no config.toml here)"
    adapters = settings.platforms() + (["console"] if settings.runs_console() else [])
    Console().print(
        f"[green]config OK[/] ({where}): database {settings.database.url}; "
        f"adapters: {', '.join(adapters)}",
        highlight=False,
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    async def upgrade() -> tuple[str | None, str]:
        database = open_database(settings.database.url)
        try:
            return await migrate(database)
        finally:
            await database.dispose()

    before, after = asyncio.run(upgrade())
    state = "already up to date" if before == after else f"upgraded from {before or 'empty'}"
    Console().print(f"database at revision {after}: {state}", highlight=False)
    return 0


def _erase_community(args: argparse.Namespace, settings: Settings) -> int:
    out = Console(highlight=False)
    if not args.yes:
        out.print(
            f"This erases everything copbot keeps of the {args.platform} community {args.id} "
            f"in {settings.database.url}, for good."
        )
        if input("Type the community's id again to confirm: ").strip() != args.id:
            out.print("Nothing was erased.")
            return 1
    community = CommunityKey(args.platform, args.id)
    if asyncio.run(erase_community(settings.database.url, community, clock=SystemClock())):
        out.print(f"Erased everything copbot kept of {args.platform} community {args.id}.")
        return 0
    out.print(f"copbot keeps nothing of {args.platform} community {args.id}: nothing to erase.")
    return 1


def _grace(settings: Settings) -> timedelta:
    return timedelta(hours=settings.prompts.grace_hours)


def _community(settings: Settings) -> ConsoleCommunity:
    console = settings.console
    return ConsoleCommunity(
        name=console.community,
        channel=console.channel,
        user=console.user,
        moderators=frozenset(console.moderators),
    )


if __name__ == "__main__":
    sys.exit(main())
