"""Sign-in links and sessions, as storage keeps them: by a digest of their secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=7)
LINKS_PER_HOUR = 5  # a member asking for more is refused until the hour has passed


class PassKind(StrEnum):
    LINK = "link"  # from `/web`: opened once, within `LINK_LIFETIME`
    SESSION = "session"  # a browser's cookie, for `SESSION_LIFETIME`


@dataclass(frozen=True)
class Pass:
    """A link or a session of one member; `moderator`: whether it opens moderators' pages."""

    member_id: int
    kind: PassKind
    moderator: bool
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Holder:
    """Who holds a session, as a browser's every request needs it (one read)."""

    member_id: int
    user_id: str
    display_name: str
    moderator: bool
