"""The health page over HTTP on loopback: every chart for moderators, drawn as SVG with a
title, description and its table; only what moderators share for members; the page's CSP
allowing exactly its drawings' styles; hostile tags escaped; one community only."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import AsyncIterator

import pytest

from bot.community.charts import TITLES
from tests.web.site import Site, site_on

HOME = "/c/test/home"
HOSTILE_TOPIC = '<b>x</b> <script>alert("topic")</script>'
CHART = re.compile(r'<section class="chart" id="([a-z]+)"')


@pytest.fixture
async def site(sqlite_url: str) -> AsyncIterator[Site]:
    async with site_on(sqlite_url) as opened:
        yield opened


def charts(page: str) -> list[str]:
    return CHART.findall(page)


def table(page: str, key: str) -> str:
    found = re.search(rf'<details id="{key}-table">(.*?)</details>', page, re.S)
    assert found is not None, page
    return found[1]


async def test_a_moderator_sees_every_chart_with_its_table(site: Site) -> None:
    for n in range(3):
        reply = await site.talk(
            "alice", f"/library add url:https://example.org/{n} title:T{n} tags:python"
        )
        assert not reply.error, reply.text
    await site.talk("bob", "/library search query:haskell")  # a gap
    await site.sign_in("mod")
    async with site.browser("mod").get(site.url(f"{HOME}/health")) as response:
        page = await response.text()
        assert response.status == 200, page
        policy = response.headers["Content-Security-Policy"]
    assert charts(page) == list(TITLES)
    assert "<script" not in page and " style=" not in page
    for key, title in TITLES.items():
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in page
        assert f'<title id="chart-{key}-title">{html.escape(title, quote=False)}</title>' in page
    tags = table(page, "tags")
    assert '<th scope="row">python</th><td>3</td>' in tags
    assert '<th scope="row">haskell</th><td>1</td>' in table(page, "gaps")
    assert "Show to members" in page and "Hide from members" not in page
    # The CSP allows each drawing's <style> by its hash, and no other inline style.
    styles = re.findall(r'<style type="text/css">(.*?)</style>', page, re.S)
    assert len(styles) == len(TITLES)
    hashes = re.findall(r"'sha256-([A-Za-z0-9+/=]+)'", policy)
    assert sorted(hashes) == sorted(
        {
            base64.b64encode(hashlib.sha256(html.unescape(s).encode()).digest()).decode()
            for s in styles
        }
    )
    assert "script-src" not in policy and "'unsafe-inline'" not in policy
    assert policy.startswith("default-src 'none'; style-src 'self' 'sha256-")


async def test_members_see_only_the_charts_moderators_share(site: Site) -> None:
    await site.sign_in("alice")
    nothing = await site.page("alice", f"{HOME}/health")
    assert charts(nothing) == [] and "haven't shared any health chart" in html.unescape(nothing)
    await site.sign_in("mod")
    shared = await site.press("mod", f"{HOME}/health", "Show to members")  # the first chart
    assert "Members now see “Members taking part, week by week”" in html.unescape(shared)
    await site.talk("mod", "/community health-public chart:library public:yes")
    page = await site.page("alice", f"{HOME}/health")
    assert charts(page) == ["participation", "library"]
    assert "Show to members" not in page and "Hide from members" not in page
    moderator = await site.page("mod", f"{HOME}/health")
    assert charts(moderator) == list(TITLES) and moderator.count("Hide from members") == 2
    hidden = await site.press("mod", f"{HOME}/health", "Hide from members")
    assert "Members no longer see" in hidden
    assert charts(await site.page("alice", f"{HOME}/health")) == ["library"]


async def test_a_member_cannot_press_a_moderators_button(site: Site) -> None:
    await site.sign_in("mod")
    await site.sign_in("alice")
    page = await site.page("mod", f"{HOME}/health")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', await site.page("alice", f"{HOME}/"))
    assert token is not None and "participation:on" in page
    data = {"csrf": token[1], "action": "community.health_public", "value": "participation:on"}
    async with site.browser("alice").post(site.url(f"{HOME}/act"), data=data) as refused:
        assert refused.status == 400
    assert charts(await site.page("alice", f"{HOME}/health")) == []


async def test_hostile_tags_and_topics_are_escaped_in_drawing_and_table(site: Site) -> None:
    reply = await site.talk("alice", "/library add url:https://example.org/x title:X tags:r&d")
    assert not reply.error, reply.text
    await site.talk("bob", f"/library search query:{HOSTILE_TOPIC}")  # a gap, as typed
    await site.sign_in("mod")
    page = await site.page("mod", f"{HOME}/health")
    assert "<script" not in page and "<b>" not in page
    svg = re.search(r'<section class="chart" id="tags".*?</svg>', page, re.S)
    assert svg is not None and ">r&amp;d<" in svg[0]
    assert '<th scope="row">r&amp;d</th>' in table(page, "tags")
    # The search's words make the gap's topic: what reaches the chart is words only.
    assert '<th scope="row">b x script alert topic</th>' in table(page, "gaps")


async def test_another_communitys_session_reads_no_health(site: Site) -> None:
    await site.sign_in("mod")
    session = site.browser("mod").cookie_jar.filter_cookies(site.server.make_url(f"{HOME}/"))
    carried = site.browser("carrier")
    carried.cookie_jar.update_cookies({"copbot_session": session["copbot_session"].value})
    refused = await site.page("carrier", "/c/test/elsewhere/health", status=401)
    assert charts(refused) == [] and "Please sign in" in refused
