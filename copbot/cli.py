"""`copbot`: run the bot, the console, migrations, config checks and on-demand erases.

Each verb imports what it needs when it runs (`copbot.serve`, `copbot.console`, storage,
the adapters): all of copbot takes over a second to import, and `copbot --help` or
`copbot check-config` answer at once (bench/startup.py holds them to it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from copbot.config import Settings

Verb = Callable[[argparse.Namespace, "Settings"], int]
MAX_SNOWFLAKE = 2**64 - 1  # Discord's ids are unsigned 64-bit numbers


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from copbot.config import ConfigError, load_settings
    from copbot.startup import startup_problem

    try:
        settings = load_settings(args.config, database_url=args.database)
    except ConfigError as error:
        tell(f"config error\n{error}")
        return 2
    verb: Verb = args.run
    try:
        return verb(args, settings)
    except Exception as error:
        problem = startup_problem(error, settings)
        if problem is None:
            raise
        tell(problem)
        return 1


def tell(text: str) -> None:
    """A line for whoever runs copbot, on stderr, as written (no markup: messages quote
    config such as `[console]`)."""
    print(text, file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copbot",
        description="copbot runs a community of practice in Discord, Slack or this terminal: "
        "mentor matching, weekly prompts and a shared library.",
    )
    parser.add_argument("--version", action="version", version=f"copbot {_version()}")
    parser.add_argument("--config", type=Path, help="config file (default: ./config.toml)")
    parser.add_argument("--database", help="database URL, overriding the config")
    parser.set_defaults(run=_run, script=None)
    verbs = parser.add_subparsers(title="commands", metavar="COMMAND")
    _verb(
        verbs,
        "run",
        "run every configured adapter (the default)",
        "Serve Discord and Slack, each when its tokens are set, from one process; the "
        "console when no platform is configured.",
        _run,
    )
    console = _verb(
        verbs,
        "console",
        "chat with copbot in this terminal",
        "The console: you, other members (`alice: /profile show`) and the clock "
        "(`@advance 1d`), on the configured database. Ctrl-D or Ctrl-C leaves it.",
        _console,
    )
    console.add_argument("--script", type=Path, help="run the lines of FILE and print every output")
    _verb(
        verbs,
        "check-config",
        "validate the config and try the database",
        "Check the config file and environment, then open the database and say whether "
        "its schema is current. Exits 2 on a config mistake, 1 on a database problem.",
        _check_config,
    )
    _verb(
        verbs,
        "migrate",
        "apply database migrations",
        "Bring the database's schema up to date (copbot also does this at every start).",
        _migrate,
    )
    erase = _verb(
        verbs,
        "erase-community",
        "erase everything copbot keeps of one community, now",
        "Erase every record of one Discord server, Slack workspace or console community "
        "at once (copbot does it by itself 7 days after it is removed). Asks for the id "
        "again unless --yes.",
        _erase_community,
    )
    erase.add_argument("platform", choices=("discord", "slack", "console"))
    erase.add_argument("id", help="the Discord server's id, the Slack team's (T...), a console's")
    erase.add_argument("--yes", action="store_true", help="erase without asking to confirm")
    _slack_verbs(verbs)
    _discord_verbs(verbs)
    return parser


def _verb(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    description: str,
    run: Verb,
) -> argparse.ArgumentParser:
    parser = verbs.add_parser(name, help=summary, description=description)
    parser.set_defaults(run=run)
    return parser


def _slack_verbs(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    slack = verbs.add_parser(
        "slack", help="Slack set-up", description="Setting copbot up on Slack."
    )
    slack.set_defaults(run=_usage(slack))
    commands = slack.add_subparsers(title="commands", metavar="COMMAND")
    printer = _verb(
        commands,
        "manifest",
        "print the Slack app manifest to paste",
        "Print the manifest to paste at api.slack.com/apps (Create New App, From a "
        "manifest): Socket Mode, or HTTP mode with --url; with [slack] install = true, the "
        "app installed by OAuth in many workspaces (its redirect URL, rotating tokens).",
        _slack_manifest,
    )
    printer.add_argument(
        "--url",
        type=_public_url,
        help="HTTP mode: the public https URL Slack reaches copbot at",
    )


def _discord_verbs(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    discord = verbs.add_parser(
        "discord", help="Discord set-up", description="Setting copbot up on Discord."
    )
    discord.set_defaults(run=_usage(discord))
    commands = discord.add_subparsers(title="commands", metavar="COMMAND")
    invite = _verb(
        commands,
        "invite-url",
        "print the URL that adds copbot to a server, with its permissions",
        "Print the URL that adds copbot to a Discord server, asking only for the "
        "permissions it uses (listed with why).",
        _invite_url,
    )
    invite.add_argument(
        "--application-id",
        type=_snowflake,
        help="the application's id (default: read from DISCORD_TOKEN)",
    )


def _usage(parser: argparse.ArgumentParser) -> Verb:
    def usage(args: argparse.Namespace, settings: Settings) -> int:
        parser.print_help(sys.stderr)
        return 2

    return usage


def _public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.query:
        raise argparse.ArgumentTypeError(
            f"{text!r} isn't a public https URL, such as https://copbot.example.org"
        )
    return text


def _snowflake(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= MAX_SNOWFLAKE:
        raise argparse.ArgumentTypeError(
            f"{text!r} isn't an application id: the Developer Portal shows it, a number "
            "such as 123456789012345678"
        )
    return int(text)


def _version() -> str:
    from importlib.metadata import version

    return version("copbot")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.platforms():
        from copbot.serve import serve

        return serve(settings)
    return _console(args, settings)


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from copbot.console import console

    return console(settings, args.script)


def _check_config(args: argparse.Namespace, settings: Settings) -> int:
    from copbot.config import config_file
    from storage.check import head_revision, look

    read = config_file(args.config)
    where = str(read) if read else "defaults: no config.toml here"
    adapters = settings.platforms() + (["console"] if settings.runs_console() else [])
    print(
        f"config OK ({where}): database {settings.database.shown()}; "
        f"adapters: {', '.join(adapters)}"
    )
    found = look(settings.database.url)
    head = head_revision()
    if not found.exists:
        state = "no file yet; copbot makes it at its first start"
    elif found.revision is None:
        state = f"empty; copbot creates the schema ({head}) at its first start"
    elif found.revision == head:
        state = f"schema at revision {head}, current"
    else:
        state = f"schema at revision {found.revision}; copbot upgrades it to {head} at start"
    print(f"database OK: {state}")
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from storage.database import open_database
    from storage.migrate import migrate

    async def upgrade() -> tuple[str | None, str]:
        database = open_database(settings.database.url)
        try:
            return await migrate(database)
        finally:
            await database.dispose()

    before, after = asyncio.run(upgrade())
    state = "already up to date" if before == after else f"upgraded from {before or 'empty'}"
    print(f"database at revision {after}: {state}")
    return 0


def _erase_community(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from bot.kernel.messages import CommunityKey
    from copbot.bootstrap import SystemClock, erase_community

    if not args.yes:
        print(
            f"This erases everything copbot keeps of the {args.platform} community {args.id} "
            f"in {settings.database.shown()}, for good."
        )
        if input("Type the community's id again to confirm: ").strip() != args.id:
            print("Nothing was erased.")
            return 1
    community = CommunityKey(args.platform, args.id)
    if asyncio.run(erase_community(settings.database.url, community, clock=SystemClock())):
        print(f"Erased everything copbot kept of {args.platform} community {args.id}.")
        return 0
    print(f"copbot keeps nothing of {args.platform} community {args.id}: nothing to erase.")
    return 1


def _slack_manifest(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from adapters.slack.manifest import manifest
    from bot.app import build_catalog

    install = settings.slack.install
    http = args.url is not None or settings.slack.mode == "http" or install
    url = args.url or settings.slack.public_url or ("https://copbot.example.org" if http else None)
    found = manifest(build_catalog(), socket_mode=not http, public_url=url, install=install)
    print(json.dumps(found, indent=2, ensure_ascii=False))  # the output is the manifest
    return 0


def _invite_url(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.discord.invite import PERMISSIONS, application_id_of, invite_url

    application_id = args.application_id
    if application_id is None and settings.discord.token is not None:
        application_id = application_id_of(settings.discord.token.get_secret_value())
    if application_id is None:
        tell("give --application-id (the Developer Portal shows it) or set DISCORD_TOKEN")
        return 2
    print(invite_url(application_id))
    print("\nPermissions it asks for:")
    for permission, why in PERMISSIONS.items():
        print(f"  {permission.replace('_', ' ').title()}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
