"""Intros at a glance: a member's programmes and their next round (Slack's App Home)."""

from __future__ import annotations

from bot.intros.membership import standing
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Card, CardField, Reply


def register(catalog: Catalog) -> None:
    catalog.home_section(at_a_glance)


async def at_a_glance(context: Context) -> Reply | None:
    member = await context.member()
    mine = await context.uow.intros.memberships(member.id)
    if not mine:
        return None
    programmes = {p.id: p for p in await context.uow.intros.programmes()}
    fields = tuple(
        CardField(
            programmes[p.programme_id].name,
            standing(programmes[p.programme_id], p, member, context.now),
        )
        for p in mine[:8]
        if p.programme_id in programmes
    )
    return Reply(cards=(Card("Intros", fields=fields),))
