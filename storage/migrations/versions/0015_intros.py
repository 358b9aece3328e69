"""Intros (learning pairs): programmes members opt into, each with its cadence, group size
and repeat window; who takes part and how (their own cadence, a pause, how many intros in
a row they ignored); rounds, one per programme and due time (the exactly-once guard); and
the groups of each round with their members' "did you meet?" answers, which are also the
history the repeat window reads.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "intro_programmes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("whole_community", sa.Boolean, nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("hour", sa.Integer, nullable=False),
        sa.Column("minute", sa.Integer, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("every_weeks", sa.Integer, nullable=False),
        sa.Column("week_of_month", sa.Integer),
        sa.Column("starts_on", sa.Date),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("repeat_weeks", sa.Integer, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("last_due", _WHEN, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intro_programmes"),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_intro_programmes_community_id_communities",
        ),
        sa.UniqueConstraint("community_id", "id", name="uq_intro_programmes_community_id_id"),
        sa.UniqueConstraint("community_id", "name", name="uq_intro_programmes_name"),
        sqlite_autoincrement=True,
    )
    programme = (
        ["community_id", "programme_id"],
        ["intro_programmes.community_id", "intro_programmes.id"],
    )
    member = (["community_id", "member_id"], ["members.community_id", "members.id"])
    op.create_table(
        "intro_participants",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("every_rounds", sa.Integer, nullable=False),
        sa.Column("paused_until", _WHEN),
        sa.Column("ghosted", sa.Boolean, nullable=False),
        sa.Column("ignored", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer),
        sa.Column("joined_at", _WHEN, nullable=False),
        sa.Column("left_at", _WHEN),
        sa.PrimaryKeyConstraint(
            "community_id", "programme_id", "member_id", name="pk_intro_participants"
        ),
        sa.ForeignKeyConstraint(
            *programme, ondelete="CASCADE", name="fk_intro_participants_programme"
        ),
        sa.ForeignKeyConstraint(*member, name="fk_intro_participants_member"),
    )
    op.create_index(
        "ix_intro_participants_member", "intro_participants", ["community_id", "member_id"]
    )
    op.create_table(
        "intro_rounds",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("programme_id", sa.Integer, nullable=False),
        sa.Column("due_at", _WHEN, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("seq", sa.Integer),
        sa.Column("published_at", _WHEN),
        sa.Column("follow_up_at", _WHEN),
        sa.Column("followed_up", sa.Boolean, nullable=False),
        sa.Column("closes_at", _WHEN),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intro_rounds"),
        sa.UniqueConstraint("programme_id", "due_at", name="uq_intro_rounds_due"),
        sa.UniqueConstraint("community_id", "id", name="uq_intro_rounds_community_id_id"),
        sa.ForeignKeyConstraint(*programme, ondelete="CASCADE", name="fk_intro_rounds_programme"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_intro_rounds_status", "intro_rounds", ["community_id", "status"])
    op.create_table(
        "intro_groups",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("round_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("dropped", sa.Boolean, nullable=False),
        sa.Column("weight", sa.Integer, nullable=False),
        sa.Column("channel_id", sa.String(64)),
        sa.Column("thread_id", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_intro_groups"),
        sa.UniqueConstraint("community_id", "id", name="uq_intro_groups_community_id_id"),
        sa.ForeignKeyConstraint(
            ["community_id", "round_id"],
            ["intro_rounds.community_id", "intro_rounds.id"],
            ondelete="CASCADE",
            name="fk_intro_groups_round",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_intro_groups_round", "intro_groups", ["community_id", "round_id", "number"])
    op.create_table(
        "intro_group_members",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("answer", sa.String(12)),
        sa.Column("answered_at", _WHEN),
        sa.PrimaryKeyConstraint(
            "community_id", "group_id", "member_id", name="pk_intro_group_members"
        ),
        sa.ForeignKeyConstraint(
            ["community_id", "group_id"],
            ["intro_groups.community_id", "intro_groups.id"],
            ondelete="CASCADE",
            name="fk_intro_group_members_group",
        ),
        sa.ForeignKeyConstraint(*member, name="fk_intro_group_members_member"),
    )
    op.create_index(
        "ix_intro_group_members_member", "intro_group_members", ["community_id", "member_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_intro_group_members_member", table_name="intro_group_members")
    op.drop_table("intro_group_members")
    op.drop_index("ix_intro_groups_round", table_name="intro_groups")
    op.drop_table("intro_groups")
    op.drop_index("ix_intro_rounds_status", table_name="intro_rounds")
    op.drop_table("intro_rounds")
    op.drop_index("ix_intro_participants_member", table_name="intro_participants")
    op.drop_table("intro_participants")
    op.drop_table("intro_programmes")
