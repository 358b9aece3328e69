"""What web sign-in needs from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.web.model import Holder, Pass, PassKind


class WebRepository(Protocol):
    """Sign-in links and sessions of the unit of work's community only, found by the
    digest of their secret (the secret itself is never stored)."""

    async def add(self, digest: str, granted: Pass) -> None: ...

    async def made_since(self, member_id: int, kind: PassKind, since: datetime) -> int:
        """How many passes of `kind` the member was given after `since` (the rate limit)."""
        ...

    async def use_link(self, digest: str, now: datetime) -> Pass | None:
        """The link with this digest, if it is unused and unexpired, marked used: of two
        browsers opening it at once, one gets it."""
        ...

    async def session(self, digest: str, now: datetime) -> Holder | None:
        """Who holds the unexpired session with this digest, if not an erased member."""
        ...

    async def opens_moderator_pages(self, member_id: int) -> bool:
        """Whether a link or session of the member (expired or not) opens moderators' pages."""
        ...

    async def no_longer_moderator(self, member_id: int) -> int:
        """The member's passes open no moderators' page any more; how many did."""
        ...

    async def end(self, digest: str) -> None:
        """Signing out: the session with this digest ends."""
        ...
