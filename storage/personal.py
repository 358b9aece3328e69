"""Where each kind of personal data the capabilities declare (bot/*/personal.py) lives, and
how it is read for `/privacy export` and changed by `/privacy erase`: the one place that
maps them to tables.

Each `Record` names every table its kind reads or changes. A test walks the schema and
fails on a table that holds member data and is in no record, on a table in
`NOT_PERSONAL` that does, and on a declared kind without its record (or the reverse).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, and_, delete, exists, or_, select, update

from bot.kernel.members import Member
from bot.kernel.personal import Erasure
from bot.mentoring.model import CHECKIN, REMINDER, RequestStatus
from bot.prompts.model import PromptStatus
from storage.database import Db
from storage.library import SqlLibraryRepository
from storage.members import SqlMemberRepository, returning_key
from storage.schema import (
    audit_log,
    intro_group_members,
    intro_groups,
    intro_participants,
    intro_programmes,
    intro_rounds,
    match_feedback,
    matches,
    member_inboxes,
    members,
    mentor_avoid,
    mentor_passes,
    mentor_requests,
    mentor_topics,
    mentors,
    newcomers,
    outbox,
    prompt_answer_messages,
    prompt_answers,
    prompts,
    resource_tags,
    resource_votes,
    resources,
    thanks,
)

FORMER = "a former member"  # what others' records say where they named an erased member
SEARCH_INDEX = "resource_search"  # SQLite's FTS5 copy of the library (outside the metadata)


@dataclass(frozen=True)
class Scope:
    """One unit of work's connection and community."""

    db: Db
    community_id: int
    platform: str

    def mine(self, table: Table) -> Any:
        return table.c.community_id == self.community_id

    async def rows(self, query: Select[Any]) -> list[dict[str, object]]:
        """Rows as JSON values, keyed by column name."""
        found = await self.db.execute(query)
        return [{key: _plain(value) for key, value in row._mapping.items()} for row in found.all()]


Exporter = Callable[[Scope, Member], Awaitable[object]]
Eraser = Callable[[Scope, Member, Erasure], Awaitable[None]]


@dataclass(frozen=True)
class Record:
    tables: tuple[str, ...]  # every table the kind reads or changes
    export: Exporter | None  # None: others' records about the member (`Erased.KEPT`)
    erase: Eraser


class SqlPersonalDataRepository:
    def __init__(self, db: Db, community_id: int, platform: str) -> None:
        self._scope = Scope(db, community_id, platform)

    async def export(self, capability: str, kind: str, member: Member) -> object:
        exporter = RECORDS[f"{capability}.{kind}"].export
        if exporter is None:
            raise LookupError(f"{capability}.{kind} is others' record, not exported")
        return await exporter(self._scope, member)

    async def erase(self, capability: str, kind: str, member: Member, erasure: Erasure) -> None:
        await RECORDS[f"{capability}.{kind}"].erase(self._scope, member, erasure)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


# Profiles


async def _export_profile(scope: Scope, member: Member) -> object:
    return {
        "user_id": member.user_id,
        "display_name": member.display_name,
        "timezone": member.timezone,
        "bio": member.bio,
        "skills": list(member.skills),
        "interests": list(member.interests),
        "languages": list(member.languages),
        "listed": member.listed,
        "created_at": member.created_at.isoformat(),
        "updated_at": member.updated_at.isoformat(),
    }


async def _erase_profile(scope: Scope, member: Member, erasure: Erasure) -> None:
    await SqlMemberRepository(scope.db, scope.community_id, scope.platform).erase(
        member, erasure.now
    )


# Library


def _library(scope: Scope) -> SqlLibraryRepository:
    return SqlLibraryRepository(scope.db, scope.community_id, scope.platform)


async def _export_resources(scope: Scope, condition: Any) -> list[dict[str, object]]:
    c = resources.c
    found = await scope.rows(
        select(c.id, c.url, c.title, c.note, c.votes, c.created_at, c.updated_at)
        .where(scope.mine(resources), condition)
        .order_by(c.id)
    )
    tags: dict[object, list[str]] = {}
    for resource_id, tag in (
        await scope.db.execute(
            select(resource_tags.c.resource_id, resource_tags.c.tag)
            .where(
                scope.mine(resource_tags),
                resource_tags.c.resource_id.in_([r["id"] for r in found]),
            )
            .order_by(resource_tags.c.resource_id, resource_tags.c.position)
        )
    ).all():
        tags.setdefault(resource_id, []).append(tag)
    return [{**r, "tags": tags.get(r["id"], [])} for r in found]


