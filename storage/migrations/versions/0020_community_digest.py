"""Who knows what, precomputed; the gap map; the weekly digest.

- `expertise`: what each member did on each topic (the signals of
  bot.community.expertise), kept as facts change, so `/who knows` is an indexed read. The
  tables it is derived from mark the members a change touches in `expertise_stale` by
  triggers (so no writer, erasures included, can forget to), and the unit of work derives
  those members' rows afresh before it commits (storage/expertise.py). Filled here from
  what is there.
- `search_gaps`: searches that found nothing, counted per community, topic, week and kind
  of search (never per member).
- Indexes by time that the digest's week and `/community health`'s 90 days read, and
  resources by who saved them (a member's expertise afresh).

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


SIGNALS = ("teaches", "mentors", "matched", "rated", "rating", "saved", "votes", "thanked")
# bot.community.expertise.score with today's weights (storage/schema.py builds it from them).
SCORE = (
    "3.0 * teaches + 2.0 * mentors + 2.0 * matched * (CASE WHEN rated > 0 THEN rating * 1.0 "
    "/ rated ELSE 3.0 END) / 3.0 + 0.5 * (CASE WHEN saved > 10 THEN 10 ELSE saved END) "
    "+ 0.25 * (CASE WHEN votes > 20 THEN 20 ELSE votes END) + 1.5 * thanked"
)
# Whether a member is listed in `/who` is kept with their rows, as they change it.
LISTED = (
    "UPDATE expertise SET listed = COALESCE(NEW.listed, FALSE) "
    "WHERE community_id = NEW.community_id AND member_id = NEW.id;"
)
# Whose expertise a row of each table counts in: (community, member) selected from the row
# `{r}` (NEW or OLD), nothing when it names nobody.
TOUCHES = {
    "member_tags": "SELECT {r}.community_id, {r}.member_id",
    "mentor_topics": "SELECT {r}.community_id, {r}.member_id",
    "matches": "SELECT {r}.community_id, {r}.mentor_id",
    "match_feedback": "SELECT community_id, mentor_id FROM matches WHERE id = {r}.match_id",
    "resource_tags": (
        "SELECT community_id, saved_by FROM resources WHERE community_id = {r}.community_id "
        "AND id = {r}.resource_id AND saved_by IS NOT NULL"
    ),
    "thanks": "SELECT {r}.community_id, {r}.to_id WHERE {r}.to_id IS NOT NULL",
}
COVERED = (  # table, the member's column, the time's
    ("resources", "saved_by", "created_at"),
    ("resource_votes", "member_id", "created_at"),
    ("matches", "mentor_id", "started_at"),
    ("mentor_requests", "mentee_id", "created_at"),
)
STALE = "INTO expertise_stale (community_id, member_id) "
SAVER = "SELECT {r}.community_id, {r}.saved_by WHERE {r}.saved_by IS NOT NULL"
# An upvote changes the votes of one resource: its saver's rows of its tags change by as
# much, at once, rather than everything they saved being counted again (a member who saved
# thousands of resources would make every vote on them slow).
VOTES = (
    "UPDATE expertise SET votes = votes + NEW.votes - OLD.votes "
    "WHERE community_id = NEW.community_id AND member_id = NEW.saved_by AND topic IN "
    "(SELECT tag FROM resource_tags WHERE community_id = NEW.community_id "
    "AND resource_id = NEW.id);"
)
TAGS = (
    "(SELECT count(*) FROM resource_tags WHERE community_id = NEW.community_id "
    "AND resource_id = NEW.id)"
)
# The signals of every member not erased, as bot.community.expertise counts them (written
# out here as they are today; storage/expertise.py derives them from then on).
FILL = f"""
INSERT INTO expertise (community_id, topic, member_id, {", ".join(SIGNALS)}, listed)
SELECT s.community_id, s.topic, s.member_id, MAX(s.teaches), MAX(s.mentors), SUM(s.matched),
    SUM(s.rated), SUM(s.rating), SUM(s.saved), SUM(s.votes), SUM(s.thanked),
    COALESCE(mb.listed, FALSE)
