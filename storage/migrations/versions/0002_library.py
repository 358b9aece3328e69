"""The resource library, its full-text index, and community settings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_when = sa.DateTime(timezone=True)
_resource = (["community_id", "resource_id"], ["resources.community_id", "resources.id"])


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("saved_by", sa.Integer),
        sa.Column("author", sa.Integer),
        sa.Column("votes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("search_title", sa.Text, nullable=False),
        sa.Column("search_tags", sa.Text, nullable=False),
        sa.Column("search_note", sa.Text, nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_resources"),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name="fk_resources_community_id_communities"
        ),
        sa.UniqueConstraint("community_id", "url", name="uq_resources_community_id"),
        sa.UniqueConstraint("community_id", "id", name="uq_resources_community_id_id"),
        sa.ForeignKeyConstraint(
            ["community_id", "saved_by"],
            ["members.community_id", "members.id"],
            name="fk_resources_saved_by",
        ),
        sa.ForeignKeyConstraint(
            ["community_id", "author"],
            ["members.community_id", "members.id"],
            name="fk_resources_author",
        ),
    )
    op.create_index("ix_resources_top", "resources", ["community_id", "votes", "id"])
    op.create_table(
        "resource_tags",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community_id", "resource_id", "tag", name="pk_resource_tags"),
        sa.ForeignKeyConstraint(*_resource, ondelete="CASCADE", name="fk_resource_tags_resource"),
    )
    op.create_index("ix_resource_tags_tag", "resource_tags", ["community_id", "tag"])
    op.create_table(
        "resource_votes",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.PrimaryKeyConstraint(
            "community_id", "resource_id", "member_id", name="pk_resource_votes"
        ),
        sa.ForeignKeyConstraint(*_resource, ondelete="CASCADE", name="fk_resource_votes_resource"),
        sa.ForeignKeyConstraint(
            ["community_id", "member_id"],
            ["members.community_id", "members.id"],
            name="fk_resource_votes_member",
        ),
    )
    op.create_index("ix_resource_votes_member", "resource_votes", ["community_id", "member_id"])
    op.create_table(
        "resource_mirrors",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.PrimaryKeyConstraint(
            "community_id", "channel_id", "message_id", name="pk_resource_mirrors"
        ),
        sa.ForeignKeyConstraint(
            *_resource, ondelete="CASCADE", name="fk_resource_mirrors_resource"
        ),
    )
    op.create_table(
        "community_settings",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("community_id", "key", name="pk_community_settings"),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_community_settings_community_id_communities",
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE resources ADD COLUMN search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', search_title), 'A') || "
            "setweight(to_tsvector('simple', search_tags), 'B') || "
            "setweight(to_tsvector('simple', search_note), 'C')) STORED"
        )
        op.execute("CREATE INDEX ix_resources_search ON resources USING gin (search)")
    else:
        # `scope` holds one word per community so a search never reads another's rows.
        op.execute(
            "CREATE VIRTUAL TABLE resource_search USING fts5("
            "scope, title, tags, note, tokenize = 'unicode61 remove_diacritics 2', "
            "prefix = '2 3')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE resource_search")
    for table in (
        "community_settings",
        "resource_mirrors",
        "resource_votes",
        "resource_tags",
        "resources",
    ):
        op.drop_table(table)
