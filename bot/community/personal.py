"""What the community keeps about a member, for `/privacy export` and `/privacy erase`.
(Whether they are listed in `/who` is part of their profile.)"""

from __future__ import annotations

from bot.kernel.personal import Erased, Kept

KEPT = (
    Kept(
        "thanks_given",
        "the thanks you gave: whom, when, the topic and your reason",
        Erased.ANONYMISED,
        "the thanks stay with whom you thanked, from a former member and without your "
        "reason, unless you choose to leave it; the public note stays in the channel's history",
    ),
    Kept(
        "thanks_received",
        "the thanks you received: from whom, when, the topic and their reason",
        Erased.ANONYMISED,
        "they stay in the giver's record and the community's counts, to a former member, "
        "without the reason (it was about you) or the message it was for",
    ),
    Kept(
        "expertise",
        "what copbot counted of you per topic for `/who knows`: skills, mentoring offered, "
        "matches mentored and their ratings, resources saved and their upvotes, thanks",
        Erased.DELETED,
    ),
)
