"""Matching rounds that run by themselves every week.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "round_schedules",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("hour", sa.Integer, nullable=False),
        sa.Column("minute", sa.Integer, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("last_due", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("community_id", name="pk_round_schedules"),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_round_schedules_community_id_communities",
        ),
    )


def downgrade() -> None:
    op.drop_table("round_schedules")
