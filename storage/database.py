"""The two databases copbot runs on, behind one small async interface.

PostgreSQL goes through SQLAlchemy's asyncio engine (asyncpg, pooled). SQLite runs
SQLAlchemy's synchronous sqlite3 driver on one dedicated thread, so every statement is one
hop to that thread and back; SQLAlchemy's aiosqlite adapter takes four (cursor, execute,
fetch, close), which made a profile command three times slower (see bench/commands.py).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncpg
import sqlalchemy
from sqlalchemy import Connection, Executable, Select, TextClause, event
from sqlalchemy import exc as database_errors
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.kernel.ports import Conflict, DatabaseBusy, WritesNeeded
from storage.check import DatabaseInUse, check_writable
from storage.lane import Lane

log = logging.getLogger(__name__)
T = TypeVar("T")
Parameters = dict[str, Any] | Sequence[dict[str, Any]] | None
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
SQLITE_CACHE_KIB = 32 * 1024  # per connection
SQLITE_READERS = 3  # reading connections (`_Readers`): a slow read holds up no page's
STATEMENT_TIMEOUT = 2.0  # seconds: a command answers within Discord's and Slack's 3
# PostgreSQL connections per process, all kept once opened: an overflow connection is
# closed as it comes back, and under a steady load reopened at the next burst (a new
# server process and a TLS offer each time, measured at 7-9% of a busy Discord process).
POOL_SIZE, MAX_OVERFLOW = 15, 0
SNAPSHOT_TIMEOUT = 120.0  # a long read (a matching round's input) may take longer


@dataclass(frozen=True)
class Fetched:
    """A statement's rows, already read, and how many rows it changed."""

    rows: Sequence[Any]  # Row objects: tuples with named columns
    rowcount: int

    def all(self) -> Sequence[Any]:
        return self.rows

    def scalars(self) -> list[Any]:
        return [row[0] for row in self.rows]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


@dataclass(frozen=True)
class PoolUse:
    """How many of the database's connections are taken right now, of how many."""

    in_use: int
    size: int


class Db(Protocol):
    """One transaction's connection."""

    dialect: str
    changed: bool  # a statement other than a read has run

    @property
    def started(self) -> bool:
        """A statement has run: the transaction holds the database."""
        ...

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Fetched: ...

    def later(self, statement: Executable, parameters: Parameters = None) -> None:
        """A write whose result nobody needs: it runs, in order, with the next statement
        or the commit (on SQLite in the same hop to the database thread). Its error, if
        any, comes from that statement or the commit."""
        ...

    async def scalar(self, statement: Executable, parameters: Parameters = None) -> Any: ...

    async def commit(self) -> None: ...


class Database(Protocol):
    dialect: str

    def transaction(self) -> AbstractAsyncContextManager[Db]:
        """Rolls back on leaving unless committed."""
        ...

    def reading(self) -> AbstractAsyncContextManager[Db]:
        """Reads of what is committed, beside the writers; `WritesNeeded` at a write."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[Db]:
        """A consistent, read-only view that writers don't wait for: for long reads."""
        ...

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        """`work` on a synchronous connection in one committed transaction (migrations)."""
        ...

    async def dispose(self) -> None: ...

    def pool_use(self) -> PoolUse: ...

    async def scrub(self, tables: Collection[str]) -> None:
        """Remove from disk, as far as the engine can, what was deleted from `tables`
        (after an erase): the README's privacy policy says how far that is."""
        ...


