"""Weekly prompts: moderators queue discussion prompts and schedule them; copbot posts each
one exactly once (`runner`), opens a thread for answers, counts who answered and recaps it.
"""

from __future__ import annotations

from bot.kernel.catalog import Catalog
from bot.prompts import answers, personal, queue, runner, schedules, suggestions


def register(catalog: Catalog) -> None:
    catalog.group(
        "prompt",
        "A weekly question to discuss in its thread",
        "/prompt suggest What did you learn this week?",
    )
    queue.register(catalog)
    schedules.register(catalog)
    suggestions.register(catalog)
    answers.register(catalog)
    catalog.keeps_personal_data("prompts", *personal.KEPT)
    runner.register(catalog)
