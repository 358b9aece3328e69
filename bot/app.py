"""The catalog of everything copbot can do: the kernel's shared sources, then each
capability in turn."""

from __future__ import annotations

from bot import admin, community, intros, library, mentoring, newcomers, profiles, prompts, web
from bot.kernel import sources
from bot.kernel.catalog import Catalog

LOCAL_PAGES = "http://127.0.0.1:8080"  # the `[web]` config's default address


def build_catalog(*, web_url: str = LOCAL_PAGES) -> Catalog:
    """`web_url`: where members' browsers reach copbot's pages, for `/web`'s links."""
    catalog = Catalog()
    sources.register(catalog)
    newcomers.register(catalog)  # first: `/start` leads `/help`, the steps lead the home tab
    profiles.register(catalog)
    library.register(catalog)
    prompts.register(catalog)
    mentoring.register(catalog)
    intros.register(catalog)
    community.register(catalog)
    web.register(catalog, base_url=web_url)
    admin.register(catalog)
    return catalog
