"""The gap map and the weekly digest: searches that found nothing, counted per community,
topic, week and kind of search (never per member), and the indexes by time that the
digest's week and `/community health`'s 90 days read.

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0017"  # the lead chains it after 0019 at merge
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_gaps",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name="fk_search_gaps_community_id_communities"
        ),
        sa.PrimaryKeyConstraint("community_id", "topic", "week", "kind", name="pk_search_gaps"),
    )
    op.create_index("ix_search_gaps_week", "search_gaps", ["community_id", "week"])
    op.create_index("ix_members_created", "members", ["community_id", "created_at"])
    op.create_index("ix_resources_created", "resources", ["community_id", "created_at"])
    op.create_index("ix_resource_votes_created", "resource_votes", ["community_id", "created_at"])
    op.create_index("ix_matches_started", "matches", ["community_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_matches_started", "matches")
    op.drop_index("ix_resource_votes_created", "resource_votes")
    op.drop_index("ix_resources_created", "resources")
    op.drop_index("ix_members_created", "members")
    op.drop_table("search_gaps")
