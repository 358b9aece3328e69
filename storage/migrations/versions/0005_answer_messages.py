"""The messages counted as prompt answers, so a redelivered event counts once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prompt_answer_messages",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("occurrence_id", sa.Integer, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(
            "community_id", "occurrence_id", "message_id", name="pk_prompt_answer_messages"
        ),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["prompt_occurrences.id"],
            ondelete="CASCADE",
            name="fk_prompt_answer_messages_occurrence",
        ),
        sa.ForeignKeyConstraint(
            ["community_id", "member_id"],
            ["members.community_id", "members.id"],
            name="fk_prompt_answer_messages_member",
        ),
    )


def downgrade() -> None:
    op.drop_table("prompt_answer_messages")
