"""Mentoring: mentors and their topics, don't-match lists, requests, passes, matches,
feedback and matching rounds.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_when = sa.DateTime(timezone=True)


def _member(table: str, column: str = "member_id", name: str = "member") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id", column],
        ["members.community_id", "members.id"],
        name=f"fk_{table}_{name}",
    )


def _community(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"], ["communities.id"], name=f"fk_{table}_community_id_communities"
    )


def upgrade() -> None:
    op.create_table(
        "mentors",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("paused_until", _when),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("community_id", "member_id", name="pk_mentors"),
        _member("mentors"),
    )
    op.create_table(
        "mentor_topics",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community_id", "member_id", "topic", name="pk_mentor_topics"),
        sa.ForeignKeyConstraint(
            ["community_id", "member_id"],
            ["mentors.community_id", "mentors.member_id"],
            ondelete="CASCADE",
            name="fk_mentor_topics_mentor",
        ),
    )
    op.create_index("ix_mentor_topics_topic", "mentor_topics", ["community_id", "topic"])
    op.create_table(
        "mentor_avoid",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("other_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community_id", "member_id", "other_id", name="pk_mentor_avoid"),
        _member("mentor_avoid"),
        _member("mentor_avoid", "other_id", "other"),
    )
    op.create_index("ix_mentor_avoid_other", "mentor_avoid", ["community_id", "other_id"])
    op.create_table(
        "mentor_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("mentor_id", sa.Integer),
        sa.Column("asked_at", _when),
        sa.Column("deadline", _when),
        sa.Column("notified", sa.Boolean, nullable=False),
        sa.Column("left_out", sa.Integer, nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mentor_requests"),
        _community("mentor_requests"),
        sa.UniqueConstraint("community_id", "id", name="uq_mentor_requests_community_id_id"),
        _member("mentor_requests", "mentee_id", "mentee"),
    )
    op.create_index(
        "ix_mentor_requests_mentee", "mentor_requests", ["community_id", "mentee_id", "status"]
    )
    op.create_index(
        "ix_mentor_requests_mentor", "mentor_requests", ["community_id", "mentor_id", "status"]
    )
    op.create_index("ix_mentor_requests_deadline", "mentor_requests", ["status", "deadline"])
    op.create_table(
        "mentor_passes",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("mentor_id", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(12), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.PrimaryKeyConstraint(
            "community_id", "mentee_id", "topic", "mentor_id", name="pk_mentor_passes"
        ),
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("request_id", sa.Integer, nullable=False),
        sa.Column("mentor_id", sa.Integer, nullable=False),
        sa.Column("mentee_id", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("started_at", _when, nullable=False),
        sa.Column("ended_at", _when),
        sa.Column("channel_id", sa.String(64)),
        sa.Column("thread_id", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_matches"),
        _community("matches"),
        sa.UniqueConstraint("request_id", name="uq_matches_request_id"),
        sa.ForeignKeyConstraint(
            ["community_id", "request_id"],
            ["mentor_requests.community_id", "mentor_requests.id"],
            name="fk_matches_request",
        ),
    )
    op.create_index("ix_matches_mentor", "matches", ["community_id", "mentor_id", "ended_at"])
    op.create_index("ix_matches_mentee", "matches", ["community_id", "mentee_id", "ended_at"])
    op.create_table(
        "match_feedback",
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("match_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("met", sa.Boolean, nullable=False),
        sa.Column("rating", sa.Integer),
        sa.Column("created_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("match_id", "member_id", name="pk_match_feedback"),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            ondelete="CASCADE",
            name="fk_match_feedback_match_id_matches",
        ),
    )
    op.create_table(
        "matching_rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("pairs", sa.Text, nullable=False),
        sa.Column("left_out", sa.Text, nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_matching_rounds"),
        _community("matching_rounds"),
    )
    op.create_index("ix_matching_rounds_status", "matching_rounds", ["community_id", "status"])


def downgrade() -> None:
    for table in (
        "matching_rounds",
        "match_feedback",
        "matches",
        "mentor_passes",
        "mentor_requests",
        "mentor_avoid",
        "mentor_topics",
        "mentors",
    ):
        op.drop_table(table)
