"""Communities, members and their profile tags.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_communities"),
        sa.UniqueConstraint("platform", "external_id", name="uq_communities_platform"),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(96), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64)),
        sa.Column("bio", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.Column("erased_at", _when),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name="fk_members_community_id_communities"
        ),
        sa.UniqueConstraint("community_id", "user_id", name="uq_members_community_id"),
        sa.UniqueConstraint("community_id", "id", name="uq_members_community_id_id"),
    )
    op.create_table(
        "member_tags",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community_id", "member_id", "kind", "tag", name="pk_member_tags"),
        sa.ForeignKeyConstraint(
            ["community_id", "member_id"],
            ["members.community_id", "members.id"],
            ondelete="CASCADE",
            name="fk_member_tags_member",
        ),
    )
    op.create_index("ix_member_tags_topic", "member_tags", ["community_id", "kind", "tag"])


def downgrade() -> None:
    op.drop_table("member_tags")
    op.drop_table("members")
    op.drop_table("communities")
