"""Mentoring says where a request stands: a request remembers the mentor it last moved on
from and why (withdrawn, declined, timeout, a round, their places filled, matched
elsewhere), so that mentor's stale button can say what happened. A proposed round keeps
the moderators' edits (pairs dropped, pairs swapped), so previewing again keeps them.
A mentor counts the asks they let time out in a row, and copbot marks the pause it gave
them after three. A request may say its goal; feedback may say what changed for the
member, and whether moderators may name them with it. A match remembers when someone
last answered its check-in: one nobody touches ends by itself.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mentor_requests") as table:
        table.add_column(sa.Column("moved_from", sa.Integer()))
        table.add_column(sa.Column("moved_why", sa.String(12)))
        table.add_column(sa.Column("goal", sa.Text()))
    with op.batch_alter_table("match_feedback") as table:
        table.add_column(sa.Column("changed", sa.Text()))
        table.add_column(sa.Column("named", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("matching_rounds") as table:
        table.add_column(sa.Column("edits", sa.Text()))
    with op.batch_alter_table("matches") as table:
        table.add_column(sa.Column("touched_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("mentors") as table:
        table.add_column(sa.Column("missed", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("paused_why", sa.String(12)))


def downgrade() -> None:
    with op.batch_alter_table("match_feedback") as table:
        table.drop_column("named")
        table.drop_column("changed")
    with op.batch_alter_table("mentors") as table:
        table.drop_column("paused_why")
        table.drop_column("missed")
    with op.batch_alter_table("matches") as table:
        table.drop_column("touched_at")
    with op.batch_alter_table("matching_rounds") as table:
        table.drop_column("edits")
    with op.batch_alter_table("mentor_requests") as table:
        table.drop_column("goal")
        table.drop_column("moved_why")
        table.drop_column("moved_from")
