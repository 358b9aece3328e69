"""The web pages' aiohttp application: routes, sign-in, cookies, CSRF and headers.

Every community's pages live under `/c/{platform}/{community}/`, and its session cookie
is scoped to that path: a browser may be signed in to several communities, and one
community's cookie is never even sent to another's pages (and wouldn't be found there:
sessions are looked up within the community of the URL)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

from aiohttp import web

from adapters.web.charts import Drawn, draw
from adapters.web.render import card_controls, controls, environment, markdown
from bot.kernel.core import Core
from bot.kernel.edge import MAX_COMMUNITY_ID
from bot.kernel.messages import Action, Actor, CommunityKey, Invocation, Reply
from bot.kernel.visits import Gate

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
COOKIE = "copbot_session"
SESSION_SECONDS = 7 * 24 * 3600  # as long as the session itself lasts (bot/web)
CHANNEL = "web"  # where a browser acts, for the core: no chat channel
HANDBOOK_SHOWN = 256 * 1024  # characters of Markdown shown as a page (about 2,000 resources)
EXPORTS = {"markdown": "library.md", "csv": "library.csv", "json": "library.json"}
# No script at all, nothing from elsewhere: the pages work without JavaScript.
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    # A sign-in link's secret never leaves in a Referer to another site; to our own pages
    # the browser still sends the Origin that `_same_origin` checks (with no-referrer it
    # would send "null").
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SignInNeeded(Exception):
    """The page is a member's and no valid session came with the request."""


