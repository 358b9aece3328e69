"""copbot's real matching round as the load the end-to-end benchmarks serve traffic under:
the synthetic community of bench.matching stored in copbot's tables, and a moderator's
`/mentor round preview` run again and again through the core."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy

from bot.kernel.core import Core
from bot.kernel.messages import Actor, CommunityKey, Invocation
from bot.mentoring.matching import MentorOffer, Seeker
from storage import schema
from storage.store import SqlStore

# A zone without daylight saving time for each offset, so the seeded offsets hold all year.
ZONE_NAMES = {-8: "Pacific/Pitcairn", -7: "America/Phoenix", -6: "America/Regina",
              -5: "America/Bogota", -3: "America/Argentina/Buenos_Aires", 0: "UTC",
              1: "Africa/Lagos", 2: "Africa/Johannesburg", 3: "Europe/Istanbul",
              5.5: "Asia/Kolkata", 7: "Asia/Bangkok", 8: "Asia/Singapore", 9: "Asia/Tokyo",
              10: "Australia/Brisbane", 12: "Pacific/Fiji"}  # fmt: skip
FIRST_ID = 1000  # seeded members and requests start here, clear of those copbot made


def seed(
    connection: sqlalchemy.Connection,
    community_id: int,
    seekers: Sequence[Seeker],
    offers: Sequence[MentorOffer],
    now: datetime,
) -> None:
    """The synthetic community as copbot's tables: members with their timezone and
    languages, mentors with topics and room, every seeker an open (waitlisted) request,
    exclusions as don't-match entries. For `Database.run_sync`."""
    people = {o.person.member_id: o.person for o in offers}
    people.update((s.person.member_id, s.person) for s in seekers)
    stamps = {"community_id": community_id, "created_at": now, "updated_at": now}
    connection.execute(
        schema.members.insert(),
        [
            {
                **stamps,
                "id": FIRST_ID + p.member_id,
                "user_id": f"seeded{p.member_id}",
                "display_name": f"Seeded {p.member_id}",
                "timezone": None if p.utc_offset is None else ZONE_NAMES[p.utc_offset],
            }
            for p in people.values()
        ],
    )
    _insert(
        connection,
        schema.member_tags,
        [
            {
                "community_id": community_id,
                "member_id": FIRST_ID + p.member_id,
                "kind": "language",
                "tag": language,
                "position": n,
            }
            for p in people.values()
            for n, language in enumerate(sorted(p.languages))
        ],
    )
    _insert(
        connection,
        schema.mentors,
        [
            {
                **stamps,
                "member_id": FIRST_ID + o.person.member_id,
                "capacity": o.spare,
                "paused": False,
            }
            for o in offers
        ],
    )
    _insert(
        connection,
        schema.mentor_topics,
        [
            {
                "community_id": community_id,
                "member_id": FIRST_ID + o.person.member_id,
                "topic": topic,
                "position": n,
            }
            for o in offers
            for n, topic in enumerate(sorted(o.topics))
        ],
    )
    _insert(
        connection,
        schema.mentor_requests,
        [
            {
                **stamps,
                "id": FIRST_ID + s.request_id,
                "mentee_id": FIRST_ID + s.person.member_id,
                "topic": s.topic,
                "note": "",
                "channel_id": "general",
                "status": "waiting",
                "notified": True,
                "left_out": s.left_out,
            }
            for s in seekers
        ],
    )
    _insert(
        connection,
        schema.mentor_avoid,
        [
            {
                "community_id": community_id,
                "member_id": FIRST_ID + s.person.member_id,
                "other_id": FIRST_ID + mentor,
            }
            for s in seekers
            for mentor in s.excluded
        ],
    )


def _insert(
    connection: sqlalchemy.Connection, table: sqlalchemy.Table, rows: list[dict[str, object]]
) -> None:
    if rows:
        connection.execute(table.insert(), rows)


async def seed_store(
    store: SqlStore,
    where: CommunityKey,
    seekers: Sequence[Seeker],
    offers: Sequence[MentorOffer],
    now: datetime,
) -> None:
    """`seed` into the community `where` of a running copbot's store."""
    async with store.unit_of_work(where) as uow:  # the community's row exists from here
        await uow.commit()

    def work(connection: sqlalchemy.Connection) -> None:
        found = sqlalchemy.select(schema.communities.c.id).where(
            schema.communities.c.platform == where.platform,
            schema.communities.c.external_id == where.id,
        )
        seed(connection, connection.execute(found).scalar_one(), seekers, offers, now)

    await store.database.run_sync(work)


async def rounds_back_to_back(core: Core, moderator: Actor, took: list[float]) -> None:
    """copbot's real round as a moderator runs it (`/mentor round preview`: read every open
    request, plan, store the proposal), again and again until cancelled: the load the
    end-to-end benchmarks serve their traffic under. Each round's seconds go to `took`."""
    preview = Invocation(moderator, "general", "mentor round preview")
    while True:
        began = time.perf_counter()
        reply = await core.invoke(preview)
        if reply.error or not reply.text.startswith("Proposed round"):
            raise RuntimeError(f"the round failed: {reply.text}")
        took.append(time.perf_counter() - began)
