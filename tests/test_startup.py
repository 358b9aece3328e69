"""Starting copbot on a database or with a token it can't use: one or two lines that name the
problem and what to do, never a traceback; `check-config` tries the database too."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from copbot.cli import main
from storage.check import head_revision, revisions
from storage.migrate import MIGRATIONS
from tests.conftest import POSTGRES_URL


def migrated(tmp_path: Path, name: str = "copbot.db") -> Path:
    path = tmp_path / name
    assert main(["--database", f"sqlite:///{path}", "migrate"]) == 0
    return path


def execute(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(statement)


def too_new(path: Path) -> None:
    execute(path, "UPDATE alembic_version SET version_num = '0099'")


def unversioned(path: Path) -> None:
    execute(path, "DROP TABLE alembic_version")


def dropped_column(path: Path) -> None:
    execute(path, "ALTER TABLE members DROP COLUMN bio")


def corrupted_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[3 * 4096 : 4 * 4096] = b"\xab" * 4096  # the fourth page: a table's, not the schema's
    path.write_bytes(bytes(data))


def not_a_database(path: Path) -> None:
    path.write_text("my notes, not a database\n")


BROKEN: list[tuple[Callable[[Path], None], str]] = [
    (too_new, "revision 0099, which this copbot (at 00"),
    (unversioned, "no record of their schema revision"),
    (dropped_column, "the table members has no column bio"),
    (corrupted_page, "is damaged"),
    (not_a_database, "isn't a SQLite database"),
]


def told(capsys: pytest.CaptureFixture[str]) -> str:
    """What copbot printed to stderr, checked to be one or two plain lines."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert 1 <= len(err.strip().splitlines()) <= 2, err
    return err


@pytest.mark.parametrize(("damage", "said"), BROKEN, ids=[b[0].__name__ for b in BROKEN])
def test_a_database_copbot_cant_use_is_named_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Callable[[Path], None], said: str
) -> None:
    path = migrated(tmp_path)
    damage(path)
    script = tmp_path / "lines.txt"
    script.write_text("/profile set bio:hello\n")
    capsys.readouterr()
    assert main(["--database", f"sqlite:///{path}", "console", "--script", str(script)]) == 1
    assert said in told(capsys)


@pytest.mark.parametrize(
    ("damage", "said"),
    [b for b in BROKEN if b[0] is not dropped_column],  # a dropped column is found at start
    ids=[b[0].__name__ for b in BROKEN if b[0] is not dropped_column],
)
def test_check_config_tries_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Callable[[Path], None], said: str
) -> None:
    path = migrated(tmp_path)
    capsys.readouterr()
    assert main(["--database", f"sqlite:///{path}", "check-config"]) == 0
    assert f"schema at revision {head_revision()}, current" in capsys.readouterr().out
    damage(path)
    assert main(["--database", f"sqlite:///{path}", "check-config"]) == 1
    assert said in told(capsys)


def test_a_directory_that_does_not_exist_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = ["--database", f"sqlite:///{tmp_path / 'nowhere' / 'copbot.db'}"]
    assert main([*database, "migrate"]) == 1
    assert f"There's no directory {tmp_path / 'nowhere'}" in told(capsys)
    assert main([*database, "check-config"]) == 1
    assert "There's no directory" in told(capsys)
    assert main(["--database", f"sqlite:///{tmp_path / 'new.db'}", "check-config"]) == 0
    assert "no file yet" in capsys.readouterr().out
    assert not (tmp_path / "new.db").exists()  # a look makes no file


def test_an_unreachable_postgresql_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    database = ["--database", "postgresql://copbot@127.0.0.1:1/copbot"]  # nobody listens on 1
    assert main([*database, "migrate"]) == 1
    assert "copbot can't reach PostgreSQL at postgresql://copbot@127.0.0.1:1/copbot" in told(capsys)
    assert main([*database, "check-config"]) == 1
    assert "can't reach PostgreSQL" in told(capsys)


@pytest.mark.postgres
async def test_postgresql_refusals_are_named(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server = POSTGRES_URL.rsplit("/", 1)[0]
    for url, said in [
        (f"{server}/copbot_no_such_database", "PostgreSQL has no such database"),
        (
            POSTGRES_URL.replace("postgres@", "copbot_nobody:secret@"),
            "PostgreSQL refused copbot's login",
        ),
    ]:
        assert await asyncio.to_thread(main, ["--database", url, "check-config"]) == 1
        shown = told(capsys)
        assert said in shown and "secret" not in shown
        assert await asyncio.to_thread(main, ["--database", url, "migrate"]) == 1
        assert said in told(capsys)
    assert await asyncio.to_thread(main, ["--database", postgres_url, "check-config"]) == 0
    assert "empty; copbot creates the schema" in capsys.readouterr().out


def test_the_migrations_are_numbered_as_check_reads_them() -> None:
    """`storage.check` reads revisions from the file names, without Alembic: the same ones."""
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert revisions() == {s.revision for s in scripts.walk_revisions()}
    assert head_revision() == scripts.get_current_head()