async def _export_saved(scope: Scope, member: Member) -> object:
    return await _export_resources(scope, resources.c.saved_by == member.id)


async def _erase_saved(scope: Scope, member: Member, erasure: Erasure) -> None:
    """What nobody else voted for goes; what others rely on keeps its link and votes, and
    loses the member's title, note and tags unless they chose to leave them."""
    library = _library(scope)
    theirs = (scope.mine(resources), resources.c.saved_by == member.id)
    others_voted = exists().where(
        scope.mine(resource_votes),
        resource_votes.c.resource_id == resources.c.id,
        resource_votes.c.member_id != member.id,
    )
    if not erasure.leave_shared:
        ids = await scope.db.execute(
            select(resources.c.id, others_voted.label("relied_on")).where(*theirs)
        )
        for resource_id, relied_on in ids.all():
            if relied_on:
                await _unwrite(library, resource_id, keep_tags=False, now=erasure.now)
            else:
                await library.remove(resource_id)
    await scope.db.execute(update(resources).where(*theirs).values(saved_by=None))


async def _unwrite(
    library: SqlLibraryRepository, resource_id: int, *, keep_tags: bool, now: datetime
) -> None:
    """A resource without the words someone wrote: its link stands in for the title."""
    found = await library.get(resource_id)
    assert found is not None
    bare = replace(found, title=found.url[:200], note="", tags=found.tags if keep_tags else ())
    await library.update(bare, now)


async def _export_votes(scope: Scope, member: Member) -> object:
    return await scope.rows(
        select(resource_votes.c.resource_id, resource_votes.c.created_at)
        .where(scope.mine(resource_votes), resource_votes.c.member_id == member.id)
        .order_by(resource_votes.c.resource_id)
    )


async def _erase_votes(scope: Scope, member: Member, erasure: Erasure) -> None:
    voted = (scope.mine(resource_votes), resource_votes.c.member_id == member.id)
    await scope.db.execute(
        update(resources)
        .where(
            scope.mine(resources),
            resources.c.id.in_(select(resource_votes.c.resource_id).where(*voted)),
        )
        .values(votes=resources.c.votes - 1)
    )
    await scope.db.execute(delete(resource_votes).where(*voted))


async def _export_messages(scope: Scope, member: Member) -> object:
    """Their chat messages saved by others (what they saved themselves is under `saved`)."""
    by_others = or_(resources.c.saved_by.is_(None), resources.c.saved_by != member.id)
    return await _export_resources(scope, (resources.c.author == member.id) & by_others)


async def _erase_messages(scope: Scope, member: Member, erasure: Erasure) -> None:
    """The saver's entry stays with its link and tags; the message's words were the
    member's, and go unless they chose to leave them."""
    library = _library(scope)
    written = (scope.mine(resources), resources.c.author == member.id)
    if not erasure.leave_shared:
        found = await scope.db.execute(select(resources.c.id).where(*written))
        for resource_id in found.scalars():
            await _unwrite(library, resource_id, keep_tags=True, now=erasure.now)
    await scope.db.execute(update(resources).where(*written).values(author=None))


# Prompts


async def _export_suggested(scope: Scope, member: Member) -> object:
    c = prompts.c
    return await scope.rows(
        select(c.id, c.text, c.status, c.created_at)
        .where(scope.mine(prompts), c.author == member.id)
        .order_by(c.id)
    )


async def _erase_suggested(scope: Scope, member: Member, erasure: Erasure) -> None:
    """Posted prompts are in the channel's history already and stay, unsigned; what was
    never posted goes, except approved ones in the queue if the member left them."""
    gone = [PromptStatus.SUGGESTED, PromptStatus.REJECTED]
    if not erasure.leave_shared:
        gone.append(PromptStatus.QUEUED)
    theirs = (scope.mine(prompts), prompts.c.author == member.id)
    await scope.db.execute(delete(prompts).where(*theirs, prompts.c.status.in_(gone)))
    await scope.db.execute(update(prompts).where(*theirs).values(author=None))


