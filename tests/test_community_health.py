"""The gap map, `/community health` and the weekly digest, through the core on a real
SQLite file: searches that found nothing counted per topic and week only, levels of
participation, mentoring outcomes, and a digest sent once a week whichever process runs."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.community.digest import DigestRunner
from bot.kernel.core import Core
from bot.kernel.messages import Reply
from tests.fakes import FakeChat, ManualClock, Talk
from tests.test_community import ELSEWHERE, mentored


def card(reply: Reply, title: str) -> str:
    found = next(c for c in reply.cards if c.title == title)
    return "\n".join([found.body, *(f"{f.name}: {f.value}" for f in found.fields)])


async def test_searches_that_found_nothing_make_the_gap_map(talk: Talk) -> None:
    await talk("alice", "/library search query:rust")
    await talk("alice", "/who knows topic:rust")
    await talk("bob", "/library search query:Rust")
    await talk("bob", "/profile set interests:rust")
    waiting = await talk("bob", "/mentor request topic:rust")
    assert "waitlist" in waiting.text, waiting.text
    health = await talk("mod", "/community health")
    assert health.ephemeral
    gap_map = card(health, "Gap map")
    assert (
        "• rust: 3 searches found nothing, 1 mentor request found nobody free, 1 request "
        "waiting now (no mentor, no resource)"
    ) in gap_map
    # A resource tagged rust covers it partly: still no mentor.
    await talk("carol", "/library add url:https://example.org/rust title:Rust tags:rust")
    assert "(no mentor)" in card(await talk("mod", "/community health"), "Gap map")


async def test_the_gap_map_keeps_counts_per_topic_and_week_and_nothing_else(
    talk: Talk, clock: ManualClock, sqlite_url: str
) -> None:
    await talk("alice", "/library search query:  Rust   Macros ")
    clock.advance(timedelta(days=7))
    await talk("bob", "/who knows topic:rust")
    await talk("bob", "/who knows topic:rust")
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT * FROM search_gaps ORDER BY week, topic").fetchall()
        columns = [c[1] for c in db.execute("PRAGMA table_info(search_gaps)")]
    assert columns == ["community_id", "topic", "week", "kind", "misses"]
    assert [row[1:] for row in rows] == [
        ("rust macros", "2026-01-05", "library", 1),
        ("rust", "2026-01-12", "who", 2),
    ]
    clock.advance(timedelta(weeks=4))  # out of the gap map's four weeks
    assert "No gaps" in card(await talk("mod", "/community health"), "Gap map")


async def test_a_search_that_found_something_or_a_later_page_is_no_gap(talk: Talk) -> None:
    await talk("carol", "/library add url:https://example.org/go title:Go tags:go")
    await talk("alice", "/library search query:go")
    assert "No gaps" in card(await talk("mod", "/community health"), "Gap map")


async def test_health_is_for_moderators_and_one_community_only(talk: Talk) -> None:
    refused = await talk("alice", "/community health")
    assert refused.error and not refused.cards
    await talk("alice", "/who knows topic:rust")
    elsewhere = Talk(talk.core, community=ELSEWHERE)
    assert "No gaps" in card(await elsewhere("mod", "/community health"), "Gap map")


async def test_members_by_level_of_participation(talk: Talk, clock: ManualClock) -> None:
    for who in ("mod", "bob", "carol", "dave"):
        await talk(who, "/profile set skills:python")
    clock.advance(timedelta(days=40))  # none of them new any more
    for n in range(12):
        await talk("bob", f"/library add url:https://example.org/{n} title:T{n} tags:python")
    for n in range(3):
        await talk("dave", f"/library add url:https://example.org/d{n} title:D{n}")
    await talk("erin", "/profile set skills:go")  # new, whatever they do
    levels = card(await talk("mod", "/community health"), "Participation")
    assert levels.splitlines() == [
        "Core (≥ 12 actions): 1",
        "Active (3-11 actions): 1",
        "Peripheral (< 3 actions): 2",
        "New (first seen in 30 days): 1",
        "Members: 5",
        "Newcomers: 0 of 5 welcomed finished their first steps",  # bot/newcomers' line
    ]
    clock.advance(timedelta(days=91))  # what they did is older than 90 days
    later = card(await talk("mod", "/community health"), "Participation")
    assert "Core (≥ 12 actions): 0" in later and "Peripheral (< 3 actions): 5" in later
    assert "Newcomers" not in later  # nobody was welcomed in these 90 days


async def test_mentoring_outcomes(talk: Talk, chat: FakeChat) -> None:
    assert "No match began" in card(await talk("mod", "/community health"), "Mentoring")
    await talk("bob", "/mentor offer topics:python capacity:2")
    await mentored(talk, chat, "bob", "alice", 4)
    outcomes = card(await talk("mod", "/community health"), "Mentoring")
    assert outcomes.splitlines() == [
        "Matches begun: 1",
        "Met: 1 of 1 answered (100%)",
        "Rating: 4.0 of 5 (1 rating)",
    ]


# The weekly digest


class Deliver(DigestRunner):
    """The digest runner as the timer runs it, waiting for the outbox to deliver."""

    def __init__(self, core: Core, clock: ManualClock) -> None:
        super().__init__(store=core.store, clock=clock)
        self.core = core

    async def run_due(self, *, grace: timedelta | None = None) -> int:
        recorded = await super().run_due(grace=grace)
        assert self.core.outbox is not None
        await self.core.outbox.drain()
        return recorded


async def test_the_digest_is_sent_once_a_week_whichever_process_runs(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    set_up = await talk("mod", "/community digest digest monday 09:30 Europe/Berlin")
    assert "Mondays at 09:30 Europe/Berlin" in set_up.text, set_up.text
    assert "the first on Mon 12 Jan 09:30" in set_up.text
    await talk("carol", '/library add url:https://example.org/py title:"Py tips" tags:python')
    await talk("bob", "/thanks @carol reason:tips")
    await talk("bob", "/profile set interests:haskell")
    await talk("bob", "/mentor request topic:haskell")
    one, two = Deliver(core, clock), Deliver(core, clock)
    assert await one.run_due() == 0  # not due yet
    clock._now = datetime(2026, 1, 12, 8, 30, tzinfo=UTC)
    assert await one.run_due() + await two.run_due() + await one.run_due() == 1
    [digest] = chat.posted_to("digest")
    assert digest.text.startswith("📰 The week in the community, 05 Jan to 12 Jan")
    assert "1 new resource this week.\n• Py tips: https://example.org/py" in card(digest, "Library")
    activity = card(digest, "Activity")
    assert "Thanks given: 1" in activity and "Newcomers: 3" in activity  # mod, carol, bob
    helping = card(digest, "Can you help?")
    assert "1 request waiting for a mentor" in helping
    assert (
        "• haskell: 1 mentor request found nobody free, 1 request waiting now "
        "(no mentor, no resource)"
    ) in helping
    clock.advance(timedelta(days=7))
    assert await two.run_due() == 1
    second = chat.posted_to("digest")[-1]
    assert "0 new resources" in card(second, "Library")
    assert "Newcomers: 0" in card(second, "Activity")


async def test_the_digest_links_the_last_prompts_thread_as_the_platform_gave_it(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock, sqlite_url: str
) -> None:
    await talk("mod", "/prompt schedule weekly friday 09:00 UTC")
    await talk("mod", "/prompt post-now schedule:1")
    assert core.outbox is not None
    await core.outbox.drain()
    [thread] = chat.threads  # the prompt's message: its thread is t<message>
    await talk("mod", "/community digest digest monday 09:30 UTC")
    preview = card(await talk("mod", "/community digest-preview"), "Last prompt")
    assert f"Answers in its thread: https://chat.test/home/t{thread}" in preview
    # A prompt posted before links were kept (migration 0022) names its channel instead.
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE prompt_occurrences SET url = NULL")
    clock.advance(timedelta(minutes=31))
    assert await Deliver(core, clock).run_due() == 1
    sent = card(chat.posted_to("digest")[-1], "Last prompt")
    assert "In <#weekly>." in sent and "https://" not in sent


async def test_a_digest_long_overdue_is_left_out_and_stopping_stops_it(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await talk("mod", "/community digest digest monday 09:30 UTC")
    clock._now = datetime(2026, 1, 12, 20, 0, tzinfo=UTC)  # ten hours late
    assert await Deliver(core, clock).run_due(grace=timedelta(hours=6)) == 0
    assert chat.posted_to("digest") == []
    stopped = await talk("mod", "/community digest-stop")
    assert stopped.text == "The weekly digest is stopped."
    clock.advance(timedelta(days=7))
    assert await Deliver(core, clock).run_due() == 0
    assert (await talk("mod", "/community digest-stop")).error


async def test_the_digest_refuses_a_channel_it_cannot_see_and_previews(
    talk: Talk, chat: FakeChat
) -> None:
    chat.missing.add("secret")
    refused = await talk("mod", "/community digest secret monday 09:30 UTC")
    assert refused.error and "can't see" in refused.text
    assert (await talk("alice", "/community digest general monday 09:30 UTC")).error
    await talk("alice", "/thanks @bob")
    preview = await talk("mod", "/community digest-preview")
    assert preview.ephemeral and "Thanks given: 1" in card(preview, "Activity")
    assert chat.posted_to("general")[-1].text.startswith("🙏")  # the note, not a digest


async def test_a_channel_that_refuses_the_digest_tells_the_moderators(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    await talk("mod", "/prompt moderators #mods")
    await talk("mod", "/community digest digest monday 09:30 UTC")
    chat.unavailable.add("digest")
    clock.advance(timedelta(hours=1))
    assert await Deliver(core, clock).run_due() == 1
    assert chat.posted_to("digest") == []
    [told] = chat.posted_to("mods")
    assert told.text.startswith("I couldn't post the weekly digest in <#digest>")
    assert await Deliver(core, clock).run_due() == 0  # not retried against a refusal
