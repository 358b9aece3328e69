"""Where a posted prompt's thread opens: the link the platform gave for it (Discord's jump
URL, Slack's permalink), so the digest links members to the thread on any platform without
the core knowing whose it is. Prompts posted before this have none; their digest line
names the channel.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table): a nullable column needs none.
    op.add_column("prompt_occurrences", sa.Column("url", sa.String(2000)))


def downgrade() -> None:
    with op.batch_alter_table("prompt_occurrences") as table:
        table.drop_column("url")
