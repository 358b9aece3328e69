"""Browsers: what a web adapter asks about who is signed in (bot/web implements it).

A browser is a member of one community: the adapter learns who from a sign-in link or a
session cookie, through this port, and then calls the core as that member like any chat
adapter does for a platform's user. So every page is scoped to that one community, and
every permission is still the core's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.kernel.messages import Actor, CommunityKey


@dataclass(frozen=True)
class Visit:
    """A signed-in browser: as whom it acts, and the session's secret for its cookie."""

    actor: Actor
    session: str


class Gate(Protocol):
    async def sign_in(self, community: CommunityKey, link: str) -> Visit | None:
        """A new session for whoever `link` (the secret of a `/web` link) was made for, if it
        was made in `community`, is unused and unexpired; the link is then used up."""
        ...

    async def visitor(self, community: CommunityKey, session: str) -> Actor | None:
        """Who holds this session of `community`, if it is still valid: not expired, the
        member not erased; moderator only if still a moderator's session."""
        ...

    async def sign_out(self, community: CommunityKey, session: str) -> None: ...
