"""Ids are never reused, and a member has one open request per topic.

SQLite gave a deleted row's id to the next row (without AUTOINCREMENT it takes the largest
id in use plus one), so an old card's button could act on someone else's new resource:
every table with an id is rebuilt with AUTOINCREMENT. (PostgreSQL's sequences never go
back.) Two `/mentor request` at the same moment could both pass the check for an open
request on the topic: a partial unique index now refuses the second, after the newer of
any duplicates already made is cancelled.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

WITH_IDS = (
    "communities",
    "members",
    "audit_log",
    "resources",
    "prompts",
    "prompt_schedules",
    "prompt_occurrences",
    "mentor_requests",
    "matches",
    "matching_rounds",
)
OPEN = "status IN ('asking', 'waiting')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in WITH_IDS:  # foreign keys are off while migrations run (storage.database)
            with op.batch_alter_table(
                name, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass
    op.execute(
        "UPDATE mentor_requests SET status = 'cancelled' "
        "WHERE status IN ('asking', 'waiting') AND EXISTS ("
        "SELECT 1 FROM mentor_requests AS older "
        "WHERE older.community_id = mentor_requests.community_id "
        "AND older.mentee_id = mentor_requests.mentee_id "
        "AND older.topic = mentor_requests.topic "
        "AND older.status IN ('asking', 'waiting') AND older.id < mentor_requests.id)"
    )
    op.create_index(
        "uq_mentor_requests_open",
        "mentor_requests",
        ["community_id", "mentee_id", "topic"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("uq_mentor_requests_open", "mentor_requests")
