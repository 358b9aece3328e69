"""A `Reply` as HTML: text with its `code` spans, cards, buttons as links or forms.

Everything a member wrote reaches the page through Jinja2's autoescaping or `markupsafe`;
the one place markup is made from text (`prose`) escapes first and only then adds tags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from bot.kernel.catalog import Catalog
from bot.kernel.messages import Button, Reply

TEMPLATES = Path(__file__).parent / "templates"
_CODE = re.compile(r"`([^`\n]+)`")
# CommonMark without raw HTML: a `<script>` in a title is shown as text, and links other
# than http(s), mailto and relative ones are dropped by markdown-it's own link check.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["prose"] = prose
    env.filters["safe_link"] = safe_link
    return env


def prose(text: str) -> Markup:
    """Text as paragraphs (a line each), `code` as <code>: escaped before any tag is added."""
    lines = [_CODE.sub(r"<code>\1</code>", str(escape(line))) for line in text.splitlines()]
    return Markup("".join(f"<p>{line}</p>" for line in lines if line.strip()))


def safe_link(url: str | None) -> str | None:
    """Only http(s) links become hrefs: a `javascript:` one is shown, never followed."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def markdown(text: str) -> Markup:
    return Markup(_MARKDOWN.render(text))


@dataclass(frozen=True)
class Control:
    """A button as the page shows it: a plain link for one that only reads (paging,
    opening), a form that POSTs (with the CSRF token) for one that changes something."""

    label: str
    style: str
    href: str | None = None  # GET
    action_id: str = ""
    value: str = ""


def controls(catalog: Catalog, base: str, buttons: tuple[Button, ...]) -> list[Control]:
    shown = []
    for button in buttons:
        found = catalog.action_handler(button.action_id)
        if found is not None and found.reads:
            query = urlencode({"value": button.value}) if button.value else ""
            href = f"{base}/act/{button.action_id}" + (f"?{query}" if query else "")
            shown.append(Control(button.label, button.style.value, href=href))
        else:
            shown.append(
                Control(button.label, button.style.value, None, button.action_id, button.value)
            )
    return shown


def card_controls(catalog: Catalog, base: str, reply: Reply) -> list[list[Control]]:
    """Each card's own button (`Card.open`), as a control, or none."""
    return [
        controls(catalog, base, (card.open,)) if card.open is not None else []
        for card in reply.cards
    ]
