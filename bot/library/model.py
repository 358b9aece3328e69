"""The resource library's records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.kernel.messages import MessageRef


@dataclass(frozen=True)
class Resource:
    id: int
    url: str
    title: str
    note: str
    tags: tuple[str, ...]
    created_at: datetime
    votes: int = 0
    saved_by: int | None = None  # member id; None once the saver erased their data
    saved_by_name: str | None = None
    author_name: str | None = None  # who wrote the chat message it was saved from


@dataclass(frozen=True)
class Found:
    """One page of a search, and how many resources the search pages through."""

    resources: list[Resource]
    total: int


@dataclass(frozen=True)
class NewResource:
    url: str
    title: str
    note: str
    tags: tuple[str, ...]
    saved_by: int
    author: int | None = None


@dataclass(frozen=True)
class Mirror:
    """A native pin copbot made of a resource."""

    resource_id: int
    ref: MessageRef
    created_at: datetime
