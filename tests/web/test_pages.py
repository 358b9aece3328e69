"""The web pages over HTTP on loopback, with the real core on a SQLite file: sign-in by a
`/web` link, sessions and their end, the library, directory and audit pages read through
the core, voting by the core's rules, CSRF, headers, escaping, and one community only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

import adapters.web.pages
from bot.kernel.messages import CommunityKey
from tests.web.site import CSRF, Site, site_on

HOSTILE_TITLE = '<script>alert("t")</script> & "quotes"'
HOSTILE_NOTE = "<img src=x onerror=alert(1)> `code` <b>bold</b>"
HOSTILE_NAME = "<i>Eve</i><script>"


@pytest.fixture
async def site(sqlite_url: str) -> AsyncIterator[Site]:
    async with site_on(sqlite_url) as opened:
        yield opened


async def saved(site: Site, who: str, line: str) -> int:
    reply = await site.talk(who, f"/library add {line}")
    assert not reply.error, reply.text
    return int(reply.cards[0].title.split(" ")[0].removeprefix("#"))


# Sign-in


async def test_a_web_link_signs_in_once_with_a_strict_cookie(site: Site) -> None:
    link = await site.link("alice")
    signed = await site.sign_in("alice", link)
    assert signed.status == 303 and signed.headers["Location"] == "/c/test/home/"
    cookie = signed.headers["Set-Cookie"]
    for part in ("copbot_session=", "HttpOnly", "SameSite=Lax", "Path=/c/test/home/"):
        assert part in cookie
    assert "Max-Age=604800" in cookie and "Secure" not in cookie  # http here
    home = await site.page("alice", "/c/test/home/")
    assert "Signed in as Alice." in home

    again = await site.browser("mallory").post(site.url(link), allow_redirects=False)
    assert again.status == 403 and "used already" in await again.text()
    assert "Set-Cookie" not in again.headers


async def test_https_base_makes_the_cookie_secure(sqlite_url: str) -> None:
    async with site_on(sqlite_url, base="https://cop.example.org") as site:
        signed = await site.sign_in("alice")
        assert "Secure" in signed.headers["Set-Cookie"]
        link = (await site.talk("alice", "/web")).cards[0].link or ""
        assert link.startswith("https://cop.example.org/c/test/home/signin/")


async def test_opening_the_link_only_shows_a_button(site: Site) -> None:
    """A link previewer that GETs the URL doesn't use up the member's link."""
    link = await site.link("alice")
    for _ in range(2):
        await site.page("bob", link)
    assert (await site.sign_in("alice", link)).status == 303


async def test_a_link_expires_after_15_minutes(site: Site) -> None:
    link = await site.link("alice")
    site.clock.advance(timedelta(minutes=15))
    refused = await site.sign_in("alice", link)
    assert refused.status == 403


async def test_links_are_rate_limited_per_member(site: Site) -> None:
    for _ in range(5):
        await site.link("alice")
    refused = await site.talk("alice", "/web")
    assert refused.error and refused.ephemeral and "5 links within the hour" in refused.text
    assert not (await site.talk("bob", "/web")).error  # another member's own limit
    site.clock.advance(timedelta(hours=1))
    assert not (await site.talk("alice", "/web")).error


async def test_the_session_lasts_seven_days(site: Site) -> None:
    await site.sign_in("alice")
    site.clock.advance(timedelta(days=7) - timedelta(seconds=1))
    await site.page("alice", "/c/test/home/library")
    site.clock.advance(timedelta(seconds=1))
    assert "Please sign in" in await site.page("alice", "/c/test/home/library", status=401)


async def test_an_erased_member_is_signed_out(site: Site) -> None:
    await site.sign_in("alice")
    await site.talk("alice", "/privacy erase")
    erased = await site.talk.press("alice", "Erase my data")
    assert not erased.error, erased.text
    await site.page("alice", "/c/test/home/", status=401)


async def test_signing_out_ends_the_session(site: Site) -> None:
    await site.sign_in("alice")
    token = CSRF.search(await site.page("alice", "/c/test/home/"))
    assert token is not None
    cookie = site.browser("alice").cookie_jar.filter_cookies(site.server.make_url("/c/test/home/"))
    stolen = cookie["copbot_session"].value
    async with site.browser("alice").post(
        site.url("/c/test/home/signout"), data={"csrf": token[1]}, allow_redirects=False
    ) as out:
        assert out.status == 303
    thief = site.browser("thief")
    thief.cookie_jar.update_cookies({"copbot_session": stolen})
    await site.page("thief", "/c/test/home/", status=401)


async def test_without_a_session_every_page_asks_to_sign_in(site: Site) -> None:
    for path in ("/", "/library", "/search?q=x", "/resource/1", "/who", "/audit", "/handbook"):
        page = await site.page("nobody", f"/c/test/home{path}", status=401)
        assert "/web" in page
    forged = site.browser("forger")
    forged.cookie_jar.update_cookies({"copbot_session": "A" * 43})
    await site.page("forger", "/c/test/home/library", status=401)


# One community only


async def test_another_communitys_link_and_cookie_are_refused(site: Site) -> None:
    await saved(site, "alice", "https://example.org/home-only title:Home secret")
    link = await site.link("alice")
    elsewhere = link.replace("/c/test/home/", "/c/test/elsewhere/")
    refused = await site.browser("alice").post(site.url(elsewhere), allow_redirects=False)
    assert refused.status == 403
    assert (await site.sign_in("alice", link)).status == 303

    # The browser never sends home's cookie to elsewhere's pages (its path), and a cookie
    # sent by hand isn't found there either.
    session = site.browser("alice").cookie_jar.filter_cookies(site.server.make_url("/c/test/home/"))
    assert "copbot_session" not in site.browser("alice").cookie_jar.filter_cookies(
        site.server.make_url("/c/test/elsewhere/")
    )
    carried = site.browser("carrier")
    carried.cookie_jar.update_cookies({"copbot_session": session["copbot_session"].value})
    page = await site.page("carrier", "/c/test/elsewhere/library", status=401)
    assert "Home secret" not in page
    other = CommunityKey("test", "elsewhere")
    assert await site.core.store.departure(other) is not None  # the other community is fine


async def test_an_unknown_platform_or_impossible_community_has_no_pages(site: Site) -> None:
    await site.page("alice", "/c/discord/123/", status=404)
    link = await site.link("alice")
    await site.sign_in("alice", link)
    session = site.browser("alice").cookie_jar.filter_cookies(site.server.make_url(link))
    long = site.browser("long")
    long.cookie_jar.update_cookies({"copbot_session": session["copbot_session"].value})
    await site.page("long", f"/c/test/{'x' * 65}/library", status=404)


# The library


async def test_library_pages_read_through_the_core(site: Site) -> None:
    for n in range(7):
        await saved(site, "alice", f"https://example.org/{n} title:Guide{n} tags:python")
    await saved(site, "bob", "https://example.org/rust title:Rust book tags:rust")
    await site.sign_in("carol")
    library = await site.page("carol", "/c/test/home/library")
    assert "The library, best voted first (page 1 of 2; 8 resources)" in library
    newest = await site.page("carol", "/c/test/home/library?sort=new")
    assert newest.index("Rust book") < newest.index("Guide6")
    nxt = re.search(r'href="(/c/test/home/act/library\.list\?value=[^"]+)">Next', newest)
    assert nxt is not None
    second = await site.page("carol", nxt[1].replace("&amp;", "&"))
    assert "page 2 of 2" in second
    by_tag = await site.page("carol", "/c/test/home/library?tag=rust")
    assert "Rust book" in by_tag and "Guide1" not in by_tag
    tags = await site.page("carol", "/c/test/home/tags")
    assert "python (7)" in tags and "value=0%7Crust%7Ctop" in tags


async def test_search_is_the_chats_search(site: Site) -> None:
    await saved(site, "alice", "https://example.org/a title:Async python note:event loops")
    await saved(site, "alice", "https://example.org/b title:Loops in go tags:go")
    await saved(site, "alice", "https://example.org/c title:Python packaging")
    chat = await site.talk("bob", "/library search python")
    await site.sign_in("bob")
    page = await site.page("bob", "/c/test/home/search?q=python")
    titles = re.findall(r'rel="noopener noreferrer nofollow">([^<]+)</a>', page)
    assert titles == [card.title for card in chat.cards]
    nothing = await site.page("bob", "/c/test/home/search?q=zzzz")
    assert "Nothing in the library matches “zzzz”." in nothing
    refused = await site.page("bob", "/c/test/home/search?q=%21%21", status=400)
    assert "at least one word" in refused


async def test_a_resource_page_shows_votes_and_who_saved_it(site: Site) -> None:
    number = await saved(site, "alice", "https://example.org/x title:Guide tags:python")
    await site.sign_in("bob")
    page = await site.page("bob", f"/c/test/home/resource/{number}")
    assert "<dt>Votes</dt><dd>0</dd>" in page and "<dt>Saved by</dt><dd>Alice</dd>" in page
    listed = await site.page("bob", "/c/test/home/library")
    assert f'href="/c/test/home/act/library.open?value={number}">Open #{number}' in listed
    await site.talk("alice", "/privacy erase")
    await site.talk.press("alice", "Erase, leave what I shared")
    after = await site.page("bob", f"/c/test/home/resource/{number}")
    assert "<dd>a former member</dd>" in after and "Alice" not in after.split("<main")[1]


async def test_voting_goes_through_the_core_with_its_rules(site: Site) -> None:
    number = await saved(site, "alice", "https://example.org/x title:Guide")
    await site.sign_in("bob")
    done = await site.press("bob", f"/c/test/home/resource/{number}", "Upvote")
    assert f"Upvoted #{number} “Guide” (1 vote)." in done
    page = await site.page("bob", f"/c/test/home/resource/{number}")
    assert "<dt>Votes</dt><dd>1</dd>" in page
    back = await site.press("bob", f"/c/test/home/resource/{number}", "Upvote")
    assert "Took back your vote" in back

    await site.sign_in("alice")
    own = await site.press("alice", f"/c/test/home/resource/{number}", "Upvote")
    assert "You saved #" in own and "yourself" in own


async def test_a_post_without_the_csrf_token_changes_nothing(site: Site) -> None:
    number = await saved(site, "alice", "https://example.org/x title:Guide")
    await site.sign_in("bob")
    refused = await site.press("bob", f"/c/test/home/resource/{number}", "Upvote", csrf="00")
    assert "That form has expired" in refused
    await site.sign_in("carol")
    carols = CSRF.search(await site.page("carol", "/c/test/home/"))
    assert carols is not None  # another member's token is no good for bob either
    forged = await site.press("bob", f"/c/test/home/resource/{number}", "Upvote", csrf=carols[1])
    assert "That form has expired" in forged
    page = await site.page("bob", f"/c/test/home/resource/{number}")
    assert "<dt>Votes</dt><dd>0</dd>" in page


async def test_a_post_from_another_site_is_refused(site: Site) -> None:
    number = await saved(site, "alice", "https://example.org/x title:Guide")
    await site.sign_in("bob")
    page = await site.page("bob", f"/c/test/home/resource/{number}")
    token = CSRF.search(page)
    assert token is not None
    data = {"csrf": token[1], "action": "library.upvote", "value": str(number)}
    headers = {"Origin": "https://evil.example"}
    async with site.browser("bob").post(
        site.url("/c/test/home/act"), data=data, headers=headers
    ) as response:
        assert response.status == 403
    assert "<dd>0</dd>" in await site.page("bob", f"/c/test/home/resource/{number}")


async def test_a_get_never_runs_a_button_that_changes_something(site: Site) -> None:
    number = await saved(site, "alice", "https://example.org/x title:Guide")
    await site.sign_in("bob")
    await site.page("bob", f"/c/test/home/act/library.upvote?value={number}", status=404)
    assert "<dd>0</dd>" in await site.page("bob", f"/c/test/home/resource/{number}")


async def test_the_handbook_and_the_exports(site: Site) -> None:
    await saved(site, "alice", "https://example.org/x title:Guide tags:python note:Read it")
    await site.sign_in("bob")
    handbook = await site.page("bob", "/c/test/home/handbook")
    assert "<h2>python</h2>" in handbook
    assert '<a href="https://example.org/x">Guide</a>' in handbook
    for chosen, kind in (("csv", "text/csv"), ("json", "application/json")):
        async with site.browser("bob").get(site.url(f"/c/test/home/export/{chosen}")) as got:
            assert got.status == 200 and got.content_type == kind
            assert f'filename="library.{chosen}"' in got.headers["Content-Disposition"]
            assert "Guide" in await got.text()
    await site.page("bob", "/c/test/home/export/exe", status=404)


# Directory and audit log


async def test_the_directory_is_who(site: Site) -> None:
    saved_profile = await site.talk("alice", "/profile set skills:python")
    await site.talk.press("alice", "Yes, list me", on=saved_profile)
    await site.sign_in("bob")
    directory = await site.page("bob", "/c/test/home/who")
    assert "python" in directory
    knows = await site.page("bob", "/c/test/home/who/python")
    chat = await site.talk("bob", "/who knows python")
    assert chat.cards[0].title in knows


async def test_the_audit_log_is_for_moderators(site: Site) -> None:
    await site.talk("mod", "/prompt add What are you reading?")
    await site.sign_in("mod")
    audit = await site.page("mod", "/c/test/home/audit")
    assert "prompt add" in audit and 'href="/c/test/home/audit"' in audit
    await site.sign_in("bob")
    refused = await site.page("bob", "/c/test/home/audit", status=400)
    assert "for moderators only" in refused and "prompt add" not in refused
    assert 'href="/c/test/home/audit"' not in refused


async def test_a_moderator_who_asks_as_a_member_loses_the_moderators_pages(site: Site) -> None:
    await site.sign_in("mod")
    await site.page("mod", "/c/test/home/audit")
    site.talk.moderators = frozenset()  # the platform no longer says they moderate
    await site.talk("mod", "/web")
    await site.page("mod", "/c/test/home/audit", status=400)


async def test_a_demoted_moderator_loses_the_moderators_pages_at_any_command(site: Site) -> None:
    await site.sign_in("mod")
    await site.talk("mod", "/help")  # still a moderator: nothing changes
    await site.page("mod", "/c/test/home/audit")
    site.talk.moderators = frozenset()  # the platform no longer says they moderate
    await site.talk("mod", "/library list")  # any command, not only /web
    refused = await site.page("mod", "/c/test/home/audit", status=400)
    assert "Signed in as Mod." in refused  # the session stays, as a member's
    # Made a moderator again, and demoted again later in the same process: heard again.
    site.talk.moderators = frozenset({"mod"})
    await site.talk("mod", "/help")
    await site.sign_in("mod")
    await site.page("mod", "/c/test/home/audit")
    site.talk.moderators = frozenset()
    await site.talk("mod", "/help")
    await site.page("mod", "/c/test/home/audit", status=400)


# Security of what is shown


async def test_what_members_wrote_is_escaped(site: Site) -> None:
    site.talk.names["eve"] = HOSTILE_NAME
    await site.talk("eve", "/profile set skills:python")
    number = await saved(
        site, "eve", f"https://example.org/x title:'{HOSTILE_TITLE}' note:'{HOSTILE_NOTE}'"
    )
    await site.sign_in("eve")
    pages = [
        await site.page("eve", path)
        for path in (
            f"/c/test/home/resource/{number}",
            "/c/test/home/library",
            "/c/test/home/search?q=script",
            "/c/test/home/handbook",
            "/c/test/home/",
        )
    ]
    for page in pages:
        assert "<script" not in page and "<img" not in page and "<i>Eve" not in page
        assert "onerror=alert(1)" not in page or "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in pages[0]
    assert "&lt;i&gt;Eve&lt;/i&gt;&lt;script&gt;" in pages[0]  # saved by, and signed in as


async def test_every_response_carries_a_strict_policy(site: Site) -> None:
    await site.sign_in("alice")
    for path in ("/", "/c/test/home/", "/static/copbot.css", "/nowhere"):
        async with site.browser("alice").get(site.url(path)) as response:
            policy = response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in policy and "script-src" not in policy
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"
    async with site.browser("alice").get(site.url("/c/test/home/")) as page:
        assert page.headers["Cache-Control"] == "no-store"
        html = await page.text()
    assert "<script" not in html and "style=" not in html
    assert re.findall(r'(?:href|src)="(https?:[^"]*)"', html) == []  # nothing from elsewhere


def test_the_stylesheet_is_our_own_file() -> None:
    css = Path(__file__).parents[2] / "adapters" / "web" / "static" / "copbot.css"
    assert "@import" not in css.read_text() and "url(" not in css.read_text()


async def test_a_handbook_too_big_for_a_page_is_a_download(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapters.web.pages, "HANDBOOK_SHOWN", 10)
    await saved(site, "alice", "https://example.org/x title:Guide tags:python")
    await site.sign_in("bob")
    handbook = await site.page("bob", "/c/test/home/handbook")
    assert "too big to read as one page" in handbook and "<h2>python</h2>" not in handbook
    assert 'href="/c/test/home/export/markdown"' in handbook
