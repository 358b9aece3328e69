"""Members arriving: what the platform says of a member this process hasn't met, and the
capabilities' greeters (`Catalog.greeter`), which hear of a member's first command or
interaction and of the platform telling copbot that someone joined."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from enum import StrEnum
from typing import TypeVar

from bot.kernel.context import Context
from bot.kernel.messages import Actor, CommunityKey, Reply
from bot.kernel.ports import Chat, MemberInfo, Store

T = TypeVar("T", Reply, Reply | None, list[Reply])
MET = 100_000  # members this process remembers having met (and greeted), per process


class Arrival(StrEnum):
    """How a greeter hears of a member."""

    TALKED = "talked"  # a command, button, form or message action: its reply can carry theirs
    JOINED = "joined"  # joined the community (Slack's `team_join`)
    JOINED_CHANNEL = "channel"  # joined `Context.channel_id` (Slack's `member_joined_channel`)


# What a greeter returns for `TALKED` follows the reply, seen only by whoever acted; on a
# join nobody is answered, so a greeter sends what it has to say itself (`Context.send`).
Greeter = Callable[[Context, Arrival], Awaitable[Reply | None]]


class Arrivals:
    """Which members this process has met and greeted. Both are remembered only once the
    unit of work committed, so a rolled-back command leaves them to the next one; what the
    greeters record is theirs to keep once per member, whichever process greets first."""

    def __init__(self, *, store: Store, chat: Chat, greeters: Sequence[Greeter]) -> None:
        self._store = store
        self._chat = chat
        self._greeters = tuple(greeters)
        self._met: OrderedDict[tuple[CommunityKey, str], None] = OrderedDict()
        self._greeted: OrderedDict[tuple[CommunityKey, str], None] = OrderedDict()

    async def first_contact(self, actor: Actor) -> MemberInfo | None:
        """What the platform says of a member this process hasn't met, asked before the
        unit of work begins: a platform that is slow to answer then holds up only them,
        never the database (on SQLite, every command of the process)."""
        if (actor.community, actor.user_id) in self._met:
            return None
        async with self._store.unit_of_work(actor.community) as uow:
            known = await uow.members.by_user(actor.user_id)
        if known is not None:
            self.met_now(actor)
            return None
        return await self._chat.member_info(actor.community, actor.user_id)

    def met_now(self, actor: Actor) -> None:
        _remember(self._met, actor)

    async def greet(self, context: Context, reply: T) -> T:
        """`reply` with what the greeters say to a member's first command or interaction (in
        this process) as its private follow-up. A reply that can't carry one (a form, a
        refusal, or no reply at all), or a call that leaves no trace, leaves the greeting to
        the next."""
        actor = context.actor
        if not self._greeters or (actor.community, actor.user_id) in self._greeted:
            return reply
        if context.no_trace:
            return reply
        if not isinstance(reply, Reply) or reply.form is not None or reply.error:
            return reply
        said = await self.hear(context, Arrival.TALKED)

        async def greeted() -> None:  # a join marks nobody: its channel may not have counted
            _remember(self._greeted, actor)

        context.after_commit(greeted)
        return replace(reply, followup=_together(said)) if said else reply

    async def hear(self, context: Context, arrival: Arrival) -> list[Reply]:
        """What each greeter says of this arrival."""
        return [r for greeter in self._greeters if (r := await greeter(context, arrival))]


def _together(said: list[Reply]) -> Reply:
    """One private message of what several greeters said."""
    return Reply(
        "\n\n".join(r.text for r in said if r.text),
        tuple(c for r in said for c in r.cards),
        tuple(b for r in said for b in r.buttons),
        ephemeral=True,
    )


def _remember(seen: OrderedDict[tuple[CommunityKey, str], None], actor: Actor) -> None:
    seen[(actor.community, actor.user_id)] = None
    seen.move_to_end((actor.community, actor.user_id))
    if len(seen) > MET:
        seen.popitem(last=False)
