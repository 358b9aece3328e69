"""The pages in a real browser: Debian's headless Chromium driven by Playwright (never a
browser of Playwright's own). Sign in with a `/web` link the console community's core
gives, browse, search, vote, see another community's link refused, and check every page
with axe-core (bundled by axe-playwright-python, read from disk) at 360 and 1280 px,
writing a screenshot of each into `screenshots/web/` (printed at the end).

One browser for the whole module; the site runs on an event loop in a thread of its own,
since Playwright's sync API runs its own loop."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from bot.kernel.messages import CommunityKey
from tests.web.site import Site, site_on

T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (360, 1280)
SHOTS = Path(__file__).parents[2] / "screenshots" / "web"
CONSOLE = CommunityKey("console", "local")
HOSTILE = "<script>alert(1)</script>Guide"


class Served:
    """The site on its own loop in a thread; `run` waits for a coroutine there."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._opened = site_on(url, community=CONSOLE)
        self.site: Site = self.run(self._opened.__aenter__())

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        done: Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return done.result(timeout=30)

    def close(self) -> None:
        self.run(self._opened.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'copbot.db'}"
    served = Served(url)
    talk = served.site.talk
    for line in (
        "/library add https://example.org/async title:Async Python tags:python note:Loops",
        "/library add https://example.org/go title:Go in practice tags:go",
        f"/library add https://example.org/x title:'{HOSTILE}' tags:python note:'<b>hi</b>'",
    ):
        assert not served.run(talk("alice", line)).error
    saved = served.run(talk("carol", "/profile set skills:python"))
    served.run(talk.press("carol", "Yes, list me", on=saved))
    served.run(talk("mod", "/prompt add What are you reading?"))
    yield served
    served.close()


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        reason = f"no {CHROMIUM}: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"screenshots of the web pages: {SHOTS}")


def signed_in(served: Served, browser: Browser, who: str, width: int = 1280) -> Page:
    """A new browser context of `who`, signed in with the link `/web` gave them."""
    link = served.run(served.site.link(who))
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(served.site.url(link))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/c/console/local/$"))
    return page


def test_sign_in_browse_search_and_vote(served: Served, browser: Browser) -> None:
    page = signed_in(served, browser, "bob")
    assert "Signed in as Bob." in page.inner_text("footer")
    page.get_by_role("navigation").get_by_role("link", name="Library").click()
    assert "The library, best voted first" in page.inner_text("main")
    page.get_by_label("Search the library").fill("python")
    page.get_by_role("button", name="Search").click()
    results = page.inner_text("main")
    assert "Results for “python”" in results and "Go in practice" not in results
    assert HOSTILE in results  # shown as text, never run
    page.get_by_role("link", name=re.compile(r"^Open #1$")).click()
    assert page.get_by_role("heading", level=1).inner_text() == "#1 Async Python"
    assert re.search(r"Votes:?\s*0", page.inner_text("main"))
    page.get_by_role("button", name="Upvote").click()
    assert "Upvoted #1 “Async Python” (1 vote)." in page.inner_text("main")
    page.goto(served.site.url("/c/console/local/resource/1"))
    assert re.search(r"Votes:?\s*1", page.inner_text("main"))
    page.context.close()


def test_another_communitys_link_is_refused(served: Served, browser: Browser) -> None:
    link = served.run(served.site.link("dave"))
    page = browser.new_context().new_page()
    page.goto(served.site.url(link.replace("/c/console/local/", "/c/console/elsewhere/")))
    page.get_by_role("button", name="Sign in").click()
    assert "This link doesn't work" in page.inner_text("main")
    page.goto(served.site.url("/c/console/elsewhere/library"))
    assert "Please sign in" in page.inner_text("main")
    page.context.close()


def test_a_moderator_opens_a_chart_and_its_table(served: Served, browser: Browser) -> None:
    page = signed_in(served, browser, "mod")
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Health").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Community health"
    chart = page.locator("section#tags")
    drawing = chart.get_by_role("img", name="The library's top tags")
    assert drawing.is_visible()
    # pygal's own <style> applies (allowed by its hash): the plot's background is white,
    # not SVG's default black.
    fill = chart.locator("svg .background").first.evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(255, 255, 255)"
    table = chart.get_by_role("table")
    assert not table.is_visible()
    chart.get_by_text("The table behind").click()
    assert table.is_visible()
    assert table.get_by_role("row", name="python 2").is_visible()
    assert refused == []  # nothing the CSP refused, no script
    page.context.close()


def test_a_member_sees_only_the_public_charts(served: Served, browser: Browser) -> None:
    page = signed_in(served, browser, "erin")
    page.goto(served.site.url("/c/console/local/health"))
    assert "haven't shared any health chart" in page.inner_text("main")
    served.run(served.site.talk("mod", "/community health-public chart:library public:yes"))
    page.reload()
    shown = page.locator("section.chart").evaluate_all("all => all.map(s => s.id)")
    assert shown == ["library"]
    assert page.get_by_role("button", name="Show to members").count() == 0
    served.run(served.site.talk("mod", "/community health-public chart:library public:no"))
    page.goto(served.site.url("/c/console/elsewhere/health"))  # another community's
    assert "Please sign in" in page.inner_text("main")
    assert page.locator("section.chart").count() == 0
    page.context.close()


PAGES = {
    "home": "/",
    "library": "/library",
    "search": "/search?q=python",
    "resource": "/resource/1",
    "tags": "/tags",
    "handbook": "/handbook",
    "who": "/who",
    "who-knows": "/who/python",
    "audit": "/audit",
    "health": "/health",
}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_passes_axe_and_fits(served: Served, browser: Browser, width: int) -> None:
    page = signed_in(served, browser, "mod", width)
    axe = Axe()
    found = {}
    for name, path in PAGES.items():
        page.goto(served.site.url(f"/c/console/local{path}"))
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
        violations = axe.run(page).response["violations"]
        found[name] = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, (name, wide)  # nothing scrolls sideways
    assert found == {name: [] for name in PAGES}
    page.context.close()
