"""Web sign-in: `/web` links and the browser sessions opened with them, by the SHA-256 of
their secret, each of one member of one community.

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_passes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("moderator", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name="fk_web_passes_community_id_communities"
        ),
        sa.ForeignKeyConstraint(
            ["community_id", "member_id"],
            ["members.community_id", "members.id"],
            name="fk_web_passes_member",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_web_passes"),
        sa.UniqueConstraint("digest", name="uq_web_passes_digest"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_web_passes_member", "web_passes", ["community_id", "member_id", "kind", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("web_passes")
