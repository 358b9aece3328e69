"""Who knows what: thanks between members (with the message thanked for and copbot's
public note; one pair's thanks unique per day), whether a member is listed in the `/who`
directory (NULL until they answer), and an index of matches by topic for `/who knows`.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as table:
        table.add_column(sa.Column("listed", sa.Boolean()))
    op.create_index("ix_matches_topic", "matches", ["community_id", "topic", "mentor_id"])
    op.create_table(
        "thanks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer()),
        sa.Column("to_id", sa.Integer()),
        sa.Column("topic", sa.String(40)),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("message_channel_id", sa.String(64)),
        sa.Column("message_id", sa.String(64)),
        sa.Column("note_channel_id", sa.String(64)),
        sa.Column("note_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name="fk_thanks_community_id_communities"
        ),
        sa.ForeignKeyConstraint(
            ["community_id", "from_id"],
            ["members.community_id", "members.id"],
            name="fk_thanks_from",
        ),
        sa.ForeignKeyConstraint(
            ["community_id", "to_id"], ["members.community_id", "members.id"], name="fk_thanks_to"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_thanks"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_thanks_pair", "thanks", ["community_id", "from_id", "to_id", "created_at"])
    op.create_index(
        "uq_thanks_pair_day", "thanks", ["community_id", "from_id", "to_id", "day"], unique=True
    )
    op.create_index("ix_thanks_to", "thanks", ["community_id", "to_id", "topic"])
    op.create_index("ix_thanks_topic", "thanks", ["community_id", "topic", "to_id"])
    op.create_index("ix_thanks_created", "thanks", ["community_id", "created_at"])


def downgrade() -> None:
    op.drop_table("thanks")
    op.drop_index("ix_matches_topic", "matches")
    with op.batch_alter_table("members") as table:
        table.drop_column("listed")
