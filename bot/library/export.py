"""The library as a file: a Markdown handbook by tag, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog, Option
from bot.kernel.context import Context
from bot.kernel.messages import Attachment, Reply
from bot.library.model import Resource

FORMATS = ("markdown", "csv", "json")


def register(catalog: Catalog) -> None:
    catalog.command(
        "library export",
        "Get the whole library as a file",
        Option("format", "markdown (a handbook by tag), csv or json", choices=FORMATS),
    )(export_library)


async def export_library(context: Context) -> Reply:
    chosen = context.options.get("format", "markdown")
    everything = await context.uow.library.everything()
    if not everything:
        raise UserError("The library is empty: there's nothing to export yet.")
    attachment = EXPORTERS[chosen](everything)
    return Reply(
        f"The library as {chosen}, {len(everything)} resources.",
        attachments=(attachment,),
        ephemeral=True,
    )


def as_dict(resource: Resource) -> dict[str, object]:
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


def markdown(everything: list[Resource]) -> Attachment:
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


def csv_file(everything: list[Resource]) -> Attachment:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "url", "tags", "note", "votes", "saved_by", "saved_at"])
    for r in everything:
        writer.writerow(
            [
                r.id,
                cell(r.title),
                r.url,
                cell(", ".join(r.tags)),
                cell(r.note),
                r.votes,
                cell(r.saved_by_name or ""),
                r.created_at.isoformat(),
            ]
        )
    return Attachment("library.csv", out.getvalue().encode(), "text/csv")


def cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: defuse them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def json_file(everything: list[Resource]) -> Attachment:
    document = json.dumps([as_dict(r) for r in everything], indent=2, ensure_ascii=False)
    return Attachment("library.json", (document + "\n").encode(), "application/json")


EXPORTERS = {"markdown": markdown, "csv": csv_file, "json": json_file}
