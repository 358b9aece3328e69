"""What the processes on one database share (storage/shared.py): request ids any of them
has seen, until they expire, and the next free turn of each bot token's requests.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shared_seen",
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_shared_seen"),
    )
    op.create_index("ix_shared_seen_expires_at", "shared_seen", ["expires_at"])
    op.create_table(
        "shared_turns",
        sa.Column("bucket", sa.String(64), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name="pk_shared_turns"),
    )


def downgrade() -> None:
    op.drop_table("shared_turns")
    op.drop_index("ix_shared_seen_expires_at", table_name="shared_seen")
    op.drop_table("shared_seen")
