"""The health charts (the web pages' health page): the community week by week over the last
`WEEKS` weeks. Moderators see every chart; members see the ones moderators made public
(`/community health-public`, or the button on each chart), which is decided here, once.

Each chart's figures are its `Chart` (the page draws it and shows the same data as a table);
what an action is and who counts as new come from `bot.community.health`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from bot.common.errors import UserError
from bot.community.health import GAPS_SHOWN, gap_map_since
from bot.community.model import Funnel, Gap, Trends
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.gaps import week_of
from bot.kernel.messages import (
    Button,
    ButtonStyle,
    Chart,
    ChartKind,
    CommunityKey,
    Reply,
    Series,
)
from bot.kernel.ports import UnitOfWork

WEEKS = 12  # about the 90 days of `/community health`
BUSY = (2, 5)  # a week's levels: 1 action, 2 to 4, 5 or more
TAGS_SHOWN = 10
PUBLIC = "community.health_public"  # the setting: the charts members see (absent: none)
PAGE_ACTION = "community.health"
TOGGLE_ACTION = "community.health_public"
TITLES = {
    "participation": "Members taking part, week by week",
    "newcomers": "Newcomers and their first steps",
    "prompts": "Answers to each prompt",
    "mentoring": "Mentor requests, and how far they went",
    "intros": "Intros, and who met",
    "library": "The library's growth",
    "tags": "The library's top tags",
    "gaps": "The gap map: asked about, not covered",
}


FRESH_FOR = timedelta(minutes=10)  # how old the charts' figures may be (`Figures`)
KEPT = 1024  # communities whose figures a process keeps


@dataclass
class Figures:
    """The figures last read for each community, for `FRESH_FOR`: they are weeks of
    activity, which a few minutes change little, and reading them takes the database a
    second at a year of a large community's activity. Each process keeps its own; who
    sees which chart is decided afresh each time."""

    kept: dict[CommunityKey, tuple[datetime, Trends, list[Gap]]] = field(default_factory=dict)

    async def read(self, context: Context) -> tuple[Trends, list[Gap]]:
        community, now = context.actor.community, context.now
        found = self.kept.get(community)
        if found is not None and now - FRESH_FOR <= found[0] <= now:
            return found[1], found[2]
        first = week_of(now) - timedelta(weeks=WEEKS - 1)
        weeks = tuple(
            datetime.combine(first + timedelta(weeks=i), datetime.min.time(), now.tzinfo)
            for i in range(WEEKS)
        )
        directory = context.uow.directory
        trends = await directory.trends(weeks, BUSY, TAGS_SHOWN)
        gaps = await directory.gaps(gap_map_since(now), GAPS_SHOWN)
        self.kept.pop(community, None)
        if len(self.kept) >= KEPT:  # the longest kept goes
            self.kept.pop(next(iter(self.kept)))
        self.kept[community] = (now, trends, gaps)
        return trends, gaps


def register(catalog: Catalog) -> None:
    figures = Figures()
    catalog.action(PAGE_ACTION, reads=True)(partial(health_page, figures=figures))
    catalog.action(TOGGLE_ACTION, access=Access.MODERATOR)(partial(toggle, figures=figures))
    catalog.command(
        "community health-public",
        "Which health charts members see on copbot's pages",
        Option("chart", "The chart", choices=(*TITLES, "all")),
        Option("public", "Do members see it?", OptionType.BOOLEAN),
        access=Access.MODERATOR,
    )(choose)


async def public_charts(uow: UnitOfWork) -> frozenset[str]:
    chosen = await uow.settings.get(PUBLIC)
    if not isinstance(chosen, list):
        return frozenset()
    return frozenset(key for key in chosen if key in TITLES)


async def _make_public(context: Context, keys: set[str], public: bool) -> frozenset[str]:
    shown = set(await public_charts(context.uow))
    shown = shown | keys if public else shown - keys
    await context.uow.settings.put(PUBLIC, sorted(shown))
    return frozenset(shown)


async def choose(context: Context) -> Reply:
    chart, public = context.options.get("chart"), context.options.get("public")
    if chart is not None and public is None:
        raise UserError("Say whether members see it: `public:yes` or `public:no`.")
    if public is not None and chart is None:
        raise UserError("Say which chart: `chart:library`, for instance, or `chart:all`.")
    if chart is not None:
        keys = set(TITLES) if chart == "all" else {chart}
        shown = await _make_public(context, keys, bool(public))
    else:
        shown = await public_charts(context.uow)
    listed = ", ".join(f"`{key}`" for key in TITLES if key in shown) or "none"
    return Reply(
        f"Members see these health charts on copbot's pages (`/web`): {listed}. "
        "Moderators see them all. Change it with, for instance, "
        "`/community health-public chart:library public:yes` (or `public:no`).",
        ephemeral=True,
    )


async def toggle(context: Context, *, figures: Figures) -> Reply:
    """The button on a chart: members see it from now on, or no longer."""
    value = context.action.value if context.action else ""
    key, _, state = value.partition(":")
    if key not in TITLES or state not in ("on", "off"):
        raise UserError("That button has expired; open the health page again.")
    await _make_public(context, {key}, state == "on")
    said = "Members now see" if state == "on" else "Members no longer see"
    return await _page(context, figures, f"{said} “{TITLES[key]}”.")


async def health_page(context: Context, *, figures: Figures) -> Reply:
    return await _page(context, figures, "")


async def _page(context: Context, figures: Figures, said: str) -> Reply:
    moderator = context.actor.is_moderator
    public = await public_charts(context.uow)
    if not moderator and not public:
        return Reply(
            "The moderators haven't shared any health chart with members yet.", ephemeral=True
        )
    trends, gaps = await figures.read(context)
    charts = [c for c in _charts(trends, gaps) if moderator or c.key in public]
    if moderator:
        charts = [_with_toggle(chart, chart.key in public) for chart in charts]
    intro = (
        "Every chart is shown to moderators; members see the ones marked public."
        if moderator
        else "The charts the moderators share with members."
    )
    minutes = FRESH_FOR.seconds // 60
    about = f"The last {WEEKS} weeks, in figures at most {minutes} minutes old. {intro}"
    return Reply(
        "\n".join(line for line in (said, about) if line),
        charts=tuple(charts),
        ephemeral=True,
    )


def _with_toggle(chart: Chart, public: bool) -> Chart:
    button = (
        Button("Hide from members", TOGGLE_ACTION, f"{chart.key}:off")
        if public
        else Button("Show to members", TOGGLE_ACTION, f"{chart.key}:on", ButtonStyle.PRIMARY)
    )
    note = " ".join(n for n in (chart.note, "Members see it." if public else "") if n)
    return replace(chart, toggle=button, note=note)


def _week(moment: datetime) -> str:
    return moment.strftime("%d %b")


def _charts(trends: Trends, gaps: list[Gap]) -> list[Chart]:
    weeks = tuple(_week(start) for start in trends.weeks)
    levels = tuple(zip(*trends.acting, strict=True)) if trends.acting else ((), (), ())
    a, b = BUSY
    return [
        _chart(
            "participation",
            "Members who did anything each week (saved, upvoted, thanked, asked for a "
            "mentor, mentored or answered a prompt), by how much they did that week.",
            ChartKind.STACKED,
            weeks,
            Series(f"{a - 1} action", levels[0]),
            Series(f"{a}-{b - 1} actions", levels[1]),
            Series(f"{b} or more", levels[2]),
        ),
        _chart(
            "newcomers",
            "Newcomers welcomed each week, and how many of them have since finished "
            "their three first steps.",
            ChartKind.BARS,
            weeks,
            Series("Welcomed", trends.welcomed),
            Series("Finished first steps", trends.first_steps),
        ),
        _chart(
            "prompts",
            "How many members answered each prompt posted, by the day it was posted.",
            ChartKind.BARS,
            tuple(_week(p.posted_at) for p in trends.postings),
            Series("Members answering", tuple(p.members for p in trends.postings)),
            Series("Answers", tuple(p.answers for p in trends.postings)),
        ),
        _funnel_chart(trends.funnel),
        _intros_chart(trends),
        _chart(
            "library",
            "Resources in the library at the end of each week.",
            ChartKind.LINE,
            weeks,
            Series("Resources", trends.library),
        ),
        _chart(
            "tags",
            f"The {TAGS_SHOWN} tags most used in the library, and on how many resources.",
            ChartKind.RANKED,
            tuple(tag for tag, _ in trends.tags),
            Series("Resources", tuple(n for _, n in trends.tags)),
        ),
        _chart(
            "gaps",
            "Topics asked about in the last four weeks that no mentor offers or no resource "
            "covers: searches that found nothing, mentor requests nobody could take, and "
            "requests waiting now.",
            ChartKind.RANKED,
            tuple(gap.topic for gap in gaps),
            Series("Searches", tuple(gap.searches for gap in gaps)),
            Series("Requests unmatched", tuple(gap.unmatched for gap in gaps)),
            Series("Waiting now", tuple(gap.waiting for gap in gaps)),
        ),
    ]


def _chart(
    key: str,
    description: str,
    kind: ChartKind,
    labels: tuple[str, ...],
    *series: Series,
    note: str = "",
) -> Chart:
    return Chart(key, TITLES[key], description, kind, labels, series, note)


def _funnel_chart(funnel: Funnel) -> Chart:
    rating = (
        f"Their matches were rated {funnel.rating:.1f} of 5 on average ({funnel.ratings} ratings)."
        if funnel.rating is not None
        else "No match of theirs has been rated yet."
    )
    steps = (
        ("Requested", funnel.requests),
        ("A mentor asked", funnel.asked),
        ("Matched", funnel.matched),
        ("Met", funnel.met),
    )
    return _chart(
        "mentoring",
        f"The mentor requests made in the last {WEEKS} weeks: how many had a mentor "
        "asked, were matched, and whose members said they met.",
        ChartKind.RANKED,
        tuple(step for step, _ in steps),
        Series("Requests", tuple(n for _, n in steps)),
        note=rating,
    )


def _intros_chart(trends: Trends) -> Chart:
    answered = sum(r.answered for r in trends.intros)
    met = sum(r.met for r in trends.intros)
    rate = (
        f"Met-rate: {round(100 * met / answered)}% of the {answered} intros answered."
        if answered
        else "Nobody has answered “did you meet?” yet."
    )
    return _chart(
        "intros",
        "The intros each round opened, how many had an answer to “did you meet?”, and "
        "how many met.",
        ChartKind.BARS,
        tuple(_week(r.published_at) for r in trends.intros),
        Series("Intros", tuple(r.intros for r in trends.intros)),
        Series("Answered", tuple(r.answered for r in trends.intros)),
        Series("Met", tuple(r.met for r in trends.intros)),
        note=rate,
    )
