"""The resource library: links and chat messages the community keeps, searchable and voted.

Native pins are capped and hard to search; the library is where knowledge lives, and
moderators may mirror its best entries into a channel's pins.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.kernel.catalog import Access, Catalog, Choice, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import (
    MAX_BUTTON_STATE,
    Attachment,
    Button,
    ButtonStyle,
    Card,
    CardField,
    ChatMessage,
    MessageRef,
    Reply,
)
from bot.kernel.ports import NotPinnable, PinLimitReached
from bot.library.model import NewResource, Resource
from bot.library.search import query_words
from bot.library.urls import MAX_URL_LENGTH, normalise_url

PAGE = 5
MAX_TAGS = 10
MAX_TITLE = 200
MAX_NOTE = 1000
MAX_QUERY = 40
DEFAULT_PIN_EMOJI = "📌"
PIN_EMOJI_SETTING = "library.pin_emoji"  # the emoji, or absent when reactions don't save
FORMATS = ("markdown", "csv", "json")

_ID = Option(
    "id",
    "The resource's number, e.g. 12",
    OptionType.INTEGER,
    required=True,
    min_value=1,
    max_value=2**31 - 1,
    autocomplete="resources",
)
_TAGS = Option(
    "tags",
    "Tags, comma-separated",
    OptionType.TAGS,
    max_items=MAX_TAGS,
    autocomplete="resource-tags",
    max_length=400,
)
_TAG = Option(
    "tag",
    "Only resources with this tag",
    OptionType.TAGS,
    max_items=1,
    autocomplete="resource-tags",
    max_length=40,
)


def register(catalog: Catalog) -> None:
    @catalog.source("resource-tags")
    async def tag_choices(context: Context, partial: str) -> list[Choice]:
        done, _, typing = partial.rpartition(",")
        head = f"{done}, " if done else ""
        counts = await context.uow.library.tag_counts(200)
        return [
            Choice(f"{head}{tag} ({n})"[:100], f"{head}{tag}"[:100])
            for tag, n in counts
            if tag.startswith(typing.strip().casefold())
        ][:25]

    @catalog.source("resources")
    async def resource_choices(context: Context, partial: str) -> list[Choice]:
        if (number := whole_number(partial.strip())) is not None:
            found = await context.uow.library.get(number)
            hits = [found] if found else []
        else:
            try:
                hits = await context.uow.library.search(query_words(partial), None, 25, 0)
            except UserError:
                hits = await context.uow.library.browse(None, top=False, limit=25, offset=0)
        return [Choice(f"#{r.id} {r.title}"[:100], str(r.id)) for r in hits]

    @catalog.command(
        "resource add",
        "Save a link to the community library",
        Option("url", "The link (http or https)", required=True, max_length=MAX_URL_LENGTH),
        Option("title", "What it is, in a few words", required=True, max_length=MAX_TITLE),
        _TAGS,
        Option("note", "Why it's worth reading", max_length=MAX_NOTE, multiline=True),
    )
    async def add(context: Context) -> Reply:
        options = context.options
        return await save(
            context,
            normalise_url(options["url"]),
            options["title"],
            options.get("note", ""),
            tuple(options.get("tags", ())),
            author=None,
        )

    @catalog.message_action("Save to library")
    async def save_message(context: Context, message: ChatMessage) -> Reply:
        return await save_chat_message(context, message)

    @catalog.reaction
    async def pin_emoji(context: Context, emoji: str, message: ChatMessage) -> Reply | None:
        if emoji != await context.uow.settings.get(PIN_EMOJI_SETTING):
            return None
        return await save_chat_message(context, message)

    @catalog.command(
        "resource search",
        "Search the library by words and tags",
        Option("query", "Words to look for", required=True, max_length=MAX_QUERY),
        _TAG,
    )
    async def search(context: Context) -> Reply:
        tag = _one(context.options.get("tag"))
        query_words(context.options["query"])  # refuse an empty query before anything else
        return await search_page(context, context.options["query"], tag, 0)

    @catalog.action("lib.search")
    async def search_more(context: Context) -> Reply:
        offset, tag, query = _page_state(context)
        return await search_page(context, query, tag, offset)

    @catalog.command(
        "resource list",
        "Browse the library, best voted or newest first",
        _TAG,
        Option("sort", "top (most votes) or new", choices=("top", "new")),
    )
    async def browse(context: Context) -> Reply:
        sort = context.options.get("sort", "top")
        return await list_page(context, _one(context.options.get("tag")), sort, 0)

    @catalog.action("lib.list")
    async def browse_more(context: Context) -> Reply:
        offset, tag, sort = _page_state(context)
        return await list_page(context, tag, sort if sort in ("top", "new") else "top", offset)

    @catalog.command("resource show", "Show one resource", _ID)
    async def show(context: Context) -> Reply:
        resource = await _get(context, context.options["id"])
        return Reply(cards=(resource_card(resource),), buttons=(_upvote(resource),), ephemeral=True)

    @catalog.action("lib.upvote")
    async def upvote(context: Context) -> Reply:
        resource = await _get(context, context.action_number())
        member = await context.member()
        if not await context.uow.library.vote(resource.id, member.id, context.now):
            return Reply(f"You've already upvoted #{resource.id}.", ephemeral=True)
        votes = resource.votes + 1
        return Reply(
            f"Upvoted #{resource.id} “{resource.title}” ({votes} vote{'s' * (votes != 1)}).",
            ephemeral=True,
        )

    @catalog.command(
        "resource edit",
        "Change a resource you saved (moderators: any)",
        _ID,
        Option("title", "A new title", max_length=MAX_TITLE),
        _TAGS,
        Option("note", "A new note", max_length=MAX_NOTE, multiline=True),
    )
    async def edit(context: Context) -> Reply:
        resource = await _owned(context, context.options["id"], "/resource edit")
        changes = {k: context.options[k] for k in ("title", "note") if k in context.options}
        if "tags" in context.options:
            changes["tags"] = tuple(context.options["tags"])
        if not changes:
            raise UserError("Tell me what to change: `title`, `tags` or `note`.")
        if changes.get("title") == "":
            raise UserError("A resource needs a title.")
        saved = await context.uow.library.update(replace(resource, **changes), context.now)
        return Reply("Saved.", cards=(resource_card(saved),), ephemeral=True)

    @catalog.command("resource remove", "Remove a resource you saved (moderators: any)", _ID)
    async def ask_to_remove(context: Context) -> Reply:
        resource = await _owned(context, context.options["id"])
        return Reply(
            f"Remove #{resource.id} “{resource.title}” from the library, with its "
            f"{resource.votes} votes? This can't be undone.",
            buttons=(
                Button("Remove", "lib.remove", str(resource.id), ButtonStyle.DANGER),
                Button("Keep it", "lib.keep"),
            ),
            ephemeral=True,
        )

    @catalog.action("lib.remove")
    async def remove(context: Context) -> Reply:
        resource = await _owned(context, context.action_number(), "lib.remove")
        for mirror in await context.uow.library.mirrors_of(resource.id):
            await _unpin_quietly(context, mirror.ref)
        await context.uow.library.remove(resource.id)
        return Reply(f"Removed #{resource.id} “{resource.title}”.", ephemeral=True)

    @catalog.action("lib.keep")
    async def keep(context: Context) -> Reply:
        return Reply("Nothing was removed.", ephemeral=True)

    @catalog.command("resource tags", "The tags in use, with how many resources have each")
    async def tags(context: Context) -> Reply:
        counts = await context.uow.library.tag_counts(50)
        if not counts:
            return Reply("The library has no tags yet.", ephemeral=True)
        return Reply("Tags in use: " + ", ".join(f"{t} ({n})" for t, n in counts), ephemeral=True)

    @catalog.command(
        "resource export",
        "Get the whole library as a file",
        Option("format", "markdown (a handbook by tag), csv or json", choices=FORMATS),
    )
    async def export(context: Context) -> Reply:
        chosen = context.options.get("format", "markdown")
        everything = await context.uow.library.everything()
        if not everything:
            raise UserError("The library is empty: there's nothing to export yet.")
        attachment = EXPORTERS[chosen](everything)
        await context.chat.send_dm(
            context.actor.community,
            context.actor.user_id,
            Reply(f"The library, {len(everything)} resources.", attachments=(attachment,)),
        )
        return Reply(f"I've sent you the library as {chosen} in a direct message.", ephemeral=True)

    @catalog.command(
        "resource pin-top",
        "Pin the best voted resources in a channel",
        Option("channel", "Where to pin them", OptionType.CHANNEL, required=True),
        Option("count", "How many (1-25)", OptionType.INTEGER, min_value=1, max_value=25),
        access=Access.MODERATOR,
    )
    async def pin_top(context: Context) -> Reply:
        if not await context.chat.channel_exists(
            context.actor.community, context.options["channel"]
        ):
            raise UserError(f"I can't see a channel <#{context.options['channel']}>.")
        return await mirror_top(
            context, context.options["channel"], context.options.get("count", 5)
        )

    @catalog.command(
        "resource pin-emoji",
        "Let members save a message by reacting with an emoji",
        Option("enabled", "Save messages on that reaction?", OptionType.BOOLEAN, required=True),
        Option("emoji", f"Which emoji (default {DEFAULT_PIN_EMOJI})", max_length=32),
        access=Access.MODERATOR,
    )
    async def configure_pin_emoji(context: Context) -> Reply:
        if not context.options["enabled"]:
            await context.uow.settings.put(PIN_EMOJI_SETTING, None)
            return Reply("Reactions no longer save messages to the library.", ephemeral=True)
        emoji = context.options.get("emoji") or DEFAULT_PIN_EMOJI
        if " " in emoji:
            raise UserError("Give one emoji, such as 📌 or :bookmark:.")
        await context.uow.settings.put(PIN_EMOJI_SETTING, emoji)
        return Reply(f"Reacting with {emoji} now saves a message to the library.", ephemeral=True)

    @catalog.home_section
    async def newest(context: Context) -> Reply | None:
        found = await context.uow.library.browse(None, top=False, limit=PAGE, offset=0)
        if not found:
            return None
        cards = tuple(Card(title=f"#{r.id} {r.title}", link=r.url) for r in found)
        return Reply("Newest in the library:", cards=cards)

    async def export_personal(context: Context, member: Member) -> dict[str, object]:
        saved = await context.uow.library.saved_by(member.id)
        return {
            "saved": [_as_dict(r) for r in saved],
            "upvoted": await context.uow.library.voted_by(member.id),
        }

    async def erase_personal(context: Context, member: Member) -> None:
        await context.uow.library.forget(member.id)

    catalog.keeps_personal_data("library", export_personal, erase_personal)


async def save(
    context: Context,
    url: str,
    title: str,
    note: str,
    tags: tuple[str, ...],
    *,
    author: int | None,
) -> Reply:
    """Add a resource, or merge the member's tags into the one with the same link."""
    if not title:
        raise UserError("A resource needs a title.")
    resources = context.uow.library
    existing = await resources.by_url(url)
    if existing is not None:
        merged = tuple(dict.fromkeys(existing.tags + tags))
        if len(merged) > MAX_TAGS:
            raise UserError(
                f"#{existing.id} already has that link, and adding your tags would "
                f"give it more than {MAX_TAGS}."
            )
        added = [t for t in merged if t not in existing.tags]
        if added:
            await resources.update(replace(existing, tags=merged), context.now)
        said = f"; I added your tags: {', '.join(added)}" if added else ""
        return Reply(
            f"The library already has that link as #{existing.id} “{existing.title}”{said}.",
            buttons=(_upvote(existing),),
            ephemeral=True,
        )
    member = await context.member()
    resource = await resources.add(
        NewResource(url, title, note, tags, member.id, author), context.now
    )
    return Reply(
        f"{context.actor.display_name} saved #{resource.id} to the library.",
        cards=(resource_card(resource),),
        buttons=(_upvote(resource),),
    )


