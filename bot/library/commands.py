"""The library's commands: add, search, browse, show, vote, edit, remove, tags."""

from __future__ import annotations

from dataclasses import replace

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.kernel.catalog import Catalog, Choice, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.messages import Button, ButtonStyle, Reply
from bot.kernel.options import id_option
from bot.library.model import Resource
from bot.library.pins import unpin_mirrors
from bot.library.saving import MAX_NOTE, MAX_TAGS, MAX_TITLE, save
from bot.library.search import query_words
from bot.library.urls import MAX_URL_LENGTH, normalise_url, readable
from bot.library.views import list_page, page_state, resource_card, search_page, upvote_button

MAX_QUERY = 40
TAG_BUTTONS = 20  # the most used tags, each a button to browse it (Discord shows 25 at most)
ID = id_option("id", "The resource's number, e.g. 12", autocomplete="library-resources")
TAGS = Option(
    "tags",
    "Tags, comma-separated",
    OptionType.TAGS,
    max_items=MAX_TAGS,
    autocomplete="library-tags",
    max_length=400,
)
TAG = Option(
    "tag",
    "Only resources with this tag",
    OptionType.TAGS,
    max_items=1,
    autocomplete="library-tags",
    max_length=40,
)


def register(catalog: Catalog) -> None:
    catalog.source("library-tags")(tag_choices)
    catalog.source("library-resources")(resource_choices)
    catalog.command(
        "library add",
        "Save a link to the community library",
        Option("url", "The link (http or https)", required=True, max_length=MAX_URL_LENGTH),
        Option("title", "What it is, in a few words (the link if left out)", max_length=MAX_TITLE),
        TAGS,
        Option("note", "Why it's worth reading", max_length=MAX_NOTE, multiline=True),
    )(add)
    catalog.command(
        "library search",
        "Search the library by words and tags",
        Option("query", "Words to look for", required=True, max_length=MAX_QUERY),
        TAG,
        reads=True,
    )(search)
    catalog.action("library.search", reads=True)(search_more)
    catalog.command(
        "library list",
        "Browse the library, best voted or newest first",
        TAG,
        Option("sort", "top (most votes) or new", choices=("top", "new")),
        reads=True,
    )(browse)
    catalog.action("library.list", reads=True)(browse_more)
    catalog.command("library show", "Show one resource", ID, reads=True)(show)
    catalog.action("library.open", reads=True)(open_resource)
    catalog.action("library.upvote")(upvote)
    catalog.command(
        "library edit",
        "Change a resource you saved (moderators: any)",
        ID,
        Option("title", "A new title", max_length=MAX_TITLE),
        TAGS,
        Option("note", "A new note", max_length=MAX_NOTE, multiline=True),
    )(edit)
    catalog.command("library remove", "Remove a resource you saved (moderators: any)", ID)(
        ask_to_remove
    )
    catalog.action("library.remove")(remove)
    catalog.action("library.keep")(keep)
    catalog.command(
        "library tags", "The tags in use, with how many resources have each", reads=True
    )(tags)


async def tag_choices(context: Context, partial: str) -> list[Choice]:
    done, _, typing = partial.rpartition(",")
    head = f"{done}, " if done else ""
    counts = await context.uow.library.tag_counts(200)
    return [
        Choice(f"{head}{tag} ({n})"[:100], f"{head}{tag}"[:100])
        for tag, n in counts
        if tag.startswith(typing.strip().casefold())
    ][:25]


async def resource_choices(context: Context, partial: str) -> list[Choice]:
    if (number := whole_number(partial.strip())) is not None:
        found = await context.uow.library.get(number)
        hits = [found] if found else []
    else:
        try:
            hits = (await context.uow.library.search(query_words(partial), None, 25, 0)).resources
        except UserError:
            hits = await context.uow.library.browse(None, top=False, limit=25, offset=0)
    return [Choice(f"#{r.id} {r.title}"[:100], str(r.id)) for r in hits]


async def add(context: Context) -> Reply:
    options = context.options
    url = normalise_url(options["url"])
    return await save(
        context,
        url,
        options.get("title") or readable(url),
        options.get("note", ""),
        tuple(options.get("tags", ())),
        author=None,
    )


async def search(context: Context) -> Reply:
    tag = first_tag(context.options.get("tag"))
    query_words(context.options["query"])  # refuse an empty query before anything else
    return await search_page(context, context.options["query"], tag, 0)


async def search_more(context: Context) -> Reply:
    offset, tag, query = page_state(context)
    return await search_page(context, query, tag, offset)


