"""What weekly prompts keep about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.personal import Erased, Kept

KEPT = (
    Kept(
        "suggested",
        "the prompts you suggested, and what became of them",
        Erased.ANONYMISED,
        "pending, rejected and queued ones go (queued ones stay if you choose to leave what "
        "you shared); posted ones stay without your name: the channel shows them already",
    ),
    Kept(
        "answers",
        "how many replies you posted under each prompt, and their message ids (never text)",
        Erased.DELETED,
    ),
)
