"""What the library needs from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.kernel.messages import MessageRef
from bot.library.model import Found, Mirror, NewResource, Resource


class LibraryRepository(Protocol):
    """The library of the unit of work's community only."""

    async def get(self, resource_id: int) -> Resource | None: ...

    async def by_url(self, url: str) -> Resource | None: ...

    async def add(self, new: NewResource, now: datetime) -> Resource: ...

    async def update(self, resource: Resource, now: datetime) -> Resource:
        """Write title, note and tags."""
        ...

    async def remove(self, resource_id: int) -> None: ...

    async def vote(self, resource_id: int, member_id: int, now: datetime) -> bool:
        """False when this member already voted for it."""
        ...

    async def unvote(self, resource_id: int, member_id: int) -> bool:
        """False when this member hadn't voted for it."""
        ...

    async def search(self, words: list[str], tag: str | None, limit: int, offset: int) -> Found:
        """Resources with every word (as a prefix) in title, tags or note: those with all
        words in the title first, then in the tags, then in the note; ties by votes and
        newest. The same order on every engine. The total is how many resources the
        search pages through (none is known past the last page: it is then 0)."""
        ...

    async def browse(self, tag: str | None, top: bool, limit: int, offset: int) -> list[Resource]:
        """By votes (`top`) or newest first."""
        ...

    async def count(self, tag: str | None) -> int:
        """How many resources `browse` pages through."""
        ...

    async def tag_counts(self, limit: int) -> list[tuple[str, int]]: ...

    async def everything(self) -> list[Resource]:
        """The whole library, oldest first (exports)."""
        ...

    async def mirrors(self, channel_id: str) -> list[Mirror]:
        """copbot's own pins in a channel, oldest first."""
        ...

    async def mirrors_of(self, resource_id: int) -> list[Mirror]: ...

    async def add_mirror(self, resource_id: int, ref: MessageRef, now: datetime) -> None: ...

    async def remove_mirror(self, ref: MessageRef) -> None: ...
