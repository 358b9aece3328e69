"""One schema for SQLite and PostgreSQL. Every row carries its community's key.

Changing a table means a new migration in `storage/migrations/versions/`; a test compares
this metadata with the migrated database on both engines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both engines."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


communities = Table(
    "communities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("platform", "external_id"),
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("user_id", String(96), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("timezone", String(64)),
    Column("bio", Text, nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("erased_at", UtcDateTime),
    UniqueConstraint("community_id", "user_id"),
    # Lets child tables reference (community, member) so a row can't cross communities.
    UniqueConstraint("community_id", "id", name="uq_members_community_id_id"),
)

member_tags = Table(
    "member_tags",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("kind", String(12), primary_key=True),  # skill, interest, language
    Column("tag", String(40), primary_key=True),
    Column("position", Integer, nullable=False),
    ForeignKeyConstraint(
        ["community_id", "member_id"],
        ["members.community_id", "members.id"],
        ondelete="CASCADE",
        name="fk_member_tags_member",
    ),
    Index("ix_member_tags_topic", "community_id", "kind", "tag"),
)


def insert_new(
    connection: AsyncConnection, table: Table, unique: list[str]
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that does nothing when a row with the same `unique` columns exists."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=unique)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=unique)
