"""`/web`: a personal sign-in link, and the gate that turns it into a browser session."""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import quote

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Actor, Card, CommunityKey, Reply
from bot.kernel.ports import Clock, Store
from bot.kernel.visits import Visit
from bot.web.model import (
    LINK_LIFETIME,
    LINKS_PER_HOUR,
    SESSION_LIFETIME,
    Pass,
    PassKind,
)

HOUR = LINK_LIFETIME * 4
SECRET_BYTES = 32  # 43 URL-safe characters: unguessable, so a digest without salt will do
MAX_SECRET = 64


def register(catalog: Catalog, *, base_url: str) -> None:
    async def web(context: Context) -> Reply:
        return await web_link(context, base_url)

    catalog.command("web", "A personal link that signs you in to copbot's pages")(web)


def community_path(community: CommunityKey) -> str:
    """Where a community's pages live, below the base URL: its platform and id, quoted."""
    return f"/c/{quote(community.platform, safe='')}/{quote(community.id, safe='')}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def web_link(context: Context, base_url: str) -> Reply:
    """A link that works once, for `LINK_LIFETIME`; a moderator's opens moderators' pages.
    A member who asks as a non-moderator has every moderator's session of theirs ended."""
    member = await context.member()
    web = context.uow.web
    if await web.made_since(member.id, PassKind.LINK, context.now - HOUR) >= LINKS_PER_HOUR:
        raise UserError(
            f"You asked for {LINKS_PER_HOUR} links within the hour: please use one of them, "
            "or ask again a little later."
        )
    moderator = context.actor.is_moderator
    if not moderator:
        await web.no_longer_moderator(member.id)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    granted = Pass(member.id, PassKind.LINK, moderator, context.now, context.now + LINK_LIFETIME)
    await web.add(digest(secret), granted)
    url = f"{base_url.rstrip('/')}{community_path(context.actor.community)}/signin/{secret}"
    pages = (
        "the library, the directory and the moderators' pages"
        if moderator
        else ("the library and the directory")
    )
    return Reply(
        "Your personal link to copbot's pages: keep it to yourself.",
        cards=(
            Card(
                "Open copbot in your browser",
                f"It signs you in to {pages} for {SESSION_LIFETIME.days} days. It works "
                f"once, within {LINK_LIFETIME.seconds // 60} minutes.",
                link=url,
            ),
        ),
        ephemeral=True,
    )


class WebGate:
    """The kernel's `Gate`: sessions from links, and who holds a session."""

    def __init__(self, *, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def sign_in(self, community: CommunityKey, link: str) -> Visit | None:
        if not _well_formed(link):
            return None
        now = self._clock.now()
        async with self._store.unit_of_work(community) as uow:
            used = await uow.web.use_link(digest(link), now)
            if used is None:
                await uow.commit()
                return None
            member = (await uow.members.by_ids([used.member_id])).get(used.member_id)
            if member is None:
                await uow.commit()
                return None
            session = secrets.token_urlsafe(SECRET_BYTES)
            granted = Pass(member.id, PassKind.SESSION, used.moderator, now, now + SESSION_LIFETIME)
            await uow.web.add(digest(session), granted)
            await uow.commit()
        actor = Actor(community, member.user_id, member.display_name, used.moderator)
        return Visit(actor, session)

    async def visitor(self, community: CommunityKey, session: str) -> Actor | None:
        if not _well_formed(session):
            return None
        async with self._store.reading(community) as uow:
            found = await uow.web.session(digest(session), self._clock.now())
        if found is None:
            return None
        return Actor(community, found.user_id, found.display_name, found.moderator)

    async def sign_out(self, community: CommunityKey, session: str) -> None:
        if not _well_formed(session):
            return
        async with self._store.unit_of_work(community) as uow:
            await uow.web.end(digest(session))
            await uow.commit()


def _well_formed(secret: str) -> bool:
    """What `secrets.token_urlsafe` makes: anything else is refused before the database."""
    return 0 < len(secret) <= MAX_SECRET and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in secret
    )
