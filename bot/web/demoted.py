"""A moderator whom the platform no longer calls one loses the moderators' pages at their
next command, button or message action in chat (`Catalog.role_seen`), not only when they
next ask for `/web`.

What is left: a demoted moderator who says nothing to copbot in chat keeps the moderators'
pages in a browser already signed in, until the session ends (7 days at most): the web
pages can't ask the platform, and copbot hears of a role only with what a member does."""

from __future__ import annotations

from collections import OrderedDict

from bot.kernel.messages import Actor, CommunityKey
from bot.kernel.ports import Store

REMEMBERED = 100_000  # members this process knows hold no moderator pass


class Demotions:
    """Which members this process knows hold no moderators' pass: for them, a command as a
    member costs nothing; anyone else seen as a member is looked up once (a read), and only
    one with such a pass waits for the write that ends it."""

    def __init__(self) -> None:
        self._cleared: OrderedDict[tuple[CommunityKey, str], None] = OrderedDict()

    async def seen(self, store: Store, actor: Actor) -> None:
        key = (actor.community, actor.user_id)
        if actor.is_moderator:  # they may be given moderators' pages again
            self._cleared.pop(key, None)
            return
        if key in self._cleared:
            return
        async with store.reading(actor.community) as uow:
            member = await uow.members.by_user(actor.user_id)
            held = member is not None and await uow.web.opens_moderator_pages(member.id)
        if held and member is not None:
            async with store.unit_of_work(actor.community) as uow:
                await uow.web.no_longer_moderator(member.id)
                await uow.commit()
        self._cleared[key] = None
        if len(self._cleared) > REMEMBERED:
            self._cleared.popitem(last=False)