async def browse(context: Context) -> Reply:
    sort = context.options.get("sort", "top")
    return await list_page(context, first_tag(context.options.get("tag")), sort, 0)


async def browse_more(context: Context) -> Reply:
    offset, tag, sort = page_state(context)
    return await list_page(context, tag, sort if sort in ("top", "new") else "top", offset)


async def show(context: Context) -> Reply:
    return shown(await resource_of(context, context.options["id"]))


async def open_resource(context: Context) -> Reply:
    return shown(await resource_of(context, context.action_number()))


def shown(resource: Resource) -> Reply:
    return Reply(
        cards=(resource_card(resource),), buttons=(upvote_button(resource),), ephemeral=True
    )


async def upvote(context: Context) -> Reply:
    """A toggle: pressed again, it takes the vote back. Votes say what others found useful,
    so not for what one saved oneself."""
    resource = await resource_of(context, context.action_number())
    member = await context.member()
    if resource.saved_by == member.id:
        raise UserError(f"You saved #{resource.id} yourself: votes are for what others found.")
    if await context.uow.library.vote(resource.id, member.id, context.now):
        done, votes = "Upvoted", resource.votes + 1
    else:
        await context.uow.library.unvote(resource.id, member.id)
        done, votes = "Took back your vote for", resource.votes - 1
    return Reply(
        f"{done} #{resource.id} “{resource.title}” ({votes} vote{'s' * (votes != 1)}).",
        ephemeral=True,
    )


async def edit(context: Context) -> Reply:
    resource = await owned_resource(context, context.options["id"], "/library edit")
    changes = {k: context.options[k] for k in ("title", "note") if k in context.options}
    if "tags" in context.options:
        changes["tags"] = tuple(context.options["tags"])
    if not changes:
        raise UserError("Tell me what to change: `title`, `tags` or `note`.")
    if changes.get("title") == "":
        raise UserError("A resource needs a title.")
    saved = await context.uow.library.update(replace(resource, **changes), context.now)
    return Reply("Saved.", cards=(resource_card(saved),), ephemeral=True)


async def ask_to_remove(context: Context) -> Reply:
    resource = await owned_resource(context, context.options["id"])
    return Reply(
        f"Remove #{resource.id} “{resource.title}” from the library, with its "
        f"{resource.votes} votes? This can't be undone.",
        buttons=(
            Button("Remove", "library.remove", str(resource.id), ButtonStyle.DANGER),
            Button("Keep it", "library.keep"),
        ),
        ephemeral=True,
    )


async def remove(context: Context) -> Reply:
    resource = await owned_resource(context, context.action_number(), "library.remove")
    mirrors = await context.uow.library.mirrors_of(resource.id)
    await context.uow.outbox.add_all(unpin_mirrors(mirrors, context.now), context.now)
    await context.uow.library.remove(resource.id)
    return Reply(f"Removed #{resource.id} “{resource.title}”.", ephemeral=True)


async def keep(context: Context) -> Reply:
    return Reply("Nothing was removed.", ephemeral=True)


async def tags(context: Context) -> Reply:
    counts = await context.uow.library.tag_counts(50)
    if not counts:
        return Reply("The library has no tags yet.", ephemeral=True)
    browse_tag = tuple(
        Button(f"{tag} ({n})", "library.list", f"0|{tag}|top") for tag, n in counts[:TAG_BUTTONS]
    )
    return Reply(
        "Tags in use: " + ", ".join(f"{t} ({n})" for t, n in counts),
        buttons=browse_tag,
        ephemeral=True,
    )


def first_tag(tags: tuple[str, ...] | None) -> str | None:
    return tags[0] if tags else None


async def resource_of(context: Context, resource_id: int) -> Resource:
    found = await context.uow.library.get(resource_id)
    if found is None:
        raise UserError(f"There's no resource #{resource_id} here.")
    return found


async def owned_resource(
    context: Context, resource_id: int, audit_as: str | None = None
) -> Resource:
    """The resource, if the actor saved it or moderates: a change to someone else's is
    recorded in the audit log as `audit_as`."""
    resource = await resource_of(context, resource_id)
    member = await context.uow.members.by_user(context.actor.user_id)
    if member is not None and resource.saved_by == member.id:
        return resource
    if not context.actor.is_moderator:
        raise UserError(f"Only whoever saved #{resource.id}, or a moderator, can change it.")
    if audit_as:
        context.using_moderator_rights(audit_as)
    return resource