async def _export_answers(scope: Scope, member: Member) -> object:
    counted = await scope.rows(
        select(prompt_answers.c.occurrence_id.label("posting"), prompt_answers.c.answers)
        .where(scope.mine(prompt_answers), prompt_answers.c.member_id == member.id)
        .order_by(prompt_answers.c.occurrence_id)
    )
    messages: dict[object, list[str]] = {}
    for posting, message_id in (
        await scope.db.execute(
            select(prompt_answer_messages.c.occurrence_id, prompt_answer_messages.c.message_id)
            .where(
                scope.mine(prompt_answer_messages),
                prompt_answer_messages.c.member_id == member.id,
            )
            .order_by(prompt_answer_messages.c.occurrence_id, prompt_answer_messages.c.message_id)
        )
    ).all():
        messages.setdefault(posting, []).append(message_id)
    return [{**c, "messages": messages.get(c["posting"], [])} for c in counted]


async def _erase_answers(scope: Scope, member: Member, erasure: Erasure) -> None:
    for table in (prompt_answers, prompt_answer_messages):
        await scope.db.execute(
            delete(table).where(scope.mine(table), table.c.member_id == member.id)
        )


# Mentoring


async def _export_offer(scope: Scope, member: Member) -> object:
    c = mentors.c
    found = await scope.rows(
        select(
            c.capacity,
            c.paused,
            c.paused_until,
            c.paused_why,
            c.missed.label("timed_out_in_a_row"),
            c.created_at,
            c.updated_at,
        ).where(scope.mine(mentors), c.member_id == member.id)
    )
    if not found:
        return None
    topics = await scope.db.execute(
        select(mentor_topics.c.topic)
        .where(scope.mine(mentor_topics), mentor_topics.c.member_id == member.id)
        .order_by(mentor_topics.c.position)
    )
    return {"topics": list(topics.scalars()), **found[0]}


async def _erase_offer(scope: Scope, member: Member, erasure: Erasure) -> None:
    for table in (mentor_topics, mentors):
        await scope.db.execute(
            delete(table).where(scope.mine(table), table.c.member_id == member.id)
        )


async def _export_avoided(scope: Scope, member: Member) -> object:
    names = await scope.db.execute(
        select(members.c.display_name)
        .join(
            mentor_avoid,
            (mentor_avoid.c.community_id == members.c.community_id)
            & (mentor_avoid.c.other_id == members.c.id),
        )
        .where(scope.mine(mentor_avoid), mentor_avoid.c.member_id == member.id)
        .order_by(members.c.display_name)
    )
    return list(names.scalars())


async def _erase_avoided(scope: Scope, member: Member, erasure: Erasure) -> None:
    await scope.db.execute(
        delete(mentor_avoid).where(scope.mine(mentor_avoid), mentor_avoid.c.member_id == member.id)
    )


async def _key_others_lists(scope: Scope, member: Member, erasure: Erasure) -> None:
    """Others' lists still name the anonymised member, and know them again by this key
    if they come back (`SqlMemberRepository.add`)."""
    await scope.db.execute(
        update(mentor_avoid)
        .where(scope.mine(mentor_avoid), mentor_avoid.c.other_id == member.id)
        .values(other_key=returning_key(scope.community_id, member.user_id))
    )


async def _export_requests(scope: Scope, member: Member) -> object:
    c = mentor_requests.c
    return await scope.rows(
        select(c.id, c.topic, c.note, c.goal, c.status, c.created_at)
        .where(scope.mine(mentor_requests), c.mentee_id == member.id)
        .order_by(c.id)
    )


async def _erase_requests(scope: Scope, member: Member, erasure: Erasure) -> None:
    """A request that became a match stays (the match refers to it), without its note."""
    theirs = (scope.mine(mentor_requests), mentor_requests.c.mentee_id == member.id)
    matched = select(matches.c.request_id).where(scope.mine(matches))
    await scope.db.execute(
        delete(mentor_requests).where(*theirs, mentor_requests.c.id.not_in(matched))
    )
    await scope.db.execute(update(mentor_requests).where(*theirs).values(note="", goal=None))


def _asked(scope: Scope, member: Member) -> tuple[Any, ...]:
    return (
        scope.mine(mentor_requests),
        mentor_requests.c.mentor_id == member.id,
        mentor_requests.c.status == RequestStatus.ASKING.value,
    )


