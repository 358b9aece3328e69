"""One schema for SQLite and PostgreSQL. Every row carries its community's key.

Changing a table means a new migration in `storage/migrations/versions/`; a test compares
this metadata with the migrated database on both engines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.community import expertise as weights

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both engines."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Every table with an id is `sqlite_autoincrement`: each row gets a new id, never a
# deleted row's (SQLite would otherwise reuse the largest), so an old button can't act on
# someone else's new row. PostgreSQL's sequences never go back.

OPEN_REQUEST = "status IN ('asking', 'waiting')"  # RequestStatus's open ones


communities = Table(
    "communities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # copbot was removed (a Discord guild, a Slack uninstall), came back, or erased it all.
    Column("left_at", UtcDateTime),
    Column("back_at", UtcDateTime),
    Column("erased_at", UtcDateTime),
    UniqueConstraint("platform", "external_id"),
    sqlite_autoincrement=True,
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("user_id", String(96), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("timezone", String(64)),
    Column("bio", Text, nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("erased_at", UtcDateTime),
    Column("listed", Boolean),  # in the /who directory; NULL until they answer (0016)
    UniqueConstraint("community_id", "user_id"),
    # Lets child tables reference (community, member) so a row can't cross communities.
    UniqueConstraint("community_id", "id", name="uq_members_community_id_id"),
    Index("ix_members_created", "community_id", "created_at"),  # newcomers of a week (0020)
    sqlite_autoincrement=True,
)

member_tags = Table(
    "member_tags",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("kind", String(12), primary_key=True),  # skill, interest, language
    Column("tag", String(40), primary_key=True),
    Column("position", Integer, nullable=False),
    ForeignKeyConstraint(
        ["community_id", "member_id"],
        ["members.community_id", "members.id"],
        ondelete="CASCADE",
        name="fk_member_tags_member",
    ),
    Index("ix_member_tags_topic", "community_id", "kind", "tag"),
)

resources = Table(
    "resources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("title", String(200), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("saved_by", Integer),  # NULL once the saver erased their data
    Column("author", Integer),  # who wrote the chat message it was saved from
    Column("votes", Integer, nullable=False, server_default="0"),
    # The words of title, tags and note as bot.library.search splits them: what the engines index.
    Column("search_title", Text, nullable=False),
    Column("search_tags", Text, nullable=False),
    Column("search_note", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("community_id", "url"),
    UniqueConstraint("community_id", "id", name="uq_resources_community_id_id"),
    ForeignKeyConstraint(
        ["community_id", "saved_by"],
        ["members.community_id", "members.id"],
        name="fk_resources_saved_by",
    ),
    ForeignKeyConstraint(
        ["community_id", "author"],
        ["members.community_id", "members.id"],
        name="fk_resources_author",
    ),
    Index("ix_resources_top", "community_id", "votes", "id"),
    # The digest's week and a member's actions for `/community health`, by the index alone.
    Index("ix_resources_created", "community_id", "created_at", "saved_by"),  # (0020)
    Index("ix_resources_saved_by", "community_id", "saved_by"),  # a member's expertise (0020)
    sqlite_autoincrement=True,
)

_resource = (["community_id", "resource_id"], ["resources.community_id", "resources.id"])

resource_tags = Table(
    "resource_tags",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("resource_id", Integer, primary_key=True),
    Column("tag", String(40), primary_key=True),
    Column("position", Integer, nullable=False),
    ForeignKeyConstraint(*_resource, ondelete="CASCADE", name="fk_resource_tags_resource"),
    Index("ix_resource_tags_tag", "community_id", "tag"),
)

resource_votes = Table(
    "resource_votes",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("resource_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(*_resource, ondelete="CASCADE", name="fk_resource_votes_resource"),
    ForeignKeyConstraint(
        ["community_id", "member_id"],
        ["members.community_id", "members.id"],
        name="fk_resource_votes_member",
    ),
    Index("ix_resource_votes_member", "community_id", "member_id"),
    Index("ix_resource_votes_created", "community_id", "created_at", "member_id"),  # (0020)
)

resource_mirrors = Table(
    "resource_mirrors",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("channel_id", String(64), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("resource_id", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(*_resource, ondelete="CASCADE", name="fk_resource_mirrors_resource"),
)

community_settings = Table(
    "community_settings",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),  # JSON
)


prompts = Table(
    "prompts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(12), nullable=False),  # queued, suggested, posted, rejected
    Column("position", Integer),  # queue order, for queued prompts
    Column("author", Integer),  # who suggested it; NULL once they erased their data
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["community_id", "author"],
        ["members.community_id", "members.id"],
        name="fk_prompts_author",
    ),
    Index("ix_prompts_queue", "community_id", "status", "position"),
    sqlite_autoincrement=True,
)

prompt_schedules = Table(
    "prompt_schedules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("weekday", Integer, nullable=False),  # 0 = Monday
    Column("hour", Integer, nullable=False),
    Column("minute", Integer, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("every_weeks", Integer, nullable=False, server_default="1"),
    Column("week_of_month", Integer),  # 1-4, or -1 for the last: monthly instead of weekly
    Column("starts_on", Date),  # every few weeks: the local date the count starts from
    Column("mention", String(64)),  # a role or user group mentioned with each posting
    Column("paused", Boolean, nullable=False),
    Column("skip_due", UtcDateTime),
    Column("last_due", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("removed_at", UtcDateTime),  # unscheduled; its postings stay for the stats
    UniqueConstraint("community_id", "id", name="uq_prompt_schedules_community_id_id"),
    sqlite_autoincrement=True,
)

prompt_occurrences = Table(
    "prompt_occurrences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, nullable=False),
    Column("schedule_id", Integer, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("outcome", String(12), nullable=False),  # claimed, posted, skipped, missed, failed
    Column("text", Text, nullable=False),
    Column("prompt_id", Integer),
    Column("bank_index", Integer),
    Column("claim", String(32), nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("posted_at", UtcDateTime),
    Column("channel_id", String(64)),
    Column("message_id", String(64)),
    Column("thread_id", String(64)),
    Column("recapped", Boolean, nullable=False),
    Column("url", String(2000)),  # where its thread opens (MessageRef.url), as the platform said
    # The exactly-once guard: one row per schedule and due time, whichever process claims it.
    UniqueConstraint("schedule_id", "due_at", name="uq_prompt_occurrences_due"),
    ForeignKeyConstraint(
        ["community_id", "schedule_id"],
        ["prompt_schedules.community_id", "prompt_schedules.id"],
        ondelete="CASCADE",
        name="fk_prompt_occurrences_schedule",
    ),
    Index("ix_prompt_occurrences_thread", "community_id", "channel_id", "thread_id"),
    Index("ix_prompt_occurrences_claims", "community_id", "outcome", "claimed_at"),
    sqlite_autoincrement=True,
)

prompt_answers = Table(
    "prompt_answers",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("occurrence_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("answers", Integer, nullable=False),
    ForeignKeyConstraint(
        ["occurrence_id"],
        ["prompt_occurrences.id"],
        ondelete="CASCADE",
        name="fk_prompt_answers_occurrence",
    ),
    ForeignKeyConstraint(
        ["community_id", "member_id"],
        ["members.community_id", "members.id"],
        name="fk_prompt_answers_member",
    ),
    Index("ix_prompt_answers_member", "community_id", "member_id"),  # a newcomer's step (0019)
)

# The messages counted in prompt_answers: a platform may deliver one twice (an event
# retried to another process, a gateway replay), and each counts once.
prompt_answer_messages = Table(
    "prompt_answer_messages",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("occurrence_id", Integer, primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("member_id", Integer, nullable=False),
    ForeignKeyConstraint(
        ["occurrence_id"],
        ["prompt_occurrences.id"],
        ondelete="CASCADE",
        name="fk_prompt_answer_messages_occurrence",
    ),
    ForeignKeyConstraint(
        ["community_id", "member_id"],
        ["members.community_id", "members.id"],
        name="fk_prompt_answer_messages_member",
    ),
)


_member = (["community_id", "member_id"], ["members.community_id", "members.id"])

mentors = Table(
    "mentors",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("capacity", Integer, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("paused_until", UtcDateTime),
    Column("missed", Integer, nullable=False, server_default="0"),  # asks timed out in a row
    Column("paused_why", String(12)),  # "silent": copbot paused them after three timeouts
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(*_member, name="fk_mentors_member"),
)

mentor_topics = Table(
    "mentor_topics",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("topic", String(40), primary_key=True),
    Column("position", Integer, nullable=False),
    ForeignKeyConstraint(
        ["community_id", "member_id"],
        ["mentors.community_id", "mentors.member_id"],
        ondelete="CASCADE",
        name="fk_mentor_topics_mentor",
    ),
    Index("ix_mentor_topics_topic", "community_id", "topic"),
)

mentor_avoid = Table(
    "mentor_avoid",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("other_id", Integer, primary_key=True),
    # Once `other_id` erased their data: a hash of their platform id, so that the list
    # still keeps them apart if they come back (storage.members.returning_key).
    Column("other_key", String(64)),
    ForeignKeyConstraint(*_member, name="fk_mentor_avoid_member"),
    ForeignKeyConstraint(
        ["community_id", "other_id"],
        ["members.community_id", "members.id"],
        name="fk_mentor_avoid_other",
    ),
    Index("ix_mentor_avoid_other", "community_id", "other_id", "member_id"),
    Index("ix_mentor_avoid_key", "community_id", "other_key"),
)

# Each member's private space with copbot (asks, news, feedback requests), opened the
# first time something is sent there and kept.
member_inboxes = Table(
    "member_inboxes",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("channel_id", String(64), nullable=False),
    Column("thread_id", String(64)),
    ForeignKeyConstraint(*_member, name="fk_member_inboxes_member"),
)

mentor_requests = Table(
    "mentor_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("mentee_id", Integer, nullable=False),
    Column("topic", String(40), nullable=False),
    Column("note", Text, nullable=False),
    Column("goal", Text),  # "what do you want to be able to do?", if they said
    Column("channel_id", String(64), nullable=False),
    Column("status", String(12), nullable=False),  # asking, waiting, matched, cancelled
    Column("mentor_id", Integer),  # who is being asked, or who accepted
    Column("asked_at", UtcDateTime),
    Column("deadline", UtcDateTime),
    Column("notified", Boolean, nullable=False),
    Column("left_out", Integer, nullable=False),
    # The mentor it last moved on from, and why (bot.mentoring.model.Moved): their stale
    # buttons say what happened.
    Column("moved_from", Integer),
    Column("moved_why", String(12)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("community_id", "id", name="uq_mentor_requests_community_id_id"),
    ForeignKeyConstraint(
        ["community_id", "mentee_id"],
        ["members.community_id", "members.id"],
        name="fk_mentor_requests_mentee",
    ),
    Index("ix_mentor_requests_mentee", "community_id", "mentee_id", "status"),
    Index("ix_mentor_requests_mentor", "community_id", "mentor_id", "status"),
    Index("ix_mentor_requests_deadline", "status", "deadline"),
    Index("ix_mentor_requests_created", "community_id", "created_at", "mentee_id"),  # (0020)
    # One open request per member and topic, whoever asks at the same moment.
    Index(
        "uq_mentor_requests_open",
        "community_id",
        "mentee_id",
        "topic",
        unique=True,
        sqlite_where=text(OPEN_REQUEST),
        postgresql_where=text(OPEN_REQUEST),
    ),
    sqlite_autoincrement=True,
)

mentor_passes = Table(
    "mentor_passes",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("mentee_id", Integer, primary_key=True),
    Column("topic", String(40), primary_key=True),
    Column("mentor_id", Integer, primary_key=True),
    Column("reason", String(12), nullable=False),  # declined, timeout
    Column("created_at", UtcDateTime, nullable=False),
)

matches = Table(
    "matches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("request_id", Integer, nullable=False),
    Column("mentor_id", Integer, nullable=False),
    Column("mentee_id", Integer, nullable=False),
    Column("topic", String(40), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("touched_at", UtcDateTime),  # someone last answered its check-in
    Column("channel_id", String(64)),
    Column("thread_id", String(64)),
    UniqueConstraint("request_id", name="uq_matches_request_id"),  # one match per request
    ForeignKeyConstraint(
        ["community_id", "request_id"],
        ["mentor_requests.community_id", "mentor_requests.id"],
        name="fk_matches_request",
    ),
    Index("ix_matches_mentor", "community_id", "mentor_id", "ended_at"),
    Index("ix_matches_mentee", "community_id", "mentee_id", "ended_at"),
    Index("ix_matches_topic", "community_id", "topic", "mentor_id"),  # who knows it (0016)
    Index("ix_matches_started", "community_id", "started_at", "mentor_id"),  # (0020)
    sqlite_autoincrement=True,
)

match_feedback = Table(
    "match_feedback",
    metadata,
    Column("community_id", Integer, nullable=False),
    Column("match_id", Integer, ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("met", Boolean, nullable=False),
    Column("rating", Integer),
    Column("changed", Text),  # "what changed for you?", if they said
    Column("named", Boolean, nullable=False, server_default="0"),  # may moderators name them
    Column("created_at", UtcDateTime, nullable=False),
)

matching_rounds = Table(
    "matching_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("status", String(12), nullable=False),  # preview, published, discarded
    Column("pairs", Text, nullable=False),  # JSON: [[request, mentor, fit], ...]
    Column("left_out", Text, nullable=False),  # JSON: [request, ...]
    # JSON: {"dropped": [request, ...], "pinned": [[request, mentor, fit], ...]}
    Column("edits", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_matching_rounds_status", "community_id", "status"),
    sqlite_autoincrement=True,
)

round_schedules = Table(
    "round_schedules",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("weekday", Integer, nullable=False),
    Column("hour", Integer, nullable=False),
    Column("minute", Integer, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("last_due", UtcDateTime, nullable=False),  # claimed up to here
)

# Intros (learning pairs): programmes members opt into, their rounds, and who met whom.
intro_programmes = Table(
    "intro_programmes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("name", String(32), nullable=False),
    Column("channel_id", String(64), nullable=False),  # where private threads open (Discord)
    Column("whole_community", Boolean, nullable=False),  # else: joined from its channel only
    Column("weekday", Integer, nullable=False),
    Column("hour", Integer, nullable=False),
    Column("minute", Integer, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("every_weeks", Integer, nullable=False),
    Column("week_of_month", Integer),
    Column("starts_on", Date),
    Column("size", Integer, nullable=False),  # 2: pairs (one trio when odd); 3: trios
    Column("repeat_weeks", Integer, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("last_due", UtcDateTime, nullable=False),  # every due time up to here was handled
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("community_id", "id", name="uq_intro_programmes_community_id_id"),
    UniqueConstraint("community_id", "name", name="uq_intro_programmes_name"),
    sqlite_autoincrement=True,
)

_programme = (
    ["community_id", "programme_id"],
    ["intro_programmes.community_id", "intro_programmes.id"],
)

intro_participants = Table(
    "intro_participants",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("programme_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("every_rounds", Integer, nullable=False),  # 1: every round, 2: every other...
    Column("paused_until", UtcDateTime),
    Column("ghosted", Boolean, nullable=False),  # paused by copbot after ignored intros
    Column("ignored", Integer, nullable=False),  # intros in a row nobody answered
    Column("last_seq", Integer),  # the last round they were grouped in
    Column("joined_at", UtcDateTime, nullable=False),
    Column("left_at", UtcDateTime),
    ForeignKeyConstraint(*_programme, ondelete="CASCADE", name="fk_intro_participants_programme"),
    ForeignKeyConstraint(*_member, name="fk_intro_participants_member"),
    Index("ix_intro_participants_member", "community_id", "member_id"),
)

intro_rounds = Table(
    "intro_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, nullable=False),
    Column("programme_id", Integer, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(12), nullable=False),  # draft, published, missed
    Column("seq", Integer),  # published rounds of the programme, counted from 1
    Column("published_at", UtcDateTime),
    Column("follow_up_at", UtcDateTime),  # half-way: "did you meet?"
    Column("followed_up", Boolean, nullable=False),
    Column("closes_at", UtcDateTime),  # the next round: unanswered intros count as ignored
    Column("closed", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # The exactly-once guard: one round per programme and due time, whichever process claims it.
    UniqueConstraint("programme_id", "due_at", name="uq_intro_rounds_due"),
    UniqueConstraint("community_id", "id", name="uq_intro_rounds_community_id_id"),
    ForeignKeyConstraint(*_programme, ondelete="CASCADE", name="fk_intro_rounds_programme"),
    Index("ix_intro_rounds_status", "community_id", "status"),
    sqlite_autoincrement=True,
)

intro_groups = Table(
    "intro_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, nullable=False),
    Column("round_id", Integer, nullable=False),
    Column("number", Integer, nullable=False),  # its place in the round, from 1
    Column("dropped", Boolean, nullable=False),  # a moderator took it out of the draft
    Column("weight", Integer, nullable=False),
    Column("channel_id", String(64)),  # its private space, once opened
    Column("thread_id", String(64)),
    UniqueConstraint("community_id", "id", name="uq_intro_groups_community_id_id"),
    ForeignKeyConstraint(
        ["community_id", "round_id"],
        ["intro_rounds.community_id", "intro_rounds.id"],
        ondelete="CASCADE",
        name="fk_intro_groups_round",
    ),
    Index("ix_intro_groups_round", "community_id", "round_id", "number"),
    sqlite_autoincrement=True,
)

intro_group_members = Table(
    "intro_group_members",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("group_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("position", Integer, nullable=False),  # a trio's first member links to both others
    Column("answer", String(12)),  # met, not_yet, cant: "did you meet?"
    Column("answered_at", UtcDateTime),
    ForeignKeyConstraint(
        ["community_id", "group_id"],
        ["intro_groups.community_id", "intro_groups.id"],
        ondelete="CASCADE",
        name="fk_intro_group_members_group",
    ),
    ForeignKeyConstraint(*_member, name="fk_intro_group_members_member"),
    Index("ix_intro_group_members_member", "community_id", "member_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("member_id", Integer, nullable=False),  # the moderator
    Column("what", String(64), nullable=False),  # a command's path or an action's id
    Column("detail", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["community_id", "member_id"],
        ["members.community_id", "members.id"],
        name="fk_audit_log_member",
    ),
    Index("ix_audit_log_member", "community_id", "member_id"),
    sqlite_autoincrement=True,
)


# One member thanking another (bot/community/thanks.py): kept for the profile's count,
# `/who knows` and the weekly digest. Erasing either member keeps the row, without them.
thanks = Table(
    "thanks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("from_id", Integer),  # NULL once the giver erased their data
    Column("to_id", Integer),  # NULL once the thanked member erased theirs
    Column("topic", String(40)),
    Column("reason", Text, nullable=False, server_default=""),
    Column("channel_id", String(64), nullable=False),  # where they thanked
    # The message thanked for ("Thank the author"), and copbot's public note once posted.
    Column("message_channel_id", String(64)),
    Column("message_id", String(64)),
    Column("note_channel_id", String(64)),
    Column("note_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("day", Date, nullable=False),  # created_at's UTC date: the pair's key below
    ForeignKeyConstraint(
        ["community_id", "from_id"], ["members.community_id", "members.id"], name="fk_thanks_from"
    ),
    ForeignKeyConstraint(
        ["community_id", "to_id"], ["members.community_id", "members.id"], name="fk_thanks_to"
    ),
    Index("ix_thanks_pair", "community_id", "from_id", "to_id", "created_at"),
    # Two thanks of one pair at the same moment (two processes): the second is a Conflict,
    # runs again and is refused by the once-a-day rule (bot/community/thanks.py).
    Index("uq_thanks_pair_day", "community_id", "from_id", "to_id", "day", unique=True),
    Index("ix_thanks_to", "community_id", "to_id", "topic"),
    Index("ix_thanks_topic", "community_id", "topic", "to_id"),
    Index("ix_thanks_created", "community_id", "created_at", "from_id"),  # the week (0020)
    sqlite_autoincrement=True,
)


# Whom copbot welcomed (bot/newcomers/): once per member and community, whichever process
# greets first. Their steps are read from the other tables, never flagged here.
newcomers = Table(
    "newcomers",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
    # talked, joined, channel, start; "before": known before copbot welcomed anyone (0019)
    Column("how", String(12), nullable=False),
    Column("welcomed_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(*_member, name="fk_newcomers_member"),
    Index("ix_newcomers_welcomed", "community_id", "welcomed_at"),
)

# What each member did on each topic (bot.community.model.Signals), kept as facts change so
# that `/who knows` is an indexed read: triggers on the tables it is derived from (migration
# 0020) mark the members a change touches in `expertise_stale`, and the unit of work derives
# their rows afresh before it commits (storage/expertise.py).
EXPERTISE_SIGNALS = (
    "teaches",  # 1: a skill on their profile
    "mentors",  # 1: they offer mentoring on it
    "matched",  # matches on it they mentored
    "rated",  # how many of those their mentee rated
    "rating",  # the sum of those ratings
    "saved",  # resources they saved tagged with it
    "votes",  # upvotes those resources have
    "thanked",  # thanks received for it
)
# bot.community.expertise.score, from its own weights: stored with the row, so that a page
# of `/who knows` is read in order off an index (a test checks it equals the rule's score;
# new weights need a migration that changes the column).
EXPERTISE_SCORE = (
    f"{weights.TEACHES} * teaches + {weights.MENTORS} * mentors"
    f" + {weights.MATCH} * matched * (CASE WHEN rated > 0 THEN rating * 1.0 / rated"
    f" ELSE {weights.NEUTRAL_RATING} END) / {weights.NEUTRAL_RATING}"
    f" + {weights.SAVED} * (CASE WHEN saved > {weights.MAX_SAVED} THEN {weights.MAX_SAVED}"
    " ELSE saved END)"
    f" + {weights.VOTE} * (CASE WHEN votes > {weights.MAX_VOTES} THEN {weights.MAX_VOTES}"
    " ELSE votes END)"
    f" + {weights.THANKED} * thanked"
)
expertise = Table(
    "expertise",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("topic", String(40), primary_key=True),
    Column("member_id", Integer, primary_key=True),
    *(Column(signal, Integer, nullable=False) for signal in EXPERTISE_SIGNALS),
    Column("listed", Boolean, nullable=False),  # the member's choice, kept with the row
    Column("score", Float, Computed(EXPERTISE_SCORE, persisted=True)),
    Index("ix_expertise_member", "community_id", "member_id"),
)
Index(
    "ix_expertise_ranked",
    expertise.c.community_id,
    expertise.c.topic,
    expertise.c.listed,
    expertise.c.score.desc(),
    expertise.c.member_id,
)
expertise_stale = Table(
    "expertise_stale",
    metadata,
    Column("community_id", Integer, primary_key=True),
    Column("member_id", Integer, primary_key=True),
)


# Searches that found nothing (library search, `/who knows`, a mentor request nobody could
# take), for the gap map: counts per topic and week only, never who searched or their words.
search_gaps = Table(
    "search_gaps",
    metadata,
    Column("community_id", Integer, ForeignKey("communities.id"), primary_key=True),
    Column("topic", String(40), primary_key=True),
    Column("week", Date, primary_key=True),  # the Monday (UTC) of the week
    Column("kind", String(12), primary_key=True),  # bot.kernel.gaps.Missed
    Column("misses", Integer, nullable=False),
    Index("ix_search_gaps_week", "community_id", "week"),
)


# Web sign-in (bot/web): `/web` links and the browser sessions opened with them, by the
# SHA-256 of their secret (the secret itself goes only to the member). Erased with them.
web_passes = Table(
    "web_passes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("member_id", Integer, nullable=False),
    Column("kind", String(8), nullable=False),  # link, session
    Column("digest", String(64), nullable=False),
    Column("moderator", Boolean, nullable=False),  # opens the moderators' pages
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),  # a link, once opened
    ForeignKeyConstraint(
        ["community_id", "member_id"],
        ["members.community_id", "members.id"],
        name="fk_web_passes_member",
    ),
    UniqueConstraint("digest"),
    Index("ix_web_passes_member", "community_id", "member_id", "kind", "created_at"),
    sqlite_autoincrement=True,
)


# What copbot is to send on its own: recorded in the unit of work that decided it,
# delivered after commit by the sender (bot/kernel/outbox.py). Ids are never reused.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id"), nullable=False),
    Column("kind", String(40), nullable=False),  # whose hooks: "mentor.ask", "notice", ...
    Column("key", String(200), nullable=False),
    Column("steps", Text, nullable=False),  # JSON
    Column("args", Text, nullable=False),  # JSON
    Column("status", String(12), nullable=False),  # waiting, sending, sent, refused, dropped
    Column("due_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claimed_by", String(32)),
    Column("claimed_at", UtcDateTime),
    Column("progress", Text, nullable=False),  # JSON: what the steps done so far made
    Column("windows", Text, nullable=False),  # JSON: when earlier attempts were under way
    Column("error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    # One send per key: recording the same key again is the same send.
    UniqueConstraint("community_id", "key"),
    Index("ix_outbox_due", "status", "due_at"),
    Index("ix_outbox_finished", "finished_at"),
    sqlite_autoincrement=True,
)


# The full-text index is engine-specific and lives outside this metadata: an FTS5 table
# on SQLite; on PostgreSQL generated tsvector columns with GIN indexes, one of all fields
# weighted (migration 0002) and one per field (0014).
_SEARCH_COLUMNS = ("search", "title_terms", "tags_terms", "note_terms")


def declared_here(name: str | None, type_: str, parent_names: object) -> bool:
    """For schema comparison (Alembic's `include_name`): leave out the search index, and
    the tables of no community (Slack's installations, storage/slack_installs.py; what the
    processes share, storage/shared.py), compared on their own."""
    match type_:
        case "table":  # resource_search: FTS5 and its shadow tables
            return not (name or "").startswith(("resource_search", "slack_", "shared_"))
        case "column":
            return name not in _SEARCH_COLUMNS
        case "index":
            return name not in {f"ix_resources_{column}" for column in _SEARCH_COLUMNS}
    return True


DIALECTS = ("sqlite", "postgresql")


def insert_new(dialect: str, table: Table, unique: list[str]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that does nothing when a row with the same `unique` columns exists."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=unique)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=unique)