class WebPages:
    """The pages of every community copbot serves, as one aiohttp application."""

    def __init__(self, *, base_url: str) -> None:
        """`base_url`: where browsers reach these pages (cookies are Secure on https)."""
        self.served: dict[str, tuple[Core, Gate]] = {}
        self.base_url = base_url.rstrip("/")
        self.secure = urlsplit(self.base_url).scheme == "https"
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        self.templates = environment()

    def serve(self, platform: str, core: Core, gate: Gate) -> None:
        """The pages of `platform`'s communities, read through the core that serves them
        (the one whose sends reach that platform)."""
        self.served[platform] = (core, gate)

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._headers], client_max_size=64 * 1024)
        app.router.add_get("/", self.front)
        app.router.add_static("/static", STATIC, append_version=False)
        community = "/c/{platform}/{community}"
        routes = [
            ("GET", "/", self.home),
            ("GET", "/signin/{secret}", self.sign_in_page),
            ("POST", "/signin/{secret}", self.sign_in),
            ("POST", "/signout", self.sign_out),
            ("GET", "/library", self.library),
            ("GET", "/search", self.search),
            ("GET", "/tags", self.tags),
            ("GET", "/resource/{id}", self.resource),
            ("GET", "/handbook", self.handbook),
            ("GET", "/export/{format}", self.export),
            ("GET", "/who", self.directory),
            ("GET", "/who/{topic}", self.who_knows),
            ("GET", "/audit", self.audit),
            ("GET", "/health", self.health),
            ("GET", "/act/{action}", self.read_action),
            ("POST", "/act", self.action),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, community + path, handler)
        return app

    # Around every response

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and not self._same_origin(request):
            response: web.StreamResponse = self._message(
                request, "Refused", "That form came from another site.", status=403
            )
        else:
            try:
                response = await handler(request)
            except SignInNeeded:
                response = self._unknown(request)
            except web.HTTPException as refused:
                if refused.status < 400:
                    raise
                response = self._message(
                    request, refused.reason, "There's no such page.", refused.status
                )
            except Exception:  # the page says so, with the same headers as any other
                log.exception("the page %s failed", request.path[:200])
                response = self._message(
                    request, "Something went wrong", "Please try again in a moment.", 500
                )
        for name, value in HEADERS.items():  # a page with charts allows their styles
            response.headers.setdefault(name, value)
        if request.path.startswith("/c/"):
            response.headers["Cache-Control"] = "no-store"  # a member's own pages
        return response

    def _same_origin(self, request: web.Request) -> bool:
        """A POST from our own pages: browsers send Origin with every form POST."""
        origin = request.headers.get("Origin")
        return origin is None or origin == self.origin

    # Who is asking

    def _community(self, request: web.Request) -> CommunityKey:
        """The URL's community, if it could be one (else no such page): never looked up
        with an id storage can't keep."""
        platform, community = request.match_info["platform"], request.match_info["community"]
        if not (0 < len(community) <= MAX_COMMUNITY_ID and community.isprintable()):
            raise web.HTTPNotFound()
        return CommunityKey(platform, community)

    def _served(self, request: web.Request) -> tuple[Core, Gate]:
        found = self.served.get(request.match_info["platform"])
        if found is None:
            raise web.HTTPNotFound()
        return found

    def _base(self, community: CommunityKey) -> str:
        return f"/c/{quote(community.platform, safe='')}/{quote(community.id, safe='')}"

    async def _visitor(self, request: web.Request) -> Actor | None:
        gate = self._served(request)[1]
        session = request.cookies.get(COOKIE)
        if not session:
            return None
        return await gate.visitor(self._community(request), session)

    async def _member(self, request: web.Request) -> Actor:
        """Who is signed in; `SignInNeeded` (the sign-in page) when nobody is."""
        actor = await self._visitor(request)
        if actor is None:
            raise SignInNeeded
        return actor

    def csrf(self, session: str) -> str:
        """The token every form carries: derived from the session's secret, which another
        site can neither read nor guess, so it needs no storage of its own."""
        return hmac.new(session.encode(), b"copbot-csrf", hashlib.sha256).hexdigest()

    # Pages without a session

    async def front(self, request: web.Request) -> web.StreamResponse:
        return self._message(
            request,
            "copbot",
            "Ask copbot for your personal link with `/web` in your community's chat.",
        )

    async def sign_in_page(self, request: web.Request) -> web.StreamResponse:
        """A button, not the sign-in itself: a link previewer that opens the URL doesn't
        use up the member's single-use link."""
        self._served(request)
        return self._render(request, "signin.html", title="Sign in", action=request.raw_path)

    async def sign_in(self, request: web.Request) -> web.StreamResponse:
        community = self._community(request)
        visit = await self._served(request)[1].sign_in(community, request.match_info["secret"])
        if visit is None:
            return self._message(
                request,
                "This link doesn't work",
                "It was used already, has expired, or is for another community. "
                "Ask for a new one with `/web` in chat.",
                status=403,
            )
        response = _see_other(self._base(community) + "/")
        response.set_cookie(
            COOKIE,
            visit.session,
            max_age=SESSION_SECONDS,
            path=self._base(community) + "/",
            httponly=True,
            secure=self.secure,
            samesite="Lax",
        )
        return response

    async def sign_out(self, request: web.Request) -> web.StreamResponse:
        community, session = self._community(request), request.cookies.get(COOKIE, "")
        form = await request.post()
        if session and hmac.compare_digest(str(form.get("csrf", "")), self.csrf(session)):
            await self._served(request)[1].sign_out(community, session)
        response = _see_other(self._base(community) + "/")
        response.del_cookie(COOKIE, path=self._base(community) + "/")
        return response

    # A member's pages: each one command of the core

    async def home(self, request: web.Request) -> web.StreamResponse:
        actor = await self._member(request)
        sections = await self._served(request)[0].home(actor)
        return self._replies(request, actor, "Home", sections)

    async def library(self, request: web.Request) -> web.StreamResponse:
        options = {k: request.query[k] for k in ("tag", "sort") if request.query.get(k)}
        return await self._command(request, "Library", "library list", options)

    async def search(self, request: web.Request) -> web.StreamResponse:
        query = request.query.get("q", "")
        if not query.strip():
            return await self._empty(request, "Search")
        options = {
            "query": query,
            **({"tag": request.query["tag"]} if request.query.get("tag") else {}),
        }
        return await self._command(request, "Search", "library search", options, query=query)

    async def tags(self, request: web.Request) -> web.StreamResponse:
        return await self._command(request, "Tags", "library tags", {})

    async def resource(self, request: web.Request) -> web.StreamResponse:
        found = request.match_info["id"]
        return await self._command(
            request, f"Resource #{found[:12]}", "library show", {"id": found}
        )

    async def directory(self, request: web.Request) -> web.StreamResponse:
        return await self._command(request, "Who knows what", "who list", {})

    async def who_knows(self, request: web.Request) -> web.StreamResponse:
        topic = request.match_info["topic"]
        return await self._command(
            request, f"Who knows {topic[:40]}", "who knows", {"topic": topic}
        )

    async def audit(self, request: web.Request) -> web.StreamResponse:
        return await self._command(request, "Audit log", "audit", {})

    async def health(self, request: web.Request) -> web.StreamResponse:
        """The health charts: all of them for moderators, what they share for members (the
        core decides which)."""
        actor = await self._member(request)
        reply = await self._served(request)[0].act(Action(actor, CHANNEL, "community.health"))
        return await self._charted(request, actor, "Community health", reply)

    async def handbook(self, request: web.Request) -> web.StreamResponse:
        """The library's Markdown export, as a page: a handbook by tag."""
        actor = await self._member(request)
        reply = await self._invoke(request, actor, "library export", {"format": "markdown"})
        if reply.error or not reply.attachments:
            return self._replies(request, actor, "Handbook", [reply])
        text = reply.attachments[0].content.decode()
        # Rendered off the loop, and only while it reads as a page: a library of thousands
        # is a download (the Markdown export below), not an HTML page of megabytes.
        body = await asyncio.to_thread(markdown, text) if len(text) <= HANDBOOK_SHOWN else None
        return self._render(request, "handbook.html", title="Handbook", actor=actor, body=body)

    async def export(self, request: web.Request) -> web.StreamResponse:
        actor = await self._member(request)
        chosen = request.match_info["format"]
        if chosen not in EXPORTS:
            raise web.HTTPNotFound()
        reply = await self._invoke(request, actor, "library export", {"format": chosen})
        if reply.error or not reply.attachments:
            return self._replies(request, actor, "Export", [reply])
        attachment = reply.attachments[0]
        return web.Response(
            body=attachment.content,
            content_type=attachment.media_type,
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{EXPORTS[chosen]}"'},
        )

    async def read_action(self, request: web.Request) -> web.StreamResponse:
        """A button that only reads (a next page, a resource opened): a plain link."""
        actor = await self._member(request)
        action_id = request.match_info["action"]
        core = self._served(request)[0]
        found = core.catalog.action_handler(action_id)
        if found is None or not found.reads:  # what changes anything is POSTed, with CSRF
            raise web.HTTPNotFound()
        value = request.query.get("value", "")
        reply = await core.act(Action(actor, CHANNEL, action_id, value))
        return self._replies(request, actor, _heading(reply), [reply])

    async def action(self, request: web.Request) -> web.StreamResponse:
        """A button that changes something (an upvote): a form POSTed with the CSRF token,
        run by the core exactly as the same button in chat."""
        actor = await self._member(request)
        form = await request.post()
        session = request.cookies.get(COOKIE, "")
        if not hmac.compare_digest(str(form.get("csrf", "")), self.csrf(session)):
            return self._message(
                request, "Refused", "That form has expired: reload the page and try again.", 403
            )
        action = Action(
            actor, CHANNEL, str(form.get("action", ""))[:100], str(form.get("value", ""))[:100]
        )
        reply = await self._served(request)[0].act(action)
        if reply.charts:  # a chart's button: the charts again, as they are now
            return await self._charted(request, actor, "Community health", reply)
        return self._replies(request, actor, "Done" if not reply.error else "Not done", [reply])

    # Rendering

    async def _invoke(
        self, request: web.Request, actor: Actor, path: str, options: dict[str, str]
    ) -> Reply:
        core = self._served(request)[0]
        return await core.invoke(Invocation(actor, CHANNEL, path, options))

    async def _command(
        self,
        request: web.Request,
        title: str,
        path: str,
        options: dict[str, str],
        query: str | None = None,
    ) -> web.StreamResponse:
        actor = await self._member(request)
        reply = await self._invoke(request, actor, path, options)
        return self._replies(request, actor, title, [reply], query=query)

    async def _empty(self, request: web.Request, title: str) -> web.StreamResponse:
        actor = await self._member(request)
        return self._replies(request, actor, title, [])

    async def _charted(
        self, request: web.Request, actor: Actor, title: str, reply: Reply
    ) -> web.StreamResponse:
        """A reply with charts: drawn off the loop (a drawing not seen before takes pygal
        tens of milliseconds), then shown with the page's CSP allowing their styles."""
        drawn = await asyncio.to_thread(lambda: [draw(chart) for chart in reply.charts])
        return self._replies(request, actor, title, [reply], drawn=drawn)

    def _replies(
        self,
        request: web.Request,
        actor: Actor,
        title: str,
        replies: list[Reply],
        *,
        drawn: list[Drawn] | None = None,
        query: str | None = None,
    ) -> web.StreamResponse:
        base, catalog = self._base(actor.community), self._served(request)[0].catalog
        shown_replies = [
            (reply, controls(catalog, base, reply.buttons), card_controls(catalog, base, reply))
            for reply in replies
        ]
        charts = [
            (one, controls(catalog, base, (one.chart.toggle,) if one.chart.toggle else ()))
            for one in drawn or []
        ]
        refused = any(reply.error for reply in replies)  # the core said no: nothing changed
        return self._render(
            request,
            "page.html",
            status=400 if refused else 200,
            title=title,
            actor=actor,
            replies=shown_replies,
            charts=charts,
            styles=[one.style_hash for one in drawn or []],
            query=query,
        )

    def _unknown(self, request: web.Request) -> web.StreamResponse:
        return self._message(
            request,
            "Please sign in",
            "These pages are for members: ask copbot for your personal link with `/web` "
            "in your community's chat.",
            status=401,
        )

    def _message(
        self, request: web.Request, title: str, text: str, status: int = 200
    ) -> web.StreamResponse:
        return self._render(request, "message.html", status=status, title=title, text=text)

    def _render(
        self, request: web.Request, template: str, *, status: int = 200, **values: object
    ) -> web.StreamResponse:
        actor = values.get("actor")
        session = request.cookies.get(COOKIE, "")
        values.setdefault("actor", None)
        if isinstance(actor, Actor):
            values["base"] = self._base(actor.community)
            values["csrf"] = self.csrf(session)
        page = self.templates.get_template(template).render(**values)
        response = web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
        styles = values.get("styles")
        if isinstance(styles, list) and styles:  # only the page's own drawings' <style>s
            allowed = " ".join(sorted(set(styles)))
            response.headers["Content-Security-Policy"] = POLICY.replace(
                "style-src 'self'", f"style-src 'self' {allowed}"
            )
        return response


def _heading(reply: Reply) -> str:
    """A page's title from what the core answered: its first card, or its first line."""
    if len(reply.cards) == 1:
        return reply.cards[0].title
    first = reply.text.split("\n", 1)[0].rstrip(":")
    return first if len(first) <= 80 else first[:79] + "…"


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})
