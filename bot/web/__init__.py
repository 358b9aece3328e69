"""Sign-in to copbot's web pages: `/web` answers with a personal link that works once, and
opening it starts a browser session for that member in that one community.

The pages themselves are an adapter (adapters/web/), which reads through the core like
any other; this capability holds the one rule it can't: who a browser is."""

from __future__ import annotations

from bot.kernel.catalog import Catalog
from bot.web import links, personal
from bot.web.demoted import Demotions


def register(catalog: Catalog, *, base_url: str) -> None:
    """`base_url`: where members' browsers reach the pages (the config's `[web] base_url`)."""
    catalog.group("web", "copbot's pages in your browser", "/web")
    links.register(catalog, base_url=base_url)
    catalog.role_seen(Demotions().seen)
    catalog.keeps_personal_data("web", *personal.KEPT)
