"""`/who knows topic` and `/who list`: listed members who know a topic, each with why
(`expertise`), their local time and whether they have room to mentor; and the directory
of topics listed members know. Both read only (they run beside the writers)."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.community.expertise import local_clock, room_to_mentor, why
from bot.community.model import Knower
from bot.kernel.catalog import Catalog, Choice, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.gaps import Missed
from bot.kernel.messages import MAX_BUTTON_STATE, Button, Card, CardField, Reply

PAGE = 5  # members a page
TOPICS_PAGE = 10  # topics a directory page, each with its button
NOT_LISTED = "Only members who chose to be listed appear here; `/profile set listed:yes` lists you."


def register(catalog: Catalog) -> None:
    catalog.source("community-topics")(topic_choices)
    catalog.command(
        "who knows",
        "Members who know a topic, and why",
        Option(
            "topic",
            "The topic, e.g. python",
            OptionType.TAGS,
            required=True,
            max_items=1,
            autocomplete="community-topics",
            max_length=40,
        ),
        reads=True,
    )(who_knows)
    catalog.action("who.knows", reads=True)(who_knows_page)
    catalog.command("who list", "The directory: topics listed members know", reads=True)(directory)
    catalog.action("who.list", reads=True)(directory_page)


async def topic_choices(context: Context, partial: str) -> list[Choice]:
    found = await context.uow.directory.topics(partial.strip().casefold(), 25)
    return [Choice(f"{topic} ({n})"[:100], topic) for topic, n in found]


async def who_knows(context: Context) -> Reply:
    return await knowers_page(context, context.options["topic"][0], 0)


async def who_knows_page(context: Context) -> Reply:
    offset, topic = _page_state(context)
    return await knowers_page(context, topic, offset)


async def knowers_page(context: Context, topic: str, offset: int) -> Reply:
    shown, total = await context.uow.directory.knowers(topic, PAGE, offset)
    if not shown and offset:
        raise UserError("That page is gone; run `/who knows` again.")
    if not shown:
        await context.missed(Missed.WHO, topic)
        return Reply(
            f"Nobody listed knows {topic} yet. {NOT_LISTED} `/mentor request topic:{topic}` "
            "asks for a mentor all the same.",
            ephemeral=True,
        )
    pages = f"page {offset // PAGE + 1} of {-(-total // PAGE)}"
    return Reply(
        f"Who knows {topic} ({pages}; {total} member{'s' * (total != 1)}):",
        cards=tuple(_card(k, topic, context) for k in shown),
        buttons=_pages("who.knows", offset, total, PAGE, topic),
        ephemeral=True,
    )


def _card(knower: Knower, topic: str, context: Context) -> Card:
    return Card(
        title=knower.display_name,
        body=why(knower.signals, topic),
        fields=(
            CardField("Local time", local_clock(knower.timezone, context.now)),
            CardField("Mentoring", room_to_mentor(knower.room, context.now)),
        ),
    )


async def directory(context: Context) -> Reply:
    return await topics_page(context, 0)


async def directory_page(context: Context) -> Reply:
    offset, _ = _page_state(context)
    return await topics_page(context, offset)


async def topics_page(context: Context, offset: int) -> Reply:
    topics, total = await context.uow.directory.directory(TOPICS_PAGE, offset)
    if not topics:
        if offset:
            raise UserError("That page is gone; run `/who list` again.")
        return Reply(f"The directory is empty so far. {NOT_LISTED}", ephemeral=True)
    lines = [
        f"• {topic}: "
        + ("1 member teaches or mentors it" if n == 1 else f"{n} members teach or mentor it")
        for topic, n in topics
    ]
    pages = f"page {offset // TOPICS_PAGE + 1} of {-(-total // TOPICS_PAGE)}"
    return Reply(
        f"Who knows what ({pages}; {total} topic{'s' * (total != 1)}). Press a topic to see "
        "everyone who knows it (by what they did, too), and why:\n" + "\n".join(lines),
        buttons=(
            *(Button(topic, "who.knows", f"0|{topic}") for topic, _ in topics),
            *_pages("who.list", offset, total, TOPICS_PAGE, ""),
        ),
        ephemeral=True,
    )


def _pages(action: str, offset: int, total: int, size: int, state: str) -> tuple[Button, ...]:
    """Previous/Next, carrying the page in the button itself so they work after a restart."""
    pages = []
    if offset > 0:
        pages.append(("Previous", f"{max(0, offset - size)}|{state}"))
    if offset + size < total:
        pages.append(("Next", f"{offset + size}|{state}"))
    return tuple(
        Button(label, action, value)
        for label, value in pages
        if len(action) + 1 + len(value) <= MAX_BUTTON_STATE
    )


def _page_state(context: Context) -> tuple[int, str]:
    assert context.action is not None
    offset, bar, topic = context.action.value.partition("|")
    start = whole_number(offset)
    if start is None or not bar:
        raise UserError("That button has expired; run the command again.")
    return start, topic