def open_database(url: str) -> Database:
    """`sqlite:///path` or `postgresql://...`; the driver is chosen here."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("copbot needs a SQLite file, not an in-memory database")
        path = Path(parsed.database)
        check_writable(path)
        return SqliteDatabase(
            parsed.set(drivername="sqlite+pysqlite").render_as_string(False), _ProcessLock(path)
        )
    if backend == "postgresql":
        return PostgresDatabase(parsed.set(drivername="postgresql+asyncpg").render_as_string(False))
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


def _fetched(result: sqlalchemy.CursorResult[Any]) -> Fetched:
    return Fetched(result.all() if result.returns_rows else [], result.rowcount)


@contextmanager
def _translated() -> Iterator[None]:
    """The driver's errors that mean something to the core, as the core's: a unique key
    another unit of work took first (`Conflict`), a database another process holds
    (`DatabaseBusy`). Others stay what they are."""
    try:
        yield
    except database_errors.IntegrityError as error:
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if code == "23505" or str(error.orig).startswith("UNIQUE constraint failed"):
            raise Conflict(str(error.orig)) from error
        raise
    except database_errors.OperationalError as error:
        if "database is locked" in str(error.orig):
            raise DatabaseBusy("another process holds the database") from error
        raise


class SqliteDatabase:
    """One writing connection on one thread, in WAL mode, a few for reads, one for snapshots.

    Units of work take turns on an asyncio lock (waiting without blocking the event loop)
    rather than in SQLite's busy handler, which sleeps; a unit of work takes the lock with
    its first statement, so one that plans first (a matching round) doesn't hold up the
    others meanwhile. It reads in autocommit and opens its write transaction (`BEGIN
    IMMEDIATE`, so another process waits for the busy timeout instead of failing on a
    stale snapshot) with its first write: nothing else in this process can write in
    between, since it holds the lock to the end, and a read-only command costs one hop.
    (The capabilities rely on that: a read-modify-write such as counting a prompt's
    answers is safe from the first read.) Writes whose result nobody needs (`Db.later`)
    ride along with the next statement or the commit: one hop, not one each. Snapshots
    read in a transaction of their own on a connection of their own, which WAL lets run
    beside the writer. More than one process belongs on PostgreSQL.
    """

    dialect = "sqlite"

    def __init__(self, url: str, lock: _ProcessLock) -> None:
        self._process_lock = lock
        self._writer = _Connection(url, "copbot-sqlite")
        self._reads = _Readers(url, SQLITE_READERS)
        self._reader = _Connection(url, "copbot-sqlite-snapshot", read_only=True)
        self._lock = asyncio.Lock()
        self._reading = asyncio.Lock()

    async def call(self, work: Callable[[Connection], T]) -> T:
        """Run `work` on the writer's thread: one hop."""
        return await self._writer.call(work)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        db = _ThreadDb(self, self._lock)
        try:
            yield db
        finally:
            await db.close()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Db]:
        """On the reading connections, each read in autocommit: no lock, no transaction,
        so no writer waits for it and it waits for none."""
        yield _ReadingDb(self._reads)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Db]:
        async with self._reading:
            await self._reader.call(lambda c: c.exec_driver_sql("BEGIN"))
            try:
                yield _SnapshotDb(self._reader)
            finally:
                await self._reader.call(lambda c: c.rollback())

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        """With foreign keys off, as SQLite's way to change a table requires (a migration
        rebuilds it: a new table, the rows copied, the old one dropped); they are checked
        before the commit instead."""

        def committed(connection: Connection) -> T:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")  # only outside a transaction
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    done = work(connection)
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"rows that reference nothing: {broken[:5]}")
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
                return done
            finally:
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()  # nothing to commit: it ends SQLAlchemy's transaction

        async with self._lock:
            return await self.call(committed)

    def pool_use(self) -> PoolUse:
        """The writer and the snapshot connection, each taken while its lock is held (the
        reading connection takes no lock: it is never waited for)."""
        return PoolUse(int(self._lock.locked()) + int(self._reading.locked()), 2)

    async def dispose(self) -> None:
        async with self._lock, self._reading:
            await self._writer.close()
            await self._reads.close()
            await self._reader.close()
        self._process_lock.release()

    async def scrub(self, tables: Collection[str]) -> None:
        """`secure_delete` (on for every connection) zeroed deleted rows in their pages as
        they went, but the -wal still holds the pages as they were, and an FTS5 index keeps
        deleted words in its older segments behind delete markers. So an FTS5 table among
        `tables` is optimized (its index rewritten as one segment, without them), then a
        TRUNCATE checkpoint copies the current pages into the main file and empties the
        -wal. A reader in another process can make the checkpoint give up: logged, and the
        next scrub (the privacy runner's daily one at the latest) does it."""
        async with self._lock, self._reading:
            busy = await self.call(lambda c: _scrub_sqlite(c, tables))
        if busy:
            log.warning("a reader kept the WAL checkpoint from finishing; the next scrub retries")


