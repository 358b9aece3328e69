"""The catalog of everything copbot can do: each capability registers itself here."""

from __future__ import annotations

from bot import audit, guide, library, mentoring, privacy, profiles, prompts
from bot.catalog import Catalog


def build_catalog() -> Catalog:
    catalog = Catalog()
    profiles.register(catalog)
    library.register(catalog)
    prompts.register(catalog)
    mentoring.register(catalog)
    privacy.register(catalog)
    audit.register(catalog)
    guide.register(catalog)
    return catalog
