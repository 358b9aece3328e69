"""One process per SQLite file, and a file copbot can't write refused at start (not
after it started, and never by a SIGBUS)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.check import DatabaseInUse, DatabaseUnusable
from storage.store import open_store
from tests.fakes import ManualClock


def sh(*command: str) -> subprocess.CompletedProcess[str]:
    """A command, as an operator would type it (blocking: the test waits for it)."""
    return subprocess.run(command, capture_output=True, text=True, check=False)


def copbot(url: str, *words: str) -> tuple[int, str]:
    """`copbot --database URL words...` as its own process: its exit code and stderr."""
    done = sh(sys.executable, "-m", "copbot", "--database", url, *words)
    return done.returncode, " ".join(done.stderr.split())


async def test_a_second_process_on_one_sqlite_file_refuses_to_start(sqlite_url: str) -> None:
    store = await open_store(sqlite_url, clock=ManualClock())
    holder = rf"in use by another copbot \(process {os.getpid()}"
    try:
        with pytest.raises(DatabaseInUse, match=holder):
            await open_store(sqlite_url, clock=ManualClock())
        code, told = copbot(sqlite_url, "migrate")  # a real second process
        database = sqlite_url.removeprefix("sqlite:///")
        assert code == 1
        assert f"{database} is in use by another copbot (process {os.getpid()}" in told
    finally:
        await store.close()
    again = await open_store(sqlite_url, clock=ManualClock())  # free once the first stopped
    await again.close()


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """A small filesystem of the test's own, so it can be made read-only as a whole or file
    by file (copbot runs as root here, for whom permissions don't stop a write)."""
    where = tmp_path / "fs"
    where.mkdir()
    if sh("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)).returncode:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    try:
        yield where
    finally:
        assert sh("umount", "-R", str(where)).returncode == 0


async def test_a_read_only_database_refuses_to_start(mounted: Path) -> None:
    url = f"sqlite:///{mounted / 'copbot.db'}"
    await (await open_store(url, clock=ManualClock())).close()
    assert sh("mount", "-o", "remount,ro", str(mounted)).returncode == 0
    with pytest.raises(DatabaseUnusable, match="can't write"):
        await open_store(url, clock=ManualClock())
    code, told = copbot(url, "migrate")
    assert code == 1 and f"copbot can't write {mounted}" in told and "Traceback" not in told


async def test_an_unwritable_shm_file_refuses_to_start_instead_of_crashing(
    mounted: Path,
) -> None:
    database = mounted / "copbot.db"
    await (await open_store(f"sqlite:///{database}", clock=ManualClock())).close()
    shm = mounted / "copbot.db-shm"
    shm.write_bytes(b"")  # left behind by a process that died
    assert sh("mount", "--bind", str(shm), str(shm)).returncode == 0
    assert sh("mount", "-o", "remount,ro,bind", str(shm)).returncode == 0
    with pytest.raises(DatabaseUnusable, match=f"can't write {shm}"):
        await open_store(f"sqlite:///{database}", clock=ManualClock())


async def test_a_directory_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnusable, match="no directory"):
        await open_store(f"sqlite:///{tmp_path / 'nowhere' / 'copbot.db'}", clock=ManualClock())