async def _export_asks(scope: Scope, member: Member) -> object:
    c = mentor_requests.c
    return await scope.rows(
        select(c.id.label("request"), c.topic, c.asked_at, c.deadline)
        .where(*_asked(scope, member))
        .order_by(c.id)
    )


async def _erase_asks(scope: Scope, member: Member, erasure: Erasure) -> None:
    await scope.db.execute(
        update(mentor_requests)
        .where(*_asked(scope, member))
        .values(
            status=RequestStatus.WAITING.value,
            mentor_id=None,
            asked_at=None,
            deadline=None,
            updated_at=erasure.now,
        )
    )


async def _news_to_come(scope: Scope, member: Member) -> list[dict[str, object]]:
    """Mentoring's sends waiting for a later time (reminders, check-ins) to the member or
    naming them: those of their asks, their requests and their matches."""
    requests = set(
        (
            await scope.db.execute(
                select(mentor_requests.c.id).where(
                    scope.mine(mentor_requests), mentor_requests.c.mentee_id == member.id
                )
            )
        ).scalars()
    )
    in_matches = set(
        (await scope.db.execute(select(matches.c.id).where(*_in_match(scope, member)))).scalars()
    )
    c = outbox.c
    found = await scope.db.execute(
        select(c.id, c.kind, c.args, c.due_at)
        .where(scope.mine(outbox), c.status == "waiting", c.kind.in_((REMINDER, CHECKIN)))
        .order_by(c.due_at, c.id)
    )
    news = []
    for send_id, kind, args, due_at in found.all():
        of = json.loads(args)
        if (kind == CHECKIN and of["match"] in in_matches) or (
            kind == REMINDER and (of["mentor"] == member.id or of["request"] in requests)
        ):
            news.append({"id": send_id, "kind": kind, "due_at": _plain(due_at)})
    return news


async def _export_news(scope: Scope, member: Member) -> object:
    return [{k: v for k, v in n.items() if k != "id"} for n in await _news_to_come(scope, member)]


async def _erase_news(scope: Scope, member: Member, erasure: Erasure) -> None:
    ids = [n["id"] for n in await _news_to_come(scope, member)]
    if ids:
        await scope.db.execute(delete(outbox).where(scope.mine(outbox), outbox.c.id.in_(ids)))


def _moved_from(scope: Scope, member: Member) -> tuple[Any, ...]:
    return (scope.mine(mentor_requests), mentor_requests.c.moved_from == member.id)


async def _export_moved_on(scope: Scope, member: Member) -> object:
    c = mentor_requests.c
    return await scope.rows(
        select(c.id.label("request"), c.topic, c.moved_why.label("why"))
        .where(*_moved_from(scope, member))
        .order_by(c.id)
    )


async def _erase_moved_on(scope: Scope, member: Member, erasure: Erasure) -> None:
    await scope.db.execute(
        update(mentor_requests)
        .where(*_moved_from(scope, member))
        .values(moved_from=None, moved_why=None)
    )


async def _export_declines(scope: Scope, member: Member) -> object:
    """Both sides, without the other's name: a mentee isn't told which mentor declined."""
    c = mentor_passes.c
    found = await scope.rows(
        select(c.mentor_id, c.topic, c.reason, c.created_at)
        .where(scope.mine(mentor_passes), or_(c.mentee_id == member.id, c.mentor_id == member.id))
        .order_by(c.created_at, c.topic)
    )
    return [_with_role(f, member) for f in found]


async def _erase_declines(scope: Scope, member: Member, erasure: Erasure) -> None:
    c = mentor_passes.c
    await scope.db.execute(
        delete(mentor_passes).where(
            scope.mine(mentor_passes), or_(c.mentee_id == member.id, c.mentor_id == member.id)
        )
    )


def _in_match(scope: Scope, member: Member) -> tuple[Any, ...]:
    return (
        scope.mine(matches),
        or_(matches.c.mentor_id == member.id, matches.c.mentee_id == member.id),
    )


async def _export_matches(scope: Scope, member: Member) -> object:
    c = matches.c
    found = await scope.rows(
        select(c.id, c.topic, c.mentor_id, c.started_at, c.ended_at, c.touched_at)
        .where(*_in_match(scope, member))
        .order_by(c.id)
    )
    return [_with_role(m, member) for m in found]