async def save_chat_message(context: Context, message: ChatMessage) -> Reply:
    """A chat message is saved like a link: its permalink, its first line as the title."""
    text = " ".join(message.text.split())
    title = text[:80] + ("…" if len(text) > 80 else "") or f"Message from {message.author_name}"
    found = await context.uow.members.by_user(message.author_id)
    if found is None:
        found = await context.uow.members.add(
            message.author_id, message.author_name, None, context.now
        )
    return await save(
        context, normalise_url(message.link), title, message.text[:MAX_NOTE], (), author=found.id
    )


async def search_page(context: Context, query: str, tag: str | None, offset: int) -> Reply:
    words = query_words(query)
    hits = await context.uow.library.search(words, tag, PAGE + 1, offset)
    where = f" tagged {tag}" if tag else ""
    if not hits:
        return Reply(f"Nothing in the library matches “{query}”{where}.", ephemeral=True)
    return _page(
        f"Results for “{query}”{where}",
        hits,
        offset,
        "lib.search",
        f"{tag or ''}|{' '.join(words)}",
    )


async def list_page(context: Context, tag: str | None, sort: str, offset: int) -> Reply:
    hits = await context.uow.library.browse(tag, sort == "top", PAGE + 1, offset)
    where = f" tagged {tag}" if tag else ""
    if not hits:
        return Reply(
            f"The library has nothing{where} yet. Add with `/resource add`.", ephemeral=True
        )
    order = "best voted" if sort == "top" else "newest"
    return _page(
        f"The library{where}, {order} first", hits, offset, "lib.list", f"{tag or ''}|{sort}"
    )


