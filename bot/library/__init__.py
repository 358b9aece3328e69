"""The library: links and chat messages the community keeps, searchable and voted.

Native pins are capped and hard to search; the library is where knowledge lives, and
moderators may mirror its best entries into a channel's pins.
"""

from __future__ import annotations

from bot.kernel.catalog import Catalog
from bot.library import commands, export, personal, pins, saving, views


def register(catalog: Catalog) -> None:
    catalog.group(
        "library", "Links the community keeps, searched and voted", "/library search python"
    )
    commands.register(catalog)
    saving.register(catalog)
    pins.register(catalog)
    export.register(catalog)
    views.register(catalog)
    catalog.renamed("resource", "library")  # the group's earlier name, still typed by some
    catalog.renamed("lib.", "library.")  # on buttons posted before the rename
    catalog.keeps_personal_data("library", *personal.KEPT)
