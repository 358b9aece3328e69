"""What the library keeps about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.personal import Erased, Kept

KEPT = (
    Kept(
        "saved",
        "the links and messages you saved: address, title, note, tags, votes",
        Erased.ANONYMISED,
        "what nobody else voted for goes; what others voted for keeps its link and votes but "
        "loses your title, note and tags, unless you choose to leave them",
    ),
    Kept("upvoted", "what you voted for", Erased.DELETED),
    Kept(
        "messages_saved_by_others",
        "your chat messages that others saved: their text as title and note",
        Erased.ANONYMISED,
        "the saver's entry keeps its link and their tags; your words go, unless you choose "
        "to leave them",
    ),
)