def _page(heading: str, hits: list[Resource], offset: int, action: str, state: str) -> Reply:
    """One page of results; Previous/Next carry the search in the button itself, so they
    work after a restart (and are left out in the rare case it doesn't fit)."""
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
    return Reply(
        f"{heading} (page {offset // PAGE + 1}):",
        cards=tuple(resource_card(r) for r in hits[:PAGE]),
        buttons=buttons,
        ephemeral=True,
    )


async def mirror_top(context: Context, channel_id: str, count: int) -> Reply:
    """Pin the top `count` resources in a channel, as copbot's own posts. At the platform's
    pin limit copbot unpins its own oldest mirror, never anyone else's pin."""
    resources = context.uow.library
    top = await resources.browse(None, top=True, limit=count, offset=0)
    if not top:
        raise UserError("The library is empty: there's nothing to pin yet.")
    already = {m.resource_id for m in await resources.mirrors(channel_id)}
    pinned: list[Resource] = []
    for resource in (r for r in top if r.id not in already):
        ref = await context.chat.post(
            context.actor.community, channel_id, Reply(cards=(resource_card(resource),))
        )
        while True:
            try:
                await context.chat.pin(ref)
                break
            except PinLimitReached:
                oldest = next(iter(await resources.mirrors(channel_id)), None)
                if oldest is None:
                    return _pin_report(
                        pinned,
                        "the channel's pins are full of others' pins, "
                        "so I stopped. Unpin some and try again.",
                    )
                await _unpin_quietly(context, oldest.ref)
                await resources.remove_mirror(oldest.ref)
            except NotPinnable:
                return _pin_report(
                    pinned, f"I can't pin in <#{channel_id}>: check my permissions there."
                )
        await resources.add_mirror(resource.id, ref, context.now)
        pinned.append(resource)
    return _pin_report(pinned, "")


