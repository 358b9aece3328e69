"""How the library shows resources: cards, pages of results whose buttons carry the
search, and the newest at a glance."""

from __future__ import annotations

from dataclasses import replace

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.gaps import Missed
from bot.kernel.messages import MAX_BUTTON_STATE, Button, ButtonStyle, Card, CardField, Reply
from bot.library.model import Resource
from bot.library.search import query_words

PAGE = 5


def register(catalog: Catalog) -> None:
    catalog.home_section(newest)


async def newest(context: Context) -> Reply | None:
    found = await context.uow.library.browse(None, top=False, limit=PAGE, offset=0)
    if not found:
        return None
    cards = tuple(Card(title=f"#{r.id} {r.title}", link=r.url) for r in found)
    return Reply("Newest in the library:", cards=cards)


async def search_page(context: Context, query: str, tag: str | None, offset: int) -> Reply:
    words = query_words(query)
    found = await context.uow.library.search(words, tag, PAGE + 1, offset)
    where = f" tagged {tag}" if tag else ""
    if not found.resources:
        if not offset:  # a gap in the library (a later page gone empty is not)
            await context.missed(Missed.LIBRARY, tag or " ".join(words))
        return Reply(f"Nothing in the library matches “{query}”{where}.", ephemeral=True)
    return page_of(
        f"Results for “{query}”{where}",
        found.resources,
        found.total,
        offset,
        "library.search",
        f"{tag or ''}|{' '.join(words)}",
    )


async def list_page(context: Context, tag: str | None, sort: str, offset: int) -> Reply:
    library = context.uow.library
    hits = await library.browse(tag, sort == "top", PAGE + 1, offset)
    where = f" tagged {tag}" if tag else ""
    if not hits:
        return Reply(
            f"The library has nothing{where} yet. Add with `/library add`.", ephemeral=True
        )
    order = "best voted" if sort == "top" else "newest"
    return page_of(
        f"The library{where}, {order} first",
        hits,
        await library.count(tag),
        offset,
        "library.list",
        f"{tag or ''}|{sort}",
    )


def page_of(
    heading: str, hits: list[Resource], total: int, offset: int, action: str, state: str
) -> Reply:
    """One page of results of `total`; Previous/Next carry the search in the button itself,
    so they work after a restart (and are left out in the rare case it doesn't fit)."""
    pages = []
    if offset > 0:
        pages.append(("Previous", f"{max(0, offset - PAGE)}|{state}"))
    if len(hits) > PAGE:
        pages.append(("Next", f"{offset + PAGE}|{state}"))
    buttons = tuple(
        Button(label, action, value)
        for label, value in pages
        if len(action) + 1 + len(value) <= MAX_BUTTON_STATE
    )
    of = f"page {offset // PAGE + 1} of {max(1, -(-total // PAGE))}"
    return Reply(
        f"{heading} ({of}; {total} resource{'s' * (total != 1)}):",
        cards=tuple(replace(resource_card(r), open=open_button(r)) for r in hits[:PAGE]),
        buttons=buttons,
        ephemeral=True,
    )


def resource_card(resource: Resource, *, votes: bool = True) -> Card:
    """`votes`: False for a card that stays as posted (a pin), where a count would go stale."""
    saver = resource.saved_by_name or "a former member"
    fields = [
        CardField("Tags", ", ".join(resource.tags) or "—"),
        *([CardField("Votes", str(resource.votes))] if votes else []),
        CardField("Saved by", saver),
    ]
    if resource.author_name:
        fields.append(CardField("Written by", resource.author_name))
    note = resource.note if len(resource.note) <= 300 else resource.note[:299] + "…"
    return Card(
        title=f"#{resource.id} {resource.title}",
        body=note,
        fields=tuple(fields),
        link=resource.url,
        footer=f"saved {resource.created_at:%Y-%m-%d}",
    )


def open_button(resource: Resource) -> Button:
    """A card's way to its resource's own page, with votes and the Upvote button."""
    return Button(f"Open #{resource.id}", "library.open", str(resource.id))


def upvote_button(resource: Resource) -> Button:
    return Button("Upvote", "library.upvote", str(resource.id), ButtonStyle.PRIMARY)


def page_state(context: Context) -> tuple[int, str | None, str]:
    assert context.action is not None
    offset, _, tail = context.action.value.partition("|")
    tag, _, rest = tail.partition("|")
    start = whole_number(offset)
    if start is None or not rest:
        raise UserError("That button has expired; run the command again.")
    return start, tag or None, rest
