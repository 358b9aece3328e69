"""Engines for the two supported databases, configured for copbot's workload."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

SQLITE_BUSY_TIMEOUT_MS = 5000


def create_engine(url: str) -> AsyncEngine:
    """`sqlite:///path` or `postgresql://...`; the async driver is chosen here."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("copbot needs a SQLite file, not an in-memory database")
        return _sqlite(url=parsed.set(drivername="sqlite+aiosqlite").render_as_string(False))
    if backend == "postgresql":
        engine = create_async_engine(
            parsed.set(drivername="postgresql+asyncpg"),
            pool_size=10,
            max_overflow=5,
            pool_pre_ping=True,
        )
        return engine
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


def _sqlite(url: str) -> AsyncEngine:
    """One connection, WAL, and transactions that take the write lock when they begin.

    A single connection serialises this process's units of work in the pool's queue
    (waiting without blocking the event loop) instead of in SQLite's busy handler, which
    sleeps; `BEGIN IMMEDIATE` makes another process wait for the busy timeout rather than
    fail on a stale read snapshot. More than one process belongs on PostgreSQL.
    """
    engine = create_async_engine(url, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
