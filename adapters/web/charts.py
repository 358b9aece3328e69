"""A `Chart` drawn as an inline SVG by pygal, on the server: no script, nothing loaded from
elsewhere, and a <title> and <desc> the page's `aria-labelledby` names.

pygal styles each drawing with a <style> inside it, scoped to the drawing's id. The page's
Content-Security-Policy allows that one block by its hash (`Drawn.style_hash`), and nothing
else inline. What a member wrote (tags, topics) reaches the SVG only as element text or
attribute values of ElementTree, which escapes them."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

from bot.kernel.messages import Chart, ChartKind, Series

SVG = ""  # pygal without lxml names its elements plainly, with an xmlns attribute
WIDTH, HEIGHT = 720, 360  # the viewBox: the page scales it to its width (360 px and up)
# Dark text on white, and series colours each at least 3:1 against the white background.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#4a525c",
    opacity=".9",
    opacity_hover="1",
    colors=("#1f5fa8", "#a34d00", "#2b7a3d", "#7b3fa0"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
    title_font_size=16,
)
KINDS: dict[ChartKind, Any] = {
    ChartKind.BARS: pygal.Bar,
    ChartKind.STACKED: pygal.StackedBar,
    ChartKind.LINE: pygal.Line,
    ChartKind.RANKED: pygal.HorizontalBar,
}


@dataclass(frozen=True)
class Drawn:
    """A chart as the page shows it: its SVG, and the CSP source allowing its <style>."""

    chart: Chart
    svg: Markup
    style_hash: str


def draw(chart: Chart) -> Drawn:
    svg, style_hash = _drawn(chart.key, chart.title, chart.description, chart.kind,
                             chart.labels, chart.series)  # fmt: skip
    return Drawn(chart, svg, style_hash)


@lru_cache(maxsize=512)
def _drawn(
    key: str,
    title: str,
    description: str,
    kind: ChartKind,
    labels: tuple[str, ...],
    series: tuple[Series, ...],
) -> tuple[Markup, str]:
    """The same figures draw the same SVG: kept, so a page seen again costs no drawing."""
    styles: list[str] = []
    ranked = kind is ChartKind.RANKED
    graph = KINDS[kind](
        style=STYLE,
        width=WIDTH,
        height=HEIGHT + (24 * max(0, len(labels) - 8) if ranked else 0),
        disable_xml_declaration=True,
        js=[],
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(len(series), 3),
        x_label_rotation=0 if ranked else 40,
        truncate_label=40,
        truncate_legend=40,
        print_values=False,
        show_minor_x_labels=True,
        no_data_text="Nothing yet",
        min_scale=1,
        max_scale=6,
        margin=16,
    )
    graph.x_labels = list(labels)
    top = _highest(kind, series)
    if 0 < top <= 10:  # counts: whole numbers on the axis, not 0.4, 0.8, ...
        graph.y_labels = list(range(top + 1))
    for one in series:
        graph.add(one.name, list(one.values))
    graph.add_xml_filter(lambda tree: _accessible(tree, key, title, description, styles))
    svg = graph.render(is_unicode=True)
    digest = hashlib.sha256("".join(styles).encode()).digest()
    return Markup(svg), f"'sha256-{base64.b64encode(digest).decode()}'"


def _highest(kind: ChartKind, series: tuple[Series, ...]) -> int:
    """The top of the value axis: the highest bar (of stacked series, their sum)."""
    per_label = list(zip(*(one.values for one in series), strict=True))
    return max((sum(v) if kind is ChartKind.STACKED else max(v) for v in per_label), default=0)


def _accessible(tree: Any, key: str, title: str, description: str, styles: list[str]) -> Any:
    """The drawing named for assistive technology, without pygal's script (its tooltips):
    the figures are in the table beside it."""
    defs = tree.find(f"{SVG}defs")
    for script in defs.findall(f"{SVG}script"):
        defs.remove(script)
    styles.extend(style.text or "" for style in defs.findall(f"{SVG}style"))
    for parent in tree.iter():  # the tooltip's box: shown by the script only
        for child in list(parent):
            if "tooltip-overlay" in child.get("class", ""):
                parent.remove(child)
    tree.set("role", "img")
    tree.set("aria-labelledby", f"chart-{key}-title chart-{key}-desc")
    tree.set("width", "100%")
    tree.attrib.pop("height", None)
    named = tree.makeelement(f"{SVG}title", {"id": f"chart-{key}-title"})
    named.text = title
    told = tree.makeelement(f"{SVG}desc", {"id": f"chart-{key}-desc"})
    told.text = description
    tree.insert(0, told)
    tree.insert(0, named)
    return tree