def _with_role(row: dict[str, object], member: Member) -> dict[str, object]:
    """Which side the member was on, in place of the mentor's id."""
    role = "mentor" if row["mentor_id"] == member.id else "mentee"
    return {**{k: v for k, v in row.items() if k != "mentor_id"}, "role": role}


async def _erase_matches(scope: Scope, member: Member, erasure: Erasure) -> None:
    """Active matches end; ended ones are the other side's history (and the no-repeat
    rule), pointing at the anonymised member."""
    await scope.db.execute(
        update(matches)
        .where(*_in_match(scope, member), matches.c.ended_at.is_(None))
        .values(ended_at=erasure.now)
    )


async def _export_feedback(scope: Scope, member: Member) -> object:
    c = match_feedback.c
    return await scope.rows(
        select(c.match_id.label("match"), c.met, c.rating, c.changed, c.named, c.created_at)
        .where(scope.mine(match_feedback), c.member_id == member.id)
        .order_by(c.match_id)
    )


async def _erase_feedback(scope: Scope, member: Member, erasure: Erasure) -> None:
    await scope.db.execute(
        delete(match_feedback).where(
            scope.mine(match_feedback), match_feedback.c.member_id == member.id
        )
    )


async def _export_space(scope: Scope, member: Member) -> object:
    found = await scope.rows(
        select(member_inboxes.c.channel_id, member_inboxes.c.thread_id).where(
            scope.mine(member_inboxes), member_inboxes.c.member_id == member.id
        )
    )
    return found[0] if found else None


async def _erase_space(scope: Scope, member: Member, erasure: Erasure) -> None:
    await scope.db.execute(
        delete(member_inboxes).where(
            scope.mine(member_inboxes), member_inboxes.c.member_id == member.id
        )
    )


async def _keep(scope: Scope, member: Member, erasure: Erasure) -> None:
    """Nothing to change: the records name only copbot's number for the member, which
    names no one once the member record is anonymised."""


# Audit log


async def _export_changes(scope: Scope, member: Member) -> object:
    c = audit_log.c
    return await scope.rows(
        select(c.created_at, c.what, c.detail)
        .where(scope.mine(audit_log), c.member_id == member.id)
        .order_by(c.id)
    )


async def _erase_changes(scope: Scope, member: Member, erasure: Erasure) -> None:
    """The entries stay (what moderators did is the community's record), without what
    the moderator typed."""
    await scope.db.execute(
        update(audit_log)
        .where(scope.mine(audit_log), audit_log.c.member_id == member.id)
        .values(detail="")
    )


async def _unname_in_changes(scope: Scope, member: Member, erasure: Erasure) -> None:
    """Other moderators' entries whose options named the member (`member=<id>`) name a
    former member instead."""
    found = await scope.db.execute(
        select(audit_log.c.id, audit_log.c.detail).where(
            scope.mine(audit_log), audit_log.c.detail.contains(member.user_id, autoescape=True)
        )
    )
    for entry_id, detail in found.all():
        parts = [
            part.removesuffix(member.user_id) + FORMER
            if part == member.user_id or part.endswith("=" + member.user_id)
            else part
            for part in detail.split(", ")
        ]
        await scope.db.execute(
            update(audit_log).where(audit_log.c.id == entry_id).values(detail=", ".join(parts))
        )


# Community


async def _export_thanks(scope: Scope, member: Member, *, given: bool) -> object:
    """Thanks given (whom) or received (from whom), by the other's name."""
    c = thanks.c
    mine, other = (c.from_id, c.to_id) if given else (c.to_id, c.from_id)
    found = await scope.rows(
        select(
            c.created_at,
            members.c.display_name.label("to" if given else "from"),
            c.topic,
            c.reason,
            c.channel_id,
            c.message_id,
        )
        .select_from(
            thanks.outerjoin(
                members, (members.c.community_id == c.community_id) & (members.c.id == other)
            )
        )
        .where(scope.mine(thanks), mine == member.id)
        .order_by(c.id)
    )
    name = "to" if given else "from"
    return [{**row, name: row[name] or FORMER} for row in found]


