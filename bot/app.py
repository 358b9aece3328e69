"""The catalog of everything copbot can do: the kernel's shared sources, then each
capability in turn."""

from __future__ import annotations

from bot import admin, community, intros, library, mentoring, newcomers, profiles, prompts
from bot.kernel import sources
from bot.kernel.catalog import Catalog


def build_catalog() -> Catalog:
    catalog = Catalog()
    sources.register(catalog)
    newcomers.register(catalog)  # first: `/start` leads `/help`, the steps lead the home tab
    profiles.register(catalog)
    library.register(catalog)
    prompts.register(catalog)
    mentoring.register(catalog)
    intros.register(catalog)
    community.register(catalog)
    admin.register(catalog)
    return catalog