def _pin_report(pinned: list[Resource], problem: str) -> Reply:
    done = ", ".join(f"#{r.id}" for r in pinned) or "nothing new"
    return Reply(f"Pinned {done}." + (f" But {problem}" if problem else ""), ephemeral=True)


async def _unpin_quietly(context: Context, ref: MessageRef) -> None:
    try:
        await context.chat.unpin(ref)
    except NotPinnable:
        return  # already unpinned by hand, or the message is gone: nothing to undo


def resource_card(resource: Resource) -> Card:
    saver = resource.saved_by_name or "a former member"
    fields = [
        CardField("Tags", ", ".join(resource.tags) or "—"),
        CardField("Votes", str(resource.votes)),
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


def _upvote(resource: Resource) -> Button:
    return Button("Upvote", "lib.upvote", str(resource.id), ButtonStyle.PRIMARY)


def _page_state(context: Context) -> tuple[int, str | None, str]:
    assert context.action is not None
    offset, _, tail = context.action.value.partition("|")
    tag, _, rest = tail.partition("|")
    start = whole_number(offset)
    if start is None or not rest:
        raise UserError("That button has expired; run the command again.")
    return start, tag or None, rest


def _one(tags: tuple[str, ...] | None) -> str | None:
    return tags[0] if tags else None


async def _get(context: Context, resource_id: int) -> Resource:
    found = await context.uow.library.get(resource_id)
    if found is None:
        raise UserError(f"There's no resource #{resource_id} here.")
    return found


async def _owned(context: Context, resource_id: int, audit_as: str | None = None) -> Resource:
    """The resource, if the actor saved it or moderates: a change to someone else's is
    recorded in the audit log as `audit_as`."""
    resource = await _get(context, resource_id)
    member = await context.uow.members.by_user(context.actor.user_id)
    if member is not None and resource.saved_by == member.id:
        return resource
    if not context.actor.is_moderator:
        raise UserError(f"Only whoever saved #{resource.id}, or a moderator, can change it.")
    if audit_as:
        context.using_moderator_rights(audit_as)
    return resource


def _as_dict(resource: Resource) -> dict[str, object]:
    return {
        "id": resource.id,
        "url": resource.url,
        "title": resource.title,
        "note": resource.note,
        "tags": list(resource.tags),
        "votes": resource.votes,
        "saved_by": resource.saved_by_name,
        "written_by": resource.author_name,
        "saved_at": resource.created_at.isoformat(),
    }


def _markdown(everything: list[Resource]) -> Attachment:
    """A handbook: one section per tag (a resource appears under each of its tags), best
    voted first, and the untagged at the end."""
    sections: dict[str, list[Resource]] = {}
    for resource in everything:
        for tag in resource.tags or ("untagged",):
            sections.setdefault(tag, []).append(resource)
    order = sorted(sections, key=lambda t: (t == "untagged", -len(sections[t]), t))
    lines = [
        "# Community library",
        "",
        f"{len(everything)} resources, grouped by tag, best voted first.",
        "",
    ]
    for tag in order:
        lines += [f"## {tag}", ""]
        for resource in sorted(sections[tag], key=lambda r: (-r.votes, r.id)):
            votes = f" ({resource.votes} votes)" if resource.votes else ""
            title = resource.title.replace("[", "\\[").replace("]", "\\]")
            lines.append(f"- [{title}]({resource.url}){votes}")
            if resource.note:
                lines.append(f"  {' '.join(resource.note.split())}")
        lines.append("")
    return Attachment("library.md", "\n".join(lines).encode(), "text/markdown")


def _csv(everything: list[Resource]) -> Attachment:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "url", "tags", "note", "votes", "saved_by", "saved_at"])
    for r in everything:
        writer.writerow(
            [
                r.id,
                _cell(r.title),
                r.url,
                ", ".join(r.tags),
                _cell(r.note),
                r.votes,
                _cell(r.saved_by_name or ""),
                r.created_at.isoformat(),
            ]
        )
    return Attachment("library.csv", out.getvalue().encode(), "text/csv")


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: defuse them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _json(everything: list[Resource]) -> Attachment:
    document = json.dumps([_as_dict(r) for r in everything], indent=2, ensure_ascii=False)
    return Attachment("library.json", (document + "\n").encode(), "application/json")


EXPORTERS = {"markdown": _markdown, "csv": _csv, "json": _json}
