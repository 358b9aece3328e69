"""What web sign-in keeps about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.personal import Erased, Kept

KEPT = (
    Kept(
        "sign_ins",
        "your sign-in links and browser sessions: when each was made, until when it works, "
        "whether it opens the moderators' pages (never the secret itself, which copbot "
        "doesn't keep)",
        Erased.DELETED,
    ),
)