async def _export_thanks_given(scope: Scope, member: Member) -> object:
    return await _export_thanks(scope, member, given=True)


async def _export_thanks_received(scope: Scope, member: Member) -> object:
    return await _export_thanks(scope, member, given=False)


async def _erase_thanks_given(scope: Scope, member: Member, erasure: Erasure) -> None:
    """The thanked keep their thanks, from a former member; the reason goes unless left."""
    words = {} if erasure.leave_shared else {"reason": ""}
    await scope.db.execute(
        update(thanks)
        .where(scope.mine(thanks), thanks.c.from_id == member.id)
        .values(from_id=None, **words)
    )


async def _erase_thanks_received(scope: Scope, member: Member, erasure: Erasure) -> None:
    """The giver's record stays, to a former member, without what it said about them."""
    await scope.db.execute(
        update(thanks)
        .where(scope.mine(thanks), thanks.c.to_id == member.id)
        .values(to_id=None, reason="", message_channel_id=None, message_id=None)
    )


# Intros


async def _export_programmes(scope: Scope, member: Member) -> object:
    p, programme = intro_participants.c, intro_programmes.c
    return await scope.rows(
        select(
            programme.name.label("programme"),
            p.every_rounds,
            p.paused_until,
            p.ghosted.label("paused_by_copbot"),
            p.ignored.label("unanswered_in_a_row"),
            p.joined_at,
            p.left_at,
        )
        .join(
            intro_programmes,
            and_(programme.community_id == p.community_id, programme.id == p.programme_id),
        )
        .where(scope.mine(intro_participants), p.member_id == member.id)
        .order_by(p.programme_id)
    )


async def _erase_programmes(scope: Scope, member: Member, erasure: Erasure) -> None:
    await scope.db.execute(
        delete(intro_participants).where(
            scope.mine(intro_participants), intro_participants.c.member_id == member.id
        )
    )


async def _export_intros(scope: Scope, member: Member) -> object:
    """Each intro with the others in it (by display name) and the member's answer."""
    mine, other = intro_group_members.alias("mine"), intro_group_members.alias("other")
    g, r, programme = intro_groups.c, intro_rounds.c, intro_programmes.c
    found = await scope.rows(
        select(
            g.id.label("intro"),
            programme.name.label("programme"),
            r.published_at,
            mine.c.answer,
            mine.c.answered_at,
        )
        .select_from(mine)
        .join(intro_groups, and_(g.community_id == mine.c.community_id, g.id == mine.c.group_id))
        .join(intro_rounds, and_(r.community_id == g.community_id, r.id == g.round_id))
        .join(
            intro_programmes,
            and_(programme.community_id == r.community_id, programme.id == r.programme_id),
        )
        .where(
            mine.c.community_id == scope.community_id,
            mine.c.member_id == member.id,
            r.status == "published",
            g.dropped.is_(False),
        )
        .order_by(g.id)
    )
    with_whom = await scope.db.execute(
        select(other.c.group_id, members.c.display_name)
        .select_from(mine)
        .join(
            other,
            and_(
                other.c.community_id == mine.c.community_id,
                other.c.group_id == mine.c.group_id,
                other.c.member_id != mine.c.member_id,
            ),
        )
        .join(
            members,
            and_(members.c.community_id == other.c.community_id, members.c.id == other.c.member_id),
        )
        .where(mine.c.community_id == scope.community_id, mine.c.member_id == member.id)
    )
    others: dict[int, list[str]] = {}
    for group_id, name in with_whom.all():
        others.setdefault(group_id, []).append(name)
    return [{**row, "with": others.get(int(str(row["intro"])), [])} for row in found]


async def _erase_intros(scope: Scope, member: Member, erasure: Erasure) -> None:
    """Their place in every intro goes: the others' history then has one person fewer,
    which at worst lets the others meet someone new sooner. An intro or follow-up still
    waiting to go out names them: it is dropped (for its whole group)."""
    groups = await scope.db.execute(
        select(intro_group_members.c.group_id).where(
            scope.mine(intro_group_members), intro_group_members.c.member_id == member.id
        )
    )
    keys = [f"{kind}-{group}" for group in groups.scalars() for kind in ("intro", "intro-check")]
    for start in range(0, len(keys), 500):
        await scope.db.execute(
            delete(outbox).where(
                scope.mine(outbox),
                outbox.c.status == "waiting",
                outbox.c.key.in_(keys[start : start + 500]),
            )
        )
    await scope.db.execute(
        delete(intro_group_members).where(
            scope.mine(intro_group_members), intro_group_members.c.member_id == member.id
        )
    )


