"""Mentor matching: mentors offer topics and capacity, members request a mentor on a topic,
the best-fitting mentor is asked to accept or decline, and moderators can run a round
that assigns every open request at once, optimally (`matching`).

A request's row is its state: `asking` one mentor until a deadline, `waiting` on the
waitlist, then `matched` or `cancelled`. Answers are conditional updates on that row,
so of two racing accepts exactly one wins. Messages go out after the state is committed
(`notices`); the ask to a mentor is marked once sent and re-sent (with the same key) by
the `MentorRunner` until it is, so a crash loses no ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.kernel.catalog import Catalog


def register(catalog: Catalog) -> None:
    """The capability's commands, notices and runner. Its modules are imported here, not
    when the package is: the round's worker process (`worker`) imports the package for
    the round's few modules and must not pull the whole capability (and the kernel)."""
    from bot.mentoring import (
        home,
        matches,
        moderation,
        notices,
        offers,
        personal,
        requests,
        rounds,
        settings,
    )
    from bot.mentoring.runner import mentor_runner

    catalog.group(
        "mentor",
        "Find a mentor, or become one",
        "/mentor request python",
        "/mentor offer topics:python, sql capacity:2",
    )
    requests.register(catalog)
    offers.register(catalog)
    matches.register(catalog)
    settings.register(catalog)
    rounds.register(catalog)
    home.register(catalog)
    moderation.register(catalog)
    notices.register(catalog)
    catalog.keeps_personal_data("mentoring", *personal.KEPT)
    catalog.runner(mentor_runner)
