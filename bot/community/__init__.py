"""The community: who knows what (a directory of listed members, with expertise derived
from what they do) and thanks. It reads other capabilities' records only through its own
port (`ports.py`), which storage implements by joining their tables."""

from __future__ import annotations

from bot.community import charts, digest, directory, health, personal, settings, thanks
from bot.kernel.catalog import Catalog


def register(catalog: Catalog) -> None:
    catalog.group(
        "who", "Who knows what: listed members by topic, and why", "/who knows topic:python"
    )
    catalog.group("thanks", "Thank a member in public for their help", "/thanks @member")
    catalog.group(
        "community",
        "The community's settings, weekly digest and health",
        "/community health",
    )
    directory.register(catalog)
    thanks.register(catalog)
    settings.register(catalog)
    health.register(catalog)
    charts.register(catalog)
    digest.register(catalog)
    # Under "directory": the export's "community" names the guild or workspace.
    catalog.keeps_personal_data("directory", *personal.KEPT)
