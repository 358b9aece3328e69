"""Administration: `/audit`, `/privacy` (and erasing communities that removed copbot) and
`/help`, over what the other capabilities declare."""

from __future__ import annotations

from bot.admin import audit, help, leaving, privacy
from bot.kernel.catalog import Catalog


def register(catalog: Catalog) -> None:
    """Last: privacy and help read what the capabilities before them declared."""
    privacy.register(catalog)
    leaving.register(catalog)
    audit.register(catalog)
    help.register(catalog)
