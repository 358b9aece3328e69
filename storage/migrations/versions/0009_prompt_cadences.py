"""Prompt schedules beyond every week (every few weeks, one weekday of each month), a role
or user group to mention with each posting, and unscheduling that keeps the history.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_COLUMNS = ("every_weeks", "week_of_month", "starts_on", "mention", "removed_at")


def upgrade() -> None:
    with op.batch_alter_table("prompt_schedules") as table:
        table.add_column(sa.Column("every_weeks", sa.Integer, nullable=False, server_default="1"))
        table.add_column(sa.Column("week_of_month", sa.Integer))
        table.add_column(sa.Column("starts_on", sa.Date))
        table.add_column(sa.Column("mention", sa.String(64)))
        table.add_column(sa.Column("removed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("prompt_schedules") as table:
        for column in reversed(_COLUMNS):
            table.drop_column(column)
