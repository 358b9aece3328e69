"""A community's web pages on loopback, for tests: the real core on a SQLite file, the
real aiohttp application, members who talk to the core as in chat and browse as a
browser would (an aiohttp client with its own cookie jar each)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import ClientResponse, ClientSession, CookieJar
from aiohttp.test_utils import TestServer, unused_port

from adapters.web import WebPages
from bot.app import build_catalog
from bot.kernel.core import Core
from bot.kernel.messages import CommunityKey
from bot.web.links import WebGate
from copbot.bootstrap import open_core
from tests.fakes import HOME, FakeChat, ManualClock, Talk

LINK = re.compile(r"/c/[^/\s]+/[^/\s]+/signin/[A-Za-z0-9_-]+")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Site:
    talk: Talk
    clock: ManualClock
    server: TestServer
    browsers: dict[str, ClientSession] = field(default_factory=dict)

    @property
    def core(self) -> Core:
        return self.talk.core

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    def browser(self, who: str) -> ClientSession:
        """`who`'s browser: a cookie jar of its own that keeps cookies for 127.0.0.1."""
        if who not in self.browsers:
            self.browsers[who] = ClientSession(cookie_jar=CookieJar(unsafe=True))
        return self.browsers[who]

    async def link(self, who: str) -> str:
        """The path of the sign-in link `/web` gives `who` in chat."""
        reply = await self.talk(who, "/web")
        assert not reply.error, reply.text
        found = LINK.search(reply.cards[0].link or "")
        assert found is not None, reply.cards[0].link
        return found[0]

    async def sign_in(self, who: str, link: str | None = None) -> ClientResponse:
        """Open the link and press Sign in, as `who`'s browser."""
        path = link or await self.link(who)
        async with self.browser(who).get(self.url(path)) as page:
            assert page.status == 200 and "Sign in" in await page.text()
        return await self.browser(who).post(self.url(path), allow_redirects=False)

    async def page(self, who: str, path: str, status: int = 200) -> str:
        async with self.browser(who).get(self.url(path)) as response:
            text = await response.text()
            assert response.status == status, (response.status, text[:2000])
            return text

    async def press(self, who: str, on: str, label: str, *, csrf: str | None = None) -> str:
        """Submit the form of the button `label` on the page at `on`, as a browser does."""
        page = await self.page(who, on)
        form = re.search(
            r'<form class="inline" method="post" action="([^"]+)">\s*'
            r'<input type="hidden" name="csrf" value="([0-9a-f]*)">\s*'
            r'<input type="hidden" name="action" value="([^"]*)">\s*'
            r'<input type="hidden" name="value" value="([^"]*)">\s*'
            rf'<button type="submit" class="\w+">{re.escape(label)}</button>',
            page,
        )
        assert form is not None, page
        action, token, action_id, value = form.groups()
        data = {"csrf": token if csrf is None else csrf, "action": action_id, "value": value}
        async with self.browser(who).post(self.url(action), data=data) as response:
            return await response.text()

    async def close(self) -> None:
        for browser in self.browsers.values():
            await browser.close()


@asynccontextmanager
async def site_on(
    url: str, *, base: str | None = None, community: CommunityKey = HOME
) -> AsyncIterator[Site]:
    """The pages on a free loopback port; `base`: the public address links name (by
    default that port's, as a browser reaches it); `community`: where the members talk."""
    port = unused_port()
    base = base or f"http://127.0.0.1:{port}"
    clock, chat = ManualClock(), FakeChat()
    async with open_core(url, chat=chat, clock=clock, catalog=build_catalog(web_url=base)) as core:
        pages = WebPages(base_url=base)
        pages.serve(community.platform, core, WebGate(store=core.store, clock=clock))
        server = TestServer(pages.application(), host="127.0.0.1", port=port)
        await server.start_server()
        site = Site(Talk(core, community=community), clock, server)
        try:
            yield site
        finally:
            await site.close()
            await server.close()
