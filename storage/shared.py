"""`SharedLimits` on PostgreSQL: request ids seen by any process (with an expiry), and
turns of a token's requests, each one statement on one row (`INSERT ... ON CONFLICT`),
atomic under any number of processes.

The tables belong to no community (a bot token serves them all) and hold nothing about a
member: a platform's request ids (Slack's event and trigger ids) and a hash of the token.
So they stay out of `storage.schema.metadata` and its per-community erase; migration 0018
creates them on both engines, and a contract test holds them alike. SQLite has them
unused: it allows one process per file, which keeps these in memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    Column,
    Float,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    cast,
    delete,
    extract,
    func,
)
from sqlalchemy.dialects import postgresql

from bot.kernel.ports import Clock
from storage.database import Database
from storage.schema import UtcDateTime

PRUNE_EVERY = timedelta(minutes=1)  # between two sweeps of expired ids, per process

shared_metadata = MetaData()
seen = Table(
    "shared_seen",
    shared_metadata,
    Column("scope", String(40), nullable=False),
    Column("key", String(200), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("scope", "key", name="pk_shared_seen"),
    Index("ix_shared_seen_expires_at", "expires_at"),
)
turns = Table(
    "shared_turns",
    shared_metadata,
    Column("bucket", String(64), nullable=False),
    Column("next_at", Float, nullable=False),  # the database's clock, seconds since 1970
    PrimaryKeyConstraint("bucket", name="pk_shared_turns"),
)
SHARED_TABLES = frozenset(shared_metadata.tables)

# The database's clock, constant within one statement (`now()` would be the transaction's).
_NOW = cast(extract("epoch", func.statement_timestamp()), Float)


class SqlSharedLimits:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database, self._clock = database, clock
        self._pruned: datetime | None = None  # when this process last swept expired ids

    async def first_seen(self, scope: str, key: str, within: timedelta) -> bool:
        """An expired row counts as unseen and is taken over in the same statement; the
        others go in a sweep at most once a minute per process, on the expiry's index."""
        now = self._clock.now()
        insert = postgresql.insert(seen).values(scope=scope, key=key, expires_at=now + within)
        claim = insert.on_conflict_do_update(
            index_elements=[seen.c.scope, seen.c.key],
            set_={"expires_at": insert.excluded.expires_at},
            where=seen.c.expires_at <= now,
        ).returning(seen.c.key)
        async with self._database.transaction() as db:
            first = bool((await db.execute(claim)).rows)
            if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
                self._pruned = now
                db.later(delete(seen).where(seen.c.expires_at <= now))
            await db.commit()
        return first

    async def turns(self, bucket: str, per_second: float, burst: int, count: int) -> list[float]:
        """`next_at` moves on by one interval a turn, from now when it lies in the past: the
        k-th of the turns taken may go once the turns before it, less `burst` of them, are
        over."""
        interval = 1 / per_second
        insert = postgresql.insert(turns).values(bucket=bucket, next_at=_NOW + count * interval)
        take = insert.on_conflict_do_update(
            index_elements=[turns.c.bucket],
            set_={"next_at": func.greatest(turns.c.next_at, _NOW) + count * interval},
        ).returning(turns.c.next_at - _NOW)
        async with self._database.transaction() as db:
            ahead = float((await db.execute(take)).scalar())
            await db.commit()
        return [max(0.0, ahead - (count - k + burst) * interval) for k in range(1, count + 1)]
