"""Intros (learning pairs): opt-in programmes that introduce members who have not met.

The grouping engine (`model`, `weights`, `candidates`, `solve`, `grouping`, `seating`,
`threes`, `reasons`, `worker`) plans a round; the rest is the product around it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.kernel.catalog import Catalog


def register(catalog: Catalog) -> None:
    """The capability's commands, notices and runner. Its modules are imported here, not
    when the package is: the round's worker process imports the package for the engine's
    few modules and must not pull the whole capability (and the kernel)."""
    from bot.intros import home, membership, notices, personal, programmes, rounds, runner

    catalog.group(
        "intro",
        "Be introduced to members you haven't met, in pairs or trios",
        "/intro status",
        "/intro setup #intros weekly monday 09:00 Europe/Berlin",
    )
    programmes.register(catalog)  # first: its autocomplete source serves every command
    membership.register(catalog)
    rounds.register(catalog)
    notices.register(catalog)
    home.register(catalog)
    catalog.keeps_personal_data("intros", *personal.KEPT)
    runner.register(catalog)