class _ProcessLock:
    """One process per SQLite file, held while it is open (an `flock` on `<file>.lock`,
    which the system drops when the process ends, however it ends). The lock file says who
    holds it."""

    def __init__(self, database: Path) -> None:
        self._path = database.with_name(database.name + ".lock")
        self._fd: int | None = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 200, 0).decode(errors="replace").strip()
            os.close(self._fd)
            raise DatabaseInUse(
                f"{database} is in use by another copbot ({holder or 'unknown process'}). "
                "Stop that one first; several processes belong on PostgreSQL."
            ) from None
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(self._fd, 0)
        os.pwrite(
            self._fd,
            f"process {os.getpid()} on {socket.gethostname()}, since {started}".encode(),
            0,
        )

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # and with it the lock
            self._fd = None


class _Readers:
    """Reading connections, each on its own thread: a read goes to the one with the fewest
    reads in flight. One connection made every read wait for every other's, so a page's
    cheap reads queued behind a slow report's; SQLite reads in parallel under WAL, and
    its driver lets go of the GIL while a statement runs."""

    def __init__(self, url: str, count: int) -> None:
        self._connections = [
            _Connection(url, f"copbot-sqlite-reads-{n}", read_only=True) for n in range(count)
        ]
        self._in_flight = [0] * count

    async def call(self, work: Callable[[Connection], T]) -> T:
        chosen = min(range(len(self._connections)), key=self._in_flight.__getitem__)
        self._in_flight[chosen] += 1
        try:
            return await self._connections[chosen].call(work)
        finally:
            self._in_flight[chosen] -= 1

    async def close(self) -> None:
        for connection in self._connections:
            await connection.close()


class _Connection:
    """A SQLite connection that lives on a thread of its own, made on first use."""

    def __init__(self, url: str, name: str, *, read_only: bool = False) -> None:
        self._engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.StaticPool)
        event.listen(self._engine, "connect", _configure_sqlite)
        if read_only:
            event.listen(self._engine, "connect", _read_only)
        self._lane = Lane(name)
        self._connection: Connection | None = None
        self._closed = False

    async def call(self, work: Callable[[Connection], T]) -> T:
        return await self._lane.call(lambda: self._on_thread(work))

    def _on_thread(self, work: Callable[[Connection], T]) -> T:
        if self._closed:
            raise RuntimeError("the database is closed")
        if self._connection is None:
            self._connection = self._engine.connect()
        return work(self._connection)

    async def close(self) -> None:
        """On its thread, after whatever was asked of it before: a read still in flight
        (reads hold no lock) finishes first, and none starts after."""
        await self._lane.call(self._close_on_thread)
        await self._lane.stop()

    def _close_on_thread(self) -> None:
        self._closed = True
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._engine.dispose()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver never BEGINs by itself; we do
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    # Deleted content is overwritten with zeros, not left in free space: an erase holds.
    cursor.execute("PRAGMA secure_delete = ON")
    # Pages read through a memory map and a larger page cache: a scan over a large table
    # (the health report's 90 days of actions) no longer copies every page through a 2 MB
    # cache.
    cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    cursor.close()


def _reads_only(statement: Executable) -> bool:
    if isinstance(statement, Select):
        return True
    return isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() in (
        "SELECT",
        "WITH C",
    )


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


