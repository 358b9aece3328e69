"""What copbot keeps about a member, declared once per capability (`Catalog.keeps`).

`/privacy export` and `/privacy erase` are both generated from these declarations: each
kind is exported under its name and erased as it says, by the one storage mapping of that
kind (storage/personal.py). So nothing can be erased that isn't exported, and a test walks
the schema and fails on any table that holds member data no kind covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.kernel.members import Member

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Erased(StrEnum):
    """What `/privacy erase` does with one kind of record."""

    DELETED = "deleted"
    ANONYMISED = "kept without you"  # others rely on it: no name of yours, none of your words
    KEPT = "kept for others"  # others' own records that point at you: not yours to export


@dataclass(frozen=True)
class Kept:
    """One kind of record a capability keeps about a member."""

    name: str  # its key in the export, snake_case like every key in there
    holds: str  # what it is, as the member would say it
    erased: Erased
    why: str = ""  # what erase keeps of it and why; every kind not simply deleted says

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"personal data {self.name!r} must be a snake_case name")
        if self.erased is not Erased.DELETED and not self.why:
            raise ValueError(f"personal data {self.name!r} keeps something: say why")

    @property
    def exported(self) -> bool:
        """Others' records that merely point at the member (their confidential lists) are
        theirs, so the member's export leaves them out and says so."""
        return self.erased is not Erased.KEPT


@dataclass(frozen=True)
class PersonalData:
    """Everything one capability keeps about a member; `capability` keys its part of the
    export and, with each kind's name, the storage that holds it."""

    capability: str
    kinds: tuple[Kept, ...]


@dataclass(frozen=True)
class Erasure:
    """One member's erase: when, and whether they chose to leave what they shared (the
    title and note of resources, prompts a moderator approved) for the community."""

    now: datetime
    leave_shared: bool = False


class PersonalDataRepository(Protocol):
    """The kinds of record capabilities declare they keep about a member
    (`Catalog.keeps_personal_data`), by capability and kind name: storage maps each kind
    to its tables in one place, so its export and its erase read and change the same rows."""

    async def export(self, capability: str, kind: str, member: Member) -> object:
        """The member's records of this kind, as JSON values (snake_case keys)."""
        ...

    async def erase(self, capability: str, kind: str, member: Member, erasure: Erasure) -> None:
        """Erase them as the kind's declaration says (`Kept.erased`)."""
        ...


@dataclass(frozen=True)
class Departure:
    """When copbot was last removed from a community, and whether it came back since or
    erased the community's data."""

    left_at: datetime | None = None
    back_at: datetime | None = None
    erased_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.left_at is not None and self.back_at is None and self.erased_at is None
