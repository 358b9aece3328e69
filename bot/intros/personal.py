"""What intros keep about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.personal import Erased, Kept

KEPT = (
    Kept(
        "programmes",
        "the intros programmes you joined: how often, pauses, intros you left unanswered",
        Erased.DELETED,
    ),
    Kept(
        "intros",
        "the intros you were in (who with, when) and your answers to “did you meet?”",
        Erased.DELETED,
    ),
)
