"""Weekly prompts: the queue, schedules, occurrences (the exactly-once record) and answers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_when = sa.DateTime(timezone=True)


def _community(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"], ["communities.id"], name=f"fk_{table}_community_id_communities"
    )


def upgrade() -> None:
    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("position", sa.Integer),
        sa.Column("author", sa.Integer),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prompts"),
        _community("prompts"),
        sa.ForeignKeyConstraint(
            ["community_id", "author"],
            ["members.community_id", "members.id"],
            name="fk_prompts_author",
        ),
    )
    op.create_index("ix_prompts_queue", "prompts", ["community_id", "status", "position"])
    op.create_table(
        "prompt_schedules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("hour", sa.Integer, nullable=False),
        sa.Column("minute", sa.Integer, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("skip_due", _when),
        sa.Column("last_due", _when, nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prompt_schedules"),
        _community("prompt_schedules"),
        sa.UniqueConstraint("community_id", "id", name="uq_prompt_schedules_community_id_id"),
    )
    op.create_table(
        "prompt_occurrences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("schedule_id", sa.Integer, nullable=False),
        sa.Column("due_at", _when, nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("prompt_id", sa.Integer),
        sa.Column("bank_index", sa.Integer),
        sa.Column("claim", sa.String(32), nullable=False),
        sa.Column("claimed_at", _when, nullable=False),
        sa.Column("posted_at", _when),
        sa.Column("channel_id", sa.String(64)),
        sa.Column("message_id", sa.String(64)),
        sa.Column("thread_id", sa.String(64)),
        sa.Column("recapped", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prompt_occurrences"),
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_prompt_occurrences_due"),
        sa.ForeignKeyConstraint(
            ["community_id", "schedule_id"],
            ["prompt_schedules.community_id", "prompt_schedules.id"],
            ondelete="CASCADE",
            name="fk_prompt_occurrences_schedule",
        ),
    )
    op.create_index(
        "ix_prompt_occurrences_thread",
        "prompt_occurrences",
        ["community_id", "channel_id", "thread_id"],
    )
    op.create_index(
        "ix_prompt_occurrences_claims",
        "prompt_occurrences",
        ["community_id", "outcome", "claimed_at"],
    )
    op.create_table(
        "prompt_answers",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("occurrence_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("answers", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(
            "community_id", "occurrence_id", "member_id", name="pk_prompt_answers"
        ),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["prompt_occurrences.id"],
            ondelete="CASCADE",
            name="fk_prompt_answers_occurrence",
        ),
        sa.ForeignKeyConstraint(
            ["community_id", "member_id"],
            ["members.community_id", "members.id"],
            name="fk_prompt_answers_member",
        ),
    )


def downgrade() -> None:
    for table in ("prompt_answers", "prompt_occurrences", "prompt_schedules", "prompts"):
        op.drop_table(table)