class _ThreadDb:
    dialect = "sqlite"

    def __init__(self, database: SqliteDatabase, lock: asyncio.Lock) -> None:
        self._database = database
        self._lock = lock
        self._holding = False  # the lock: from the first statement to the end
        self.writing = False  # its write transaction is open
        self.changed = False
        self._later: list[tuple[Executable, Parameters]] = []

    @property
    def started(self) -> bool:
        return self._holding

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Fetched:
        if not self._holding:
            await self._lock.acquire()
            self._holding = True
        with _translated():
            if not (self.writing or self._later) and _reads_only(statement):
                return await self._database.call(lambda c: _autocommitted(c, statement, parameters))
            return await self._write([*self._taken(), (statement, parameters)], commit=False)

    def later(self, statement: Executable, parameters: Parameters = None) -> None:
        self.changed = True
        self._later.append((statement, parameters))

    async def scalar(self, statement: Executable, parameters: Parameters = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    async def commit(self) -> None:
        if self.writing or self._later:
            with _translated():
                await self._write(self._taken(), commit=True)
            self.writing = False

    def _taken(self) -> list[tuple[Executable, Parameters]]:
        taken, self._later = self._later, []
        return taken

    async def _write(
        self, statements: list[tuple[Executable, Parameters]], *, commit: bool
    ) -> Fetched:
        """`statements` in one hop to the writer, the write transaction opened first if
        this is the unit of work's first write."""
        begin = not self.writing
        if not self._holding:  # a commit with only `later` writes
            await self._lock.acquire()
            self._holding = True
        self.writing = self.changed = True
        return await self._database.call(lambda c: _in_order(c, begin, statements, commit))

    async def close(self) -> None:
        """Roll back what wasn't committed and let the next unit of work in."""
        try:
            if self.writing:
                await self._database.call(lambda c: c.rollback())
        finally:
            if self._holding:
                self._lock.release()


class _ReadingDb:
    dialect = "sqlite"
    changed = False
    started = False  # it holds up no writer

    def __init__(self, connection: _Readers) -> None:
        self._connection = connection

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Fetched:
        if not _reads_only(statement):
            raise WritesNeeded()
        with _translated():
            return await self._connection.call(lambda c: _autocommitted(c, statement, parameters))

    def later(self, statement: Executable, parameters: Parameters = None) -> None:
        raise WritesNeeded()

    async def scalar(self, statement: Executable, parameters: Parameters = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    async def commit(self) -> None:
        pass  # it wrote nothing


class _SnapshotDb:
    dialect = "sqlite"
    changed = False
    started = False  # a snapshot holds up no writer

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Fetched:
        return await self._connection.call(lambda c: _fetched(c.execute(statement, parameters)))

    def later(self, statement: Executable, parameters: Parameters = None) -> None:
        raise RuntimeError("a snapshot is read-only")

    async def scalar(self, statement: Executable, parameters: Parameters = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    async def commit(self) -> None:
        raise RuntimeError("a snapshot is read-only")


def _autocommitted(
    connection: Connection, statement: Executable, parameters: Parameters
) -> Fetched:
    fetched = _fetched(connection.execute(statement, parameters))
    connection.commit()  # ends SQLAlchemy's bookkeeping; SQLite had no transaction open
    return fetched


def _in_order(
    connection: Connection,
    begin: bool,
    statements: Sequence[tuple[Executable, Parameters]],
    commit: bool,
) -> Fetched:
    """On the writer's thread: the last statement's rows."""
    if begin:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    fetched = Fetched([], 0)
    for statement, parameters in statements:
        fetched = _fetched(connection.execute(statement, parameters))
    if commit:
        connection.commit()
    return fetched


def _scrub_sqlite(connection: Connection, tables: Collection[str]) -> bool:
    """`SqliteDatabase.scrub` on its thread; True when the checkpoint was kept from finishing."""
    fts5 = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '% USING fts5(%'"
    ).scalars()
    indexes = sorted(set(fts5) & set(tables))
    connection.commit()
    for name in indexes:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.exec_driver_sql(f'INSERT INTO "{name}"("{name}") VALUES (\'optimize\')')
        connection.commit()
    busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
    connection.commit()
    return bool(busy)


class PostgresDatabase:
    """Pooled asyncpg connections. Every wait on the server is bounded: a server that
    stalls (frozen, a network that drops packets) costs a command `STATEMENT_TIMEOUT` and a
    `DatabaseBusy`, never a hang; the connection it was on is dropped at once, not reused.
    (The pool's own pre-ping isn't used: on a silent server it waits a further 2 s for a
    polite close, past the platforms' 3 s.)"""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self._engine = create_async_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
            pool_timeout=STATEMENT_TIMEOUT,
            connect_args={"timeout": STATEMENT_TIMEOUT},
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        async with self._connected(STATEMENT_TIMEOUT) as connection:
            yield _AsyncDb(connection, STATEMENT_TIMEOUT)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Db]:
        """READ COMMITTED reads beside writers already; a write raises as on SQLite."""
        async with self._connected(STATEMENT_TIMEOUT) as connection:
            yield _AsyncDb(connection, STATEMENT_TIMEOUT, reading=True)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Db]:
        async with self._connected(SNAPSHOT_TIMEOUT) as connection:
            await connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            yield _AsyncDb(connection, SNAPSHOT_TIMEOUT)

    @asynccontextmanager
    async def _connected(self, seconds: float) -> AsyncIterator[AsyncConnection]:
        connection = await self._answering(seconds)
        try:
            yield connection
        finally:
            await _closed(connection, seconds)

    async def _answering(self, seconds: float) -> AsyncConnection:
        """A pooled connection that answers a ping within `seconds`; one the server dropped
        (it restarted) is replaced once."""
        for retry in (False, True):
            connection = self._engine.connect()
            try:
                async with asyncio.timeout(seconds):
                    await connection.start()
                    await _driver(connection).fetchval("SELECT 1")
                return connection
            except TimeoutError as error:
                await _dropped(connection)
                raise DatabaseBusy("the database didn't answer") from error
            except (
                OSError,
                database_errors.DBAPIError,
                asyncpg.InterfaceError,
                asyncpg.PostgresError,
            ) as error:
                await _dropped(connection)
                if retry:
                    raise DatabaseBusy("the database can't be reached") from error
        raise AssertionError("unreachable")

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        async with self._engine.begin() as connection:
            return await connection.run_sync(work)

    async def dispose(self) -> None:
        await self._engine.dispose()

    def pool_use(self) -> PoolUse:
        pool = self._engine.pool
        return PoolUse(pool.checkedout(), POOL_SIZE + MAX_OVERFLOW)  # type: ignore[attr-defined]

    async def scrub(self, tables: Collection[str]) -> None:
        """VACUUM the tables right away: it frees the dead row versions an erase left in the
        heap and their index entries (INDEX_CLEANUP ON: PostgreSQL may otherwise skip the
        indexes when few rows died). It can't remove versions a transaction still open
        may see, nor one of a table another vacuum is busy with (SKIP_LOCKED): the privacy
        runner's daily scrub catches those. Freed space isn't zeroed until reused, and the
        WAL keeps what was written until its segments are recycled (see the README)."""
        async with self._engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            found = await autocommit.execute(
                sqlalchemy.text(
                    "SELECT tablename FROM pg_tables "
                    "WHERE schemaname = current_schema() AND tablename = ANY(:names)"
                ),
                {"names": list(tables)},
            )
            quote = autocommit.dialect.identifier_preparer.quote
            names = ", ".join(quote(name) for name in sorted(found.scalars()))
            if names:
                await autocommit.exec_driver_sql(f"VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON) {names}")


