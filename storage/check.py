"""What copbot can tell about a database before it uses it: what a database URL names, the
schema revision this copbot expects, what is wrong with a schema it can't use, and a quick
look at a database's revision for `copbot check-config`.

Nothing here imports SQLAlchemy or Alembic (they take most of a second to import) but the
drivers themselves, so that `copbot check-config` answers at once; what the drivers raise
is for the caller to explain (copbot/startup.py).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

VERSIONS = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"
FIRST_TABLE = "communities"  # migration 0001 makes it: a database that has it is copbot's
_URL = re.compile(r"^(?P<backend>[a-z]+)(?:\+\w+)?://(?P<rest>.*)$", re.DOTALL)


class DatabaseUnusable(Exception):
    """copbot can't use this database as it is; the message names the file and what to do."""


class DatabaseInUse(DatabaseUnusable):
    """Another copbot process has this SQLite file: several processes belong on PostgreSQL."""


def check_writable(path: Path) -> None:
    """SQLite opens a file it may not write read-only (and then fails every write), and a
    read-only `-shm` file can kill the process with SIGBUS: refuse at start instead (and
    say so at `check-config`)."""
    if not path.parent.is_dir():
        raise DatabaseUnusable(
            f"There's no directory {path.parent} for the SQLite file {path}. Create it, "
            "or set database.url to a file in a directory that exists."
        )
    for name in (path.parent, path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        if name.exists() and not os.access(name, os.W_OK):
            raise DatabaseUnusable(
                f"copbot can't write {name}: give the user copbot runs as write access to "
                "it (and its directory), or use a copy it may write"
            )


class SchemaProblem(Exception):
    """The database's schema is one this copbot can't upgrade or use; the message says what
    is wrong and what to do, for whoever starts copbot."""


def revisions() -> set[str]:
    """The migrations' revisions: they are numbered 0001, 0002, ... (a test checks this
    against Alembic's own reading of them)."""
    return {p.name[:4] for p in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py")}


def head_revision() -> str:
    return max(revisions())


def too_new(revision: str) -> SchemaProblem:
    return SchemaProblem(
        f"The database's schema is at revision {revision}, which this copbot (at "
        f"{head_revision()}) doesn't know: a newer copbot upgraded it. Run that version, "
        "or restore a backup taken before the upgrade."
    )


def unversioned() -> SchemaProblem:
    return SchemaProblem(
        f"The database has copbot's tables but no record of their schema revision (the "
        f"{VERSION_TABLE} table is gone), so copbot can't tell how to upgrade it. Restore "
        "it from a backup, or start on a new database."
    )


def differs(what: str) -> SchemaProblem:
    return SchemaProblem(
        f"The database's schema isn't revision {head_revision()}'s: {what}. It was changed "
        "outside copbot's migrations; restore it from a backup."
    )


def damaged(path: str, detail: str) -> SchemaProblem:
    return SchemaProblem(
        f"The SQLite file {path} is damaged ({detail}). Restore it from a backup; "
        f"`sqlite3 {path} .recover` may save what it holds."
    )


def check_integrity(file: str, quick_check: list[str]) -> None:
    """What SQLite's `PRAGMA quick_check` answered: ["ok"], or the damage it found."""
    if quick_check != ["ok"]:
        raise damaged(file, quick_check[0])


@dataclass(frozen=True)
class Address:
    """A database URL as its driver takes it."""

    backend: Literal["sqlite", "postgresql"]
    target: str  # SQLite: the file; PostgreSQL: the DSN for asyncpg


def address(url: str) -> Address:
    """`sqlite:///FILE` (four slashes for an absolute path) or `postgresql://USER@HOST/DB`,
    read as SQLAlchemy reads them; a ValueError says what is wrong."""
    match = _URL.match(url)
    backend, rest = (match["backend"], match["rest"]) if match else ("", "")
    if backend == "sqlite":
        file = rest.removeprefix("/").partition("?")[0]
        if not rest.startswith("/") or file in ("", ":memory:"):
            raise ValueError("copbot needs a SQLite file, such as sqlite:///copbot.db")
        return Address("sqlite", file)
    if backend in ("postgresql", "postgres"):
        return Address("postgresql", f"postgresql://{rest}")
    if match is None:
        raise ValueError("not a database URL, e.g. sqlite:///copbot.db")
    raise ValueError("use sqlite:///FILE or postgresql://USER@HOST/DATABASE")


@dataclass(frozen=True)
class Found:
    """What a database holds: its schema revision, None for no copbot schema yet."""

    revision: str | None
    exists: bool = True  # SQLite: the file is there (copbot makes it at its first start)


def look(url: str) -> Found:
    """The database's schema revision, checked: a SchemaProblem when copbot can't use it."""
    where = address(url)
    if where.backend == "sqlite":
        found = _sqlite(where.target)
    else:
        import asyncio  # only for PostgreSQL's driver

        found = asyncio.run(_postgres(where))
    if found.revision is not None and found.revision not in revisions():
        raise too_new(found.revision)
    return found


def _sqlite(file: str) -> Found:
    path = Path(file)
    check_writable(path)
    if not path.exists():
        return Found(None, exists=False)
    # Read-only, so a look never makes a file.
    connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        check_integrity(file, [row[0] for row in connection.execute("PRAGMA quick_check")])
        versions = (
            [row[0] for row in connection.execute(f"SELECT version_num FROM {VERSION_TABLE}")]
            if VERSION_TABLE in tables
            else []
        )
    finally:
        connection.close()
    return Found(_revision(tables, versions))


async def _postgres(where: Address) -> Found:
    import asyncpg  # only for PostgreSQL

    connection = await asyncpg.connect(where.target, timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        tables = {row[0] for row in rows}
        versions = (
            [row[0] for row in await connection.fetch(f"SELECT version_num FROM {VERSION_TABLE}")]
            if VERSION_TABLE in tables
            else []
        )
    finally:
        await connection.close()
    return Found(_revision(tables, versions))


def _revision(tables: set[str], versions: list[str]) -> str | None:
    if not versions and FIRST_TABLE in tables:
        raise unversioned()
    return str(versions[0]) if versions else None
