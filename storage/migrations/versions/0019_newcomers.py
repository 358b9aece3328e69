"""Newcomers: whom copbot welcomed, once per member and community. Members copbot knew
before it welcomed anyone are recorded as welcomed when they arrived ("before"), so an
upgrade welcomes nobody who has been around for a while. Prompt answers by member, for a
newcomer's step "answer a prompt".

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "newcomers",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(12), nullable=False),
        sa.Column("welcomed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id", "member_id"],
            ["members.community_id", "members.id"],
            name="fk_newcomers_member",
        ),
        sa.PrimaryKeyConstraint("community_id", "member_id", name="pk_newcomers"),
    )
    op.create_index("ix_newcomers_welcomed", "newcomers", ["community_id", "welcomed_at"])
    op.create_index("ix_prompt_answers_member", "prompt_answers", ["community_id", "member_id"])
    op.execute(
        "INSERT INTO newcomers (community_id, member_id, how, welcomed_at) "
        "SELECT community_id, id, 'before', created_at FROM members WHERE erased_at IS NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_prompt_answers_member", table_name="prompt_answers")
    op.drop_index("ix_newcomers_welcomed", table_name="newcomers")
    op.drop_table("newcomers")