# Newcomers


async def _export_welcome(scope: Scope, member: Member) -> object:
    c = newcomers.c
    found = await scope.rows(
        select(c.how, c.welcomed_at).where(scope.mine(newcomers), c.member_id == member.id)
    )
    return found[0] if found else None


async def _erase_welcome(scope: Scope, member: Member, erasure: Erasure) -> None:
    await scope.db.execute(
        delete(newcomers).where(scope.mine(newcomers), newcomers.c.member_id == member.id)
    )


RECORDS: dict[str, Record] = {
    "profiles.profile": Record(("members", "member_tags"), _export_profile, _erase_profile),
    "library.saved": Record(
        ("resources", "resource_tags", "resource_votes", SEARCH_INDEX), _export_saved, _erase_saved
    ),
    "library.upvoted": Record(("resource_votes", "resources"), _export_votes, _erase_votes),
    "library.messages_saved_by_others": Record(
        ("resources", "resource_tags", SEARCH_INDEX), _export_messages, _erase_messages
    ),
    "prompts.suggested": Record(("prompts",), _export_suggested, _erase_suggested),
    "prompts.answers": Record(
        ("prompt_answers", "prompt_answer_messages"), _export_answers, _erase_answers
    ),
    "mentoring.news_to_come": Record(("outbox",), _export_news, _erase_news),
    "mentoring.mentor_offer": Record(("mentors", "mentor_topics"), _export_offer, _erase_offer),
    "mentoring.dont_match_with": Record(
        ("mentor_avoid", "members"), _export_avoided, _erase_avoided
    ),
    "mentoring.on_others_lists": Record(("mentor_avoid",), None, _key_others_lists),
    "mentoring.requests": Record(("mentor_requests", "matches"), _export_requests, _erase_requests),
    "mentoring.asked_to_mentor": Record(("mentor_requests",), _export_asks, _erase_asks),
    "mentoring.asks_moved_on": Record(("mentor_requests",), _export_moved_on, _erase_moved_on),
    "mentoring.declines": Record(("mentor_passes",), _export_declines, _erase_declines),
    "mentoring.matches": Record(("matches",), _export_matches, _erase_matches),
    "mentoring.feedback": Record(("match_feedback",), _export_feedback, _erase_feedback),
    "mentoring.private_space": Record(("member_inboxes",), _export_space, _erase_space),
    "mentoring.round_plans": Record(("matching_rounds",), None, _keep),
    "intros.programmes": Record(("intro_participants",), _export_programmes, _erase_programmes),
    "intros.intros": Record(
        ("intro_group_members", "members", "outbox"), _export_intros, _erase_intros
    ),
    "audit.moderator_changes": Record(("audit_log",), _export_changes, _erase_changes),
    "audit.named_in_changes": Record(("audit_log",), None, _unname_in_changes),
    "directory.thanks_given": Record(
        ("thanks", "members"), _export_thanks_given, _erase_thanks_given
    ),
    "directory.thanks_received": Record(
        ("thanks", "members"), _export_thanks_received, _erase_thanks_received
    ),
    "newcomers.welcome": Record(("newcomers",), _export_welcome, _erase_welcome),
}

# Every other table, and why it holds nothing about a member.
NOT_PERSONAL: dict[str, str] = {
    "communities": "a guild or workspace: its platform id and when copbot left or came back",
    "community_settings": "the community's settings (channels, the pin emoji, durations)",
    "resource_mirrors": "copbot's own pins of library entries",
    "prompt_schedules": "when and where prompts are posted",
    "prompt_occurrences": "what copbot posted when: prompt texts as posted in the channel",
    "round_schedules": "when matching rounds run",
    "intro_programmes": "intros programmes: their channel, cadence, group size",
    "intro_rounds": "when each intros round ran",
    "intro_groups": "the groups of each intros round (their members are `intros.intros`)",
}

PERSONAL_TABLES = tuple(sorted({t for record in RECORDS.values() for t in record.tables}))