async def _closed(connection: AsyncConnection, seconds: float) -> None:
    """Back to the pool (rolling back what wasn't committed), or dropped when the server
    doesn't answer even that."""
    try:
        async with asyncio.timeout(seconds):
            await connection.close()
    except TimeoutError:
        await _dropped(connection)


def _driver(connection: AsyncConnection) -> Any:
    """The asyncpg connection under a started SQLAlchemy one."""
    return connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]


async def _dropped(connection: AsyncConnection) -> None:
    """Out of the pool at once: the socket is closed first, so invalidating doesn't wait
    for the goodbye a silent server never acknowledges. One SQLAlchemy invalidated itself
    (a statement cancelled by its timeout) is out already: reaching for its driver then
    raised PendingRollbackError instead of the busy answer."""
    sync = connection.sync_connection
    if sync is None or sync.invalidated:  # it never got a connection, or it is gone already
        return
    _driver(connection).terminate()
    await connection.invalidate()


class _AsyncDb:
    dialect = "postgresql"

    def __init__(
        self, connection: AsyncConnection, timeout: float, *, reading: bool = False
    ) -> None:
        self._connection = connection
        self._timeout = timeout
        self._reading = reading
        self.changed = False
        self.started = False
        self._later: list[tuple[Executable, Parameters]] = []

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Fetched:
        if self._reading and not _reads_only(statement):
            raise WritesNeeded()
        await self._run_later()
        self.started = True
        self.changed |= not _reads_only(statement)
        return _fetched(await self._bounded(self._connection.execute(statement, parameters)))

    def later(self, statement: Executable, parameters: Parameters = None) -> None:
        if self._reading:
            raise WritesNeeded()
        self.started = self.changed = True
        self._later.append((statement, parameters))

    async def _run_later(self) -> None:
        while self._later:
            statement, parameters = self._later.pop(0)
            await self._bounded(self._connection.execute(statement, parameters))

    async def _bounded(self, work: Awaitable[T]) -> T:
        try:
            with _translated():
                async with asyncio.timeout(self._timeout):
                    return await work
        except TimeoutError as error:
            await _dropped(self._connection)  # it may still be busy with what timed out
            raise DatabaseBusy("the database didn't answer in time") from error

    async def scalar(self, statement: Executable, parameters: Parameters = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    async def commit(self) -> None:
        await self._run_later()
        await self._bounded(self._connection.commit())
