"""Alembic migrations, run at start-up and by `copbot migrate`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x636F70626F74  # "copbot": one migrator at a time on a shared PostgreSQL


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(database: Database) -> tuple[str | None, str]:
    """Upgrade to the newest revision; returns (revision before, revision after)."""
    return await database.run_sync(_upgrade)


def _upgrade(connection: Connection) -> tuple[str | None, str]:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    before = MigrationContext.configure(connection).get_current_revision()
    config = _config(connection)
    command.upgrade(config, "head")
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return before, head
