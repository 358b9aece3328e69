"""copbot's web pages in a serving process: the catalog's links point at them, and each
platform's core serves its own communities' pages (adapters/web/)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from adapters.web import WebPages
from bot.app import build_catalog
from bot.kernel.catalog import Catalog
from bot.kernel.core import Core
from bot.web.links import WebGate
from copbot.config import Settings

log = logging.getLogger(__name__)


def web_catalog(settings: Settings) -> Catalog:
    """The catalog, its `/web` links pointing where the config says the pages are."""
    return build_catalog(web_url=settings.web.public_url())


def serve_pages(pages: WebPages | None, platform: str, core: Core) -> None:
    """`platform`'s communities' pages, through `core`, when this process serves pages."""
    if pages is not None:
        pages.serve(platform, core, WebGate(store=core.store, clock=core.clock))


@asynccontextmanager
async def serving_pages(settings: Settings) -> AsyncIterator[WebPages | None]:
    """The pages on `[web] host:port` while the block runs (None when they are off). A port
    that is taken is logged: copbot serves its chat without pages rather than not at all."""
    if not settings.web.enabled:
        yield None
        return
    pages = WebPages(base_url=settings.web.public_url())
    runner = web.AppRunner(pages.application(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, settings.web.host, settings.web.port).start()
        except OSError as error:
            log.error(
                "can't serve the web pages on %s:%d: %s",
                settings.web.host,
                settings.web.port,
                error,
            )
            yield None
            return
        log.debug("web pages at %s", pages.base_url)
        yield pages
    finally:
        await runner.cleanup()