FROM (
    SELECT community_id, tag AS topic, member_id, 1 AS teaches, 0 AS mentors, 0 AS matched,
        0 AS rated, 0 AS rating, 0 AS saved, 0 AS votes, 0 AS thanked
    FROM member_tags WHERE kind = 'skill'
    UNION ALL
    SELECT community_id, topic, member_id, 0, 1, 0, 0, 0, 0, 0, 0 FROM mentor_topics
    UNION ALL
    SELECT m.community_id, m.topic, m.mentor_id, 0, 0, 1,
        CASE WHEN f.rating IS NOT NULL THEN 1 ELSE 0 END, COALESCE(f.rating, 0), 0, 0, 0
    FROM matches m
    LEFT JOIN match_feedback f ON f.match_id = m.id AND f.member_id = m.mentee_id
    UNION ALL
    SELECT r.community_id, t.tag, r.saved_by, 0, 0, 0, 0, 0, 1, r.votes, 0
    FROM resource_tags t
    JOIN resources r ON r.community_id = t.community_id AND r.id = t.resource_id
    WHERE r.saved_by IS NOT NULL
    UNION ALL
    SELECT community_id, topic, to_id, 0, 0, 0, 0, 0, 0, 0, 1
    FROM thanks WHERE topic IS NOT NULL AND to_id IS NOT NULL
) s
JOIN members mb ON mb.community_id = s.community_id AND mb.id = s.member_id
WHERE mb.erased_at IS NULL
GROUP BY s.community_id, s.topic, s.member_id, mb.listed
"""


def _sqlite_triggers(table: str) -> list[str]:
    touched = TOUCHES[table]
    new, old = (f"INSERT OR IGNORE {STALE}{touched.format(r=r)};" for r in ("NEW", "OLD"))
    made = (
        f"CREATE TRIGGER expertise_{table}_{{name}} AFTER {{event}} ON {table} BEGIN {{body}} END"
    )
    return [
        made.format(name="insert", event="INSERT", body=new),
        made.format(name="update", event="UPDATE", body=new + " " + old),
        made.format(name="delete", event="DELETE", body=old),
    ]


def _postgresql_triggers(table: str) -> list[str]:
    touched = TOUCHES[table]
    new, old = (
        f"INSERT {STALE}{touched.format(r=r)} ON CONFLICT DO NOTHING;" for r in ("NEW", "OLD")
    )
    return [
        f"CREATE FUNCTION expertise_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'DELETE' THEN {new} END IF; "
        f"IF TG_OP <> 'INSERT' THEN {old} END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER expertise_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION expertise_{table}()",
    ]


def _sqlite_resources() -> list[str]:
    """Saved, removed or handed over (an erasure): the savers are counted again; an upvote
    moves the votes; other changes (a title) change nothing of expertise."""
    new, old = (f"INSERT OR IGNORE {STALE}{SAVER.format(r=r)};" for r in ("NEW", "OLD"))
    made = "CREATE TRIGGER expertise_resources_{name} AFTER {event} ON resources {when}BEGIN "
    return [
        made.format(name="insert", event="INSERT", when="") + new + " END",
        made.format(name="delete", event="DELETE", when="") + old + " END",
        made.format(
            name="saver", event="UPDATE OF saved_by", when="WHEN NEW.saved_by IS NOT OLD.saved_by "
        )
        + f"{new} {old} END",
        made.format(
            name="votes",
            event="UPDATE OF votes",
            when="WHEN NEW.saved_by IS OLD.saved_by AND NEW.votes <> OLD.votes ",
        )
        + VOTES
        + " END",
    ]


def _postgresql_resources() -> list[str]:
    """As on SQLite; and an upvote that finds fewer of the saver's rows than the resource has
    tags (another transaction was counting the saver afresh, and its rows were not there
    for this one's update) counts the saver again instead, after that one commits."""
    new, old = (
        f"INSERT {STALE}{SAVER.format(r=r)} ON CONFLICT DO NOTHING;" for r in ("NEW", "OLD")
    )
    return [
        "CREATE FUNCTION expertise_resources() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE moved integer; BEGIN "
        f"IF TG_OP = 'INSERT' THEN {new} "
        f"ELSIF TG_OP = 'DELETE' THEN {old} "
        f"ELSIF NEW.saved_by IS DISTINCT FROM OLD.saved_by THEN {new} {old} "
        f"ELSIF NEW.votes <> OLD.votes THEN {VOTES} "
        f"GET DIAGNOSTICS moved = ROW_COUNT; IF moved < {TAGS} THEN {new} END IF; "
        "END IF; RETURN NULL; END $$",
        "CREATE TRIGGER expertise_resources AFTER INSERT OR UPDATE OR DELETE ON resources "
        "FOR EACH ROW EXECUTE FUNCTION expertise_resources()",
    ]


def upgrade() -> None:
    op.create_table(
        "expertise",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        *(sa.Column(signal, sa.Integer(), nullable=False) for signal in SIGNALS),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), sa.Computed(SCORE, persisted=True)),
        sa.PrimaryKeyConstraint("community_id", "topic", "member_id", name="pk_expertise"),
    )
    op.create_index("ix_expertise_member", "expertise", ["community_id", "member_id"])
    op.create_index(
        "ix_expertise_ranked",
        "expertise",
        ["community_id", "topic", "listed", sa.text("score DESC"), "member_id"],
    )
    op.create_table(
        "expertise_stale",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "member_id", name="pk_expertise_stale"),
    )
    op.create_index("ix_resources_saved_by", "resources", ["community_id", "saved_by"])
    op.execute(FILL)
    postgresql = op.get_bind().dialect.name == "postgresql"
    made = _postgresql_triggers if postgresql else _sqlite_triggers
    for table in TOUCHES:
        for statement in made(table):
            op.execute(statement)
    for statement in _postgresql_resources() if postgresql else _sqlite_resources():
        op.execute(statement)
    if postgresql:
        op.execute(
            "CREATE FUNCTION expertise_listed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{LISTED} RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER expertise_listed AFTER UPDATE OF listed ON members FOR EACH ROW "
            "WHEN (NEW.listed IS DISTINCT FROM OLD.listed) EXECUTE FUNCTION expertise_listed()"
        )
    else:
        op.execute(
            "CREATE TRIGGER expertise_listed AFTER UPDATE OF listed ON members "
            f"WHEN NEW.listed IS NOT OLD.listed BEGIN {LISTED} END"
        )
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
    # The digest's week, and each member's actions for `/community health` read from the
    # indexes alone (the member's column in each).
    op.create_index("ix_members_created", "members", ["community_id", "created_at"])
    for table, member, at in COVERED:
        op.create_index(f"ix_{table}_{at.removesuffix('_at')}", table, ["community_id", at, member])
    op.drop_index("ix_thanks_created", "thanks")
    op.create_index("ix_thanks_created", "thanks", ["community_id", "created_at", "from_id"])


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP TRIGGER expertise_listed ON members")
        op.execute("DROP FUNCTION expertise_listed()")
    else:
        op.execute("DROP TRIGGER expertise_listed")
    for table in (*TOUCHES, "resources"):
        if postgresql:
            op.execute(f"DROP TRIGGER expertise_{table} ON {table}")
            op.execute(f"DROP FUNCTION expertise_{table}()")
        elif table == "resources":
            for name in ("insert", "delete", "saver", "votes"):
                op.execute(f"DROP TRIGGER expertise_resources_{name}")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER expertise_{table}_{event}")
    op.drop_index("ix_resources_saved_by", "resources")
    op.drop_table("expertise_stale")
    op.drop_table("expertise")
    op.drop_index("ix_thanks_created", "thanks")
    op.create_index("ix_thanks_created", "thanks", ["community_id", "created_at"])
    for table, _, at in COVERED:
        op.drop_index(f"ix_{table}_{at.removesuffix('_at')}", table)
    op.drop_index("ix_members_created", "members")
    op.drop_table("search_gaps")
