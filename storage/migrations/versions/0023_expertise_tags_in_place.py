"""A resource's tags changed: on SQLite its saver's expertise rows of those tags change in
place, rather than everything the saver saved being counted again.

Why: 0020's triggers marked the saver stale for any tag added to or taken from one of
their resources, and the unit of work then derived all their rows afresh. For a member who
saved 100,000 resources (an imported library), that is a join of some 230,000 rows, 0.3-1.6 s
on the one writer, for a member merging a tag into a link the library already holds; every
other write in the process queued behind it (bench.discord_e2e: writes waited seconds).
The change a tag makes is known exactly: saved +-1 and the resource's votes, on one row.

On PostgreSQL the triggers stay as 0020 made them: there a transaction deriving the saver
afresh beside this one needs the stale row's lock (storage/expertise.py), and its writers
don't share one lane.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

SIGNALS = ("teaches", "mentors", "matched", "rated", "rating", "saved", "votes", "thanked")
# The saver of the resource a tag row `{r}` belongs to (not erased), with their listing.
SAVER = (
    "FROM resources r JOIN members m ON m.community_id = r.community_id AND m.id = r.saved_by "
    "WHERE r.community_id = {r}.community_id AND r.id = {r}.resource_id "
    "AND r.saved_by IS NOT NULL AND m.erased_at IS NULL"
)
ADDED = (
    f"INSERT INTO expertise (community_id, topic, member_id, {', '.join(SIGNALS)}, listed) "
    "SELECT r.community_id, NEW.tag, r.saved_by, 0, 0, 0, 0, 0, 1, r.votes, 0, "
    f"COALESCE(m.listed, FALSE) {SAVER.format(r='NEW')} "
    "ON CONFLICT (community_id, topic, member_id) "
    "DO UPDATE SET saved = saved + 1, votes = votes + excluded.votes;"
)
TAKEN = (
    "UPDATE expertise SET saved = saved - 1, votes = votes - ("
    "SELECT r.votes FROM resources r WHERE r.community_id = OLD.community_id "
    "AND r.id = OLD.resource_id) "
    "WHERE community_id = OLD.community_id AND topic = OLD.tag AND member_id = ("
    f"SELECT r.saved_by {SAVER.format(r='OLD')});"
    # A row that no longer counts anything goes, as a count afresh would leave none.
    "DELETE FROM expertise WHERE community_id = OLD.community_id AND topic = OLD.tag "
    "AND teaches = 0 AND mentors = 0 AND matched = 0 AND saved = 0 AND thanked = 0;"
)
MADE = "CREATE TRIGGER expertise_resource_tags_{name} AFTER {event} ON resource_tags BEGIN "
# 0020's, to go back to.
STALE = (
    "INSERT OR IGNORE INTO expertise_stale (community_id, member_id) "
    "SELECT community_id, saved_by FROM resources WHERE community_id = {r}.community_id "
    "AND id = {r}.resource_id AND saved_by IS NOT NULL;"
)


def _replace(insert: str, delete: str) -> None:
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER expertise_resource_tags_{name}")
    op.execute(MADE.format(name="insert", event="INSERT") + insert + " END")
    op.execute(MADE.format(name="update", event="UPDATE") + delete + " " + insert + " END")
    op.execute(MADE.format(name="delete", event="DELETE") + delete + " END")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _replace(ADDED, TAKEN)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _replace(STALE.format(r="NEW"), STALE.format(r="OLD"))
