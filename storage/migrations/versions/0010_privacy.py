"""Privacy that holds: when a community removed copbot (and came back, or was erased);
others' don't-match lists that still know an erased member by a hash of their platform id;
mentoring's private spaces in a table of their own instead of per-member settings keys, so
that every table holding member data says so in its columns.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_when = sa.DateTime(timezone=True)
_INBOX = "mentoring.inbox."  # the settings keys the private spaces were kept under

_settings = sa.table(
    "community_settings",
    sa.column("community_id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("value", sa.Text),
)
_members = sa.table("members", sa.column("community_id", sa.Integer), sa.column("id", sa.Integer))


def upgrade() -> None:
    for column in ("left_at", "back_at", "erased_at"):
        op.add_column("communities", sa.Column(column, _when))
    op.add_column("mentor_avoid", sa.Column("other_key", sa.String(64)))
    op.create_index("ix_mentor_avoid_key", "mentor_avoid", ["community_id", "other_key"])
    inboxes = op.create_table(
        "member_inboxes",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("thread_id", sa.String(64)),
        sa.PrimaryKeyConstraint("community_id", "member_id", name="pk_member_inboxes"),
        sa.ForeignKeyConstraint(
            ["community_id", "member_id"],
            ["members.community_id", "members.id"],
            name="fk_member_inboxes_member",
        ),
    )
    _move_inboxes(inboxes)


def _move_inboxes(inboxes: sa.Table) -> None:
    connection = op.get_bind()
    kept = _settings.c.key.startswith(_INBOX)
    everyone = sa.select(_members.c.community_id, _members.c.id)
    known = {tuple(row) for row in connection.execute(everyone)}
    rows = []
    for community_id, key, value in connection.execute(sa.select(_settings).where(kept)):
        space, member = json.loads(value), key.removeprefix(_INBOX)
        if isinstance(space, dict) and member.isdigit() and (community_id, int(member)) in known:
            rows.append(
                {
                    "community_id": community_id,
                    "member_id": int(member),
                    "channel_id": space["channel"],
                    "thread_id": space.get("thread"),
                }
            )
    if rows:
        op.bulk_insert(inboxes, rows)
    connection.execute(sa.delete(_settings).where(kept))


def downgrade() -> None:
    op.drop_table("member_inboxes")
    op.drop_index("ix_mentor_avoid_key", "mentor_avoid")
    op.drop_column("mentor_avoid", "other_key")
    for column in ("erased_at", "back_at", "left_at"):
        op.drop_column("communities", column)
