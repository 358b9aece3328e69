"""What the newcomers capability keeps about a member, for `/privacy export` and `/privacy
erase`. (Their steps are read from the other capabilities' records, which declare them.)"""

from __future__ import annotations

from bot.kernel.personal import Erased, Kept

KEPT = (
    Kept(
        "welcome",
        "when copbot welcomed you here, and how you arrived (your first command, joining "
        "the workspace or an intros programme's channel)",
        Erased.DELETED,
    ),
)
