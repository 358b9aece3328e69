"""Why copbot can't start, in words: each error that opening the database or a platform can
raise, told in one or two lines that name the problem and what to do, instead of a
traceback. The one place that knows these errors; `copbot.cli` shows what it says."""

from __future__ import annotations

import sqlite3

from copbot.config import Settings
from storage.check import DatabaseUnusable, SchemaProblem, address, damaged


def startup_problem(error: BaseException, settings: Settings) -> str | None:
    """What went wrong, for whoever starts copbot; None for an error that is a bug (its
    traceback is the report)."""
    where = address(settings.database.url)
    for cause in _causes(error):
        if isinstance(cause, SchemaProblem | DatabaseUnusable):
            return str(cause)
        if isinstance(cause, sqlite3.Error) and (said := _sqlite(cause, where.target)):
            return said
        if where.backend == "postgresql" and (said := _postgres(cause, settings)):
            return said
    return _platform(error)


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and what it wraps (SQLAlchemy's `orig`, then each `__cause__`), outside in:
    the driver's own error is in there."""
    chain: list[BaseException] = []
    found: BaseException | None = error
    while found is not None and found not in chain:
        chain.append(found)
        orig = getattr(found, "orig", None)
        found = orig if isinstance(orig, BaseException) else found.__cause__ or found.__context__
    return chain


def _sqlite(error: sqlite3.Error, file: str) -> str | None:
    reason = str(error)
    if "unable to open database file" in reason:
        return (
            f"copbot can't open or create the SQLite file {file}. Check that it may read "
            "and write the file and its directory."
        )
    if "file is not a database" in reason:
        return (
            f"{file} isn't a SQLite database. Point database.url at copbot's database, or "
            "at a new file for a new one."
        )
    if "malformed" in reason or "corrupt" in reason:
        return str(damaged(file, reason))
    return None


def _postgres(error: BaseException, settings: Settings) -> str | None:
    database = settings.database.shown()
    if isinstance(error, OSError):  # refused, no such host, timed out
        return (
            f"copbot can't reach PostgreSQL at {database} ({error.strerror or error}). "
            "Check that it runs there and that database.url names it."
        )
    import asyncpg  # only once PostgreSQL said no

    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return f"PostgreSQL has no such database: {error}. Create it, e.g. with createdb."
    if isinstance(
        error, asyncpg.InvalidAuthorizationSpecificationError | asyncpg.InvalidPasswordError
    ):
        return (
            f"PostgreSQL refused copbot's login ({error}). Check the user and password in "
            "database.url."
        )
    if isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError):
        return f"PostgreSQL refused: {error}. Check database.url ({database})."
    return None


SLACK_REFUSALS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked"}


def _platform(error: BaseException) -> str | None:
    """A platform that refused copbot's credentials."""
    from discord import LoginFailure
    from slack_sdk.errors import SlackApiError

    if isinstance(error, LoginFailure):
        return (
            f"Discord refused the bot token ({error}). Copy it again from the Developer "
            "Portal (your application, Bot, Reset Token) into DISCORD_TOKEN."
        )
    if isinstance(error, SlackApiError) and (said := error.response.get("error")) in SLACK_REFUSALS:
        if error.response.api_url.endswith("apps.connections.open"):
            token = "SLACK_APP_TOKEN: the app-level token (Basic Information, App-Level Tokens)"
        else:
            token = "SLACK_BOT_TOKEN: the Bot User OAuth Token (OAuth & Permissions)"
        return f"Slack refused the token ({said}). Copy it again into {token}."
    return None
