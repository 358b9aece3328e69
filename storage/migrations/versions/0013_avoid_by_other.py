"""The don't-match lists read from the other side (who excluded this member) come from
the index alone: without `member_id` in it, SQLite preferred scanning the community's
whole list for every open request (2 s of a 10,000-request round's publish).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_mentor_avoid_other", table_name="mentor_avoid")
    op.create_index(
        "ix_mentor_avoid_other", "mentor_avoid", ["community_id", "other_id", "member_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_mentor_avoid_other", table_name="mentor_avoid")
    op.create_index("ix_mentor_avoid_other", "mentor_avoid", ["community_id", "other_id"])
