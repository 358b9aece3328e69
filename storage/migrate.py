"""Alembic migrations, run at start-up and by `copbot migrate`, on a database checked before
and after: a damaged SQLite file, a schema copbot can't upgrade (newer, or without its
revision) or one changed by hand is refused with what to do (`storage.check.SchemaProblem`)
instead of failing later, command by command."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, text

from storage.check import FIRST_TABLE, check_integrity, differs, too_new, unversioned
from storage.database import Database
from storage.schema import metadata

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
    else:  # a damaged file would otherwise fail whichever command reads the broken page
        pages = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check")]
        check_integrity(str(connection.engine.url.database), pages)
    before = MigrationContext.configure(connection).get_current_revision()
    config = _config(connection)
    scripts = ScriptDirectory.from_config(config)
    _check_upgradable(connection, scripts, before)
    command.upgrade(config, "head")
    head = scripts.get_current_head()
    assert head is not None
    _check_matches(connection)
    return before, head


def _check_upgradable(connection: Connection, scripts: ScriptDirectory, before: str | None) -> None:
    if before is None:
        if inspect(connection).has_table(FIRST_TABLE):
            raise unversioned()
        return
    try:
        scripts.get_revision(before)
    except CommandError:
        raise too_new(before) from None


def _check_matches(connection: Connection) -> None:
    """Every table and column of the schema is there (a column dropped by hand would
    otherwise fail every command that reads it)."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in present:
            raise differs(f"there is no table {table.name}")
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        missing = [c.name for c in table.columns if c.name not in columns]
        if missing:
            raise differs(f"the table {table.name} has no column {missing[0]}")
