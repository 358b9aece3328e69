"""The outbox: what copbot sends on its own is recorded with the change, delivered after
commit per community, retried, and never doubled; a slow or failing platform holds up
nobody else."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from bot.kernel.core import Core
from bot.kernel.messages import (
    Attachment,
    Button,
    ButtonStyle,
    Card,
    CardField,
    CommunityKey,
    MessageRef,
    Reply,
)
from bot.kernel.outbox import COMMUNITIES_AT_ONCE
from bot.kernel.pacer import Pacer
from bot.kernel.ports import ChatLimits, MemberInfo
from bot.kernel.sends import (
    Inbox,
    OpenSpace,
    Pin,
    Post,
    Send,
    StartThread,
    Unpin,
    decode_ref,
    decode_steps,
    encode_ref,
    encode_steps,
    notice,
)
from tests.fakes import START, FakeChat, ManualClock, Talk

SLOW, FAILING, HEALTHY = (CommunityKey("test", name) for name in ("slow", "failing", "healthy"))


@dataclass
class FaultyChat(FakeChat):
    """A platform that answers one community slowly and fails another with 5xx."""

    failing_communities: set[CommunityKey] = field(default_factory=set)
    slow: dict[CommunityKey, asyncio.Event] = field(default_factory=dict)
    slow_members: dict[str, asyncio.Event] = field(default_factory=dict)
    reached: dict[CommunityKey, asyncio.Event] = field(default_factory=dict)  # a post went

    async def post(self, community, channel_id, reply, *, thread_id=None, key=None):  # type: ignore[no-untyped-def]
        if community in self.failing_communities:
            raise RuntimeError("503 Service Unavailable")
        if community in self.slow:
            await self.slow[community].wait()
        ref = await super().post(community, channel_id, reply, thread_id=thread_id, key=key)
        self.reached.setdefault(community, asyncio.Event()).set()
        return ref

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None:
        if user_id in self.slow_members:
            await self.slow_members[user_id].wait()
        return await super().member_info(community, user_id)


async def schedule_prompts(core: Core, clock: ManualClock, *communities: CommunityKey) -> None:
    clock._now = START - timedelta(days=1)
    for community in communities:
        talk = Talk(core, community)
        await talk("mod", "/prompt moderators #mods")
        await talk("mod", f"/prompt add 'Hello {community.id}'")
        await talk("mod", "/prompt schedule weekly monday 09:00 UTC")
    clock._now = START


def prompts(chat: FakeChat, community: CommunityKey) -> list[str]:
    return [
        s.reply.cards[0].body
        for s in chat.sent
        if s.community == community and s.reply.cards and s.to == "#weekly"
    ]


async def test_one_community_slow_another_failing_and_the_third_posts_on_time(
    sqlite_url: str, clock: ManualClock
) -> None:
    from copbot.bootstrap import open_app

    chat = FaultyChat()
    async with open_app(sqlite_url, chat=chat, clock=clock) as app:
        await schedule_prompts(app.core, clock, SLOW, FAILING, HEALTHY)
        chat.slow[SLOW] = asyncio.Event()
        chat.failing_communities.add(FAILING)
        for runner in app.timer.runners[1:]:  # the capabilities' runners claim what is due
            await runner.run_due()
        delivering = asyncio.create_task(app.outbox.run_due())
        await asyncio.wait_for(chat.reached.setdefault(HEALTHY, asyncio.Event()).wait(), 5)
        assert prompts(chat, HEALTHY) == ["Hello healthy"]
        assert prompts(chat, SLOW) == prompts(chat, FAILING) == []  # held up, alone
        chat.slow[SLOW].set()
        await asyncio.wait_for(delivering, timeout=5)
        assert prompts(chat, SLOW) == ["Hello slow"]
        assert prompts(chat, FAILING) == []  # waits to try again
        chat.failing_communities.clear()  # healed
        clock.advance(timedelta(minutes=1))
        await app.outbox.drain()
        clock.advance(timedelta(minutes=10))
        await app.outbox.drain()
    assert prompts(chat, FAILING) == ["Hello failing"]  # once, not recorded as missed
    assert prompts(chat, SLOW) == ["Hello slow"] and prompts(chat, HEALTHY) == ["Hello healthy"]


async def test_a_slow_platform_holds_up_no_command_and_no_reply(
    sqlite_url: str, clock: ManualClock
) -> None:
    """On SQLite every command of the process takes turns on one connection: a send or a
    first-contact question the platform is slow to answer must not hold it."""
    from copbot.bootstrap import open_app

    chat = FaultyChat()
    async with open_app(sqlite_url, chat=chat, clock=clock) as app:
        core = app.core
        await Talk(core, SLOW).__call__("mod", "/prompt moderators #mods")
        await Talk(core, HEALTHY).__call__("bob", "/profile set bio:hi")
        chat.slow[SLOW] = asyncio.Event()
        slow, healthy = Talk(core, SLOW), Talk(core, HEALTHY)
        suggested = await asyncio.wait_for(
            core.invoke_text(slow.actor("alice"), "general", "/prompt suggest 'Tea or coffee?'"),
            timeout=2,
        )
        assert "moderators will look" in suggested.text  # answered before the post went out
        assert chat.sent == []  # the post to the moderators waits on the slow platform
        shown = core.invoke_text(healthy.actor("bob"), "general", "/profile show")
        assert "hi" in (await asyncio.wait_for(shown, timeout=2)).cards[0].body
        chat.slow_members["newcomer"] = asyncio.Event()
        first_contact = asyncio.create_task(
            core.invoke_text(slow.actor("newcomer"), "general", "/profile show")
        )
        again = core.invoke_text(healthy.actor("bob"), "general", "/profile show")
        assert not (await asyncio.wait_for(again, timeout=2)).error
        assert not first_contact.done()  # only they wait for the platform
        chat.slow_members["newcomer"].set()
        chat.slow[SLOW].set()
        assert not (await first_contact).error
        await app.outbox.drain()
    assert [s.reply.text for s in chat.sent] == ["Alice suggests a prompt:"]


async def test_a_send_goes_only_with_the_change_that_recorded_it(
    talk: Talk, chat: FakeChat
) -> None:
    """A command that fails rolls back what it recorded to send, too."""
    await talk("mod", "/prompt moderators #mods")
    await talk("alice", "/prompt suggest ''")  # refused: nothing recorded, nothing sent
    assert chat.sent == []
    await talk("alice", "/prompt suggest 'A fine question?'")
    assert len(chat.posted_to("mods")) == 1


async def test_the_same_key_twice_is_one_send(core: Core, talk: Talk, chat: FakeChat) -> None:
    async with core.store.unit_of_work(talk.community) as uow:
        first = notice("hello-1", Reply("Hello"), channel_id="general")
        assert await uow.outbox.add(first, START)
        assert not await uow.outbox.add(first, START)
        await uow.outbox.add_all(
            [first, notice("hello-2", Reply("Again"), channel_id="general")], START
        )
        await uow.commit()
    await talk.settle()
    assert [r.text for r in chat.posted_to("general")] == ["Hello", "Again"]


async def test_a_send_no_longer_wanted_is_dropped(
    core: Core, talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    """An ask whose mentor isn't the one asked any more when it would go out stays unsent:
    here the mentee withdrew while the platform was failing."""
    await talk("bob", "/mentor offer topics:python capacity:1")
    chat.failing.add("general")
    await talk("alice", "/profile set interests:python")
    asked = await talk("alice", "/mentor request topic:python")
    assert "I asked Bob" in asked.text
    await talk.press("alice", "Withdraw #1", on=await talk("alice", "/mentor requests"))
    chat.failing.clear()
    clock.advance(timedelta(minutes=1))
    await talk.settle()
    assert not [s for s in chat.sent if "would like you as their mentor" in s.reply.text]


def test_every_step_survives_its_stored_form() -> None:
    reply = Reply(
        "text",
        cards=(Card("t", "b", (CardField("n", "v", inline=False),), "https://x.org", "f"),),
        buttons=(Button("Go", "mentor.accept", "1", ButtonStyle.PRIMARY),),
        attachments=(Attachment("a.json", b"\x00{}", "application/json"),),
        mention="123",
    )
    ref = MessageRef("test", "c", "m", "t", "https://chat.test/c/t")
    steps = (
        Post(reply, channel_id="c", thread_id="t"),
        Post(Reply("dm"), user_id="u"),
        Post(Reply("there"), into=0),
        OpenSpace("c", ("u1", "u2"), "space"),
        Inbox(7, "u", "c", "inbox"),
        StartThread(0, "answers"),
        Pin(on=0),
        Pin(ref=ref),
        Unpin(ref),
    )
    assert decode_steps(encode_steps(steps)) == steps
    assert Send("k", "key", steps).steps == steps


def test_a_ref_stored_before_refs_had_links_still_reads() -> None:
    assert decode_ref(["test", "c", "m", "t"]) == MessageRef("test", "c", "m", "t")
    ref = MessageRef("test", "c", "m", None, "https://chat.test/c/m")
    assert decode_ref(encode_ref(ref)) == ref


@dataclass
class HeldPacer(Pacer):
    """A platform whose pace in some channels holds every post there until released."""

    held: set[str] = field(default_factory=set)
    waiting: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, channel_id: str) -> None:
        if channel_id in self.held:
            self.waiting += 1
            await self.release.wait()


async def test_communities_waiting_out_their_pace_hold_up_no_other(
    sqlite_url: str, clock: ManualClock
) -> None:
    """More communities than are served at once wait for a slow pace (Slack's second a
    channel, a backlog after an outage): a send of another community still goes at once."""
    from copbot.bootstrap import open_app

    async def record(community: CommunityKey, channel: str) -> None:
        async with app.core.store.unit_of_work(community) as uow:
            await uow.outbox.add(notice(f"hi-{channel}", Reply("hi"), channel_id=channel), START)
            await uow.commit()
        app.outbox.wake()

    chat = FaultyChat()
    async with open_app(sqlite_url, chat=chat, clock=clock) as app:
        pacer = app.outbox.pacer = HeldPacer(limits=chat.limits, held={"held"})
        busy = [CommunityKey("test", f"busy-{n}") for n in range(COMMUNITIES_AT_ONCE + 4)]
        for community in busy:
            await record(community, "held")
        for _ in range(200):
            if pacer.waiting == len(busy):
                break
            await asyncio.sleep(0.01)
        assert pacer.waiting == len(busy)  # every one at the pace, none holding a place
        await record(HEALTHY, "open")
        await asyncio.wait_for(chat.reached.setdefault(HEALTHY, asyncio.Event()).wait(), 5)
        assert [s.community for s in chat.sent] == [HEALTHY]
        pacer.release.set()
        await app.outbox.drain()
    assert sorted(s.community.id for s in chat.sent) == sorted(c.id for c in [*busy, HEALTHY])


async def test_a_claim_takes_only_what_the_pace_lets_go_soon(
    sqlite_url: str, clock: ManualClock
) -> None:
    """What a process claims waits out the lease if it dies: at Slack's post a second a
    channel, a claim takes 5 sends, not 25."""
    from sqlalchemy import func, select

    from copbot.bootstrap import open_app
    from storage.outbox import SENDING
    from storage.schema import outbox
    from storage.store import SqlStore

    chat = FaultyChat(limits=ChatLimits(channel_interval=1.0))
    async with open_app(sqlite_url, chat=chat, clock=clock) as app:
        pacer = app.outbox.pacer = HeldPacer(limits=chat.limits, held={"held"})
        async with app.core.store.unit_of_work(HEALTHY) as uow:
            for n in range(30):
                await uow.outbox.add(notice(f"n{n}", Reply("hi"), channel_id="held"), START)
            await uow.commit()
        app.outbox.wake()
        for _ in range(200):
            if pacer.waiting:
                break
            await asyncio.sleep(0.01)
        store = app.core.store
        assert isinstance(store, SqlStore)
        async with store.database.transaction() as db:
            claimed = await db.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.status == SENDING)
            )
        assert claimed == 5
        pacer.release.set()
        await app.outbox.drain()
    assert len(chat.sent) == 30


async def test_an_app_delivers_only_its_own_platforms_sends(
    sqlite_url: str, clock: ManualClock
) -> None:
    """Processes of different platforms (or one process's Discord and Slack apps) share a
    database: each sender takes its own platform's sends and leaves the others' waiting,
    where another chat would refuse them (and pause a schedule for good)."""
    from copbot.bootstrap import open_app

    here, there = CommunityKey("test", "here"), CommunityKey("elsewhere", "there")
    chat = FakeChat()
    async with open_app(sqlite_url, chat=chat, clock=clock, platform="test") as app:
        for community in (here, there):
            async with app.core.store.unit_of_work(community) as uow:
                await uow.outbox.add(notice("hi", Reply("hi"), channel_id="general"), START)
                await uow.commit()
        app.outbox.wake()
        await app.outbox.drain()
        assert [s.community for s in chat.sent] == [here]
        assert await app.core.store.communities_with_due_sends(START, timedelta(minutes=5)) == [
            there
        ]
