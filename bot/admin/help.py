"""`/help`: the commands this member may run, or one command's options."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog, Choice, Option
from bot.kernel.context import Context
from bot.kernel.core import may_run
from bot.kernel.messages import Card, CardField, Reply


def register(catalog: Catalog) -> None:
    @catalog.source("commands")
    async def command_names(context: Context, partial: str) -> list[Choice]:
        paths = [c.path for c in catalog if may_run(context.actor, c)]
        return [Choice(f"/{p}", p) for p in paths if partial.casefold().strip("/ ") in p]

    @catalog.command(
        "help",
        "List the commands you can run, or explain one",
        Option("command", "A command or group, e.g. `profile set`", autocomplete="commands"),
    )
    async def show_help(context: Context) -> Reply:
        commands = [c for c in catalog if may_run(context.actor, c)]
        wanted = context.options.get("command", "").strip("/ ").casefold()
        if not wanted:
            lines = [f"`/{c.path}` {c.description}" for c in commands]
            return Reply(
                "Here's what you can run:\n"
                + "\n".join(lines)
                + "\nAsk `/help command:<name>` for a command's options.",
                ephemeral=True,
            )
        chosen = [c for c in commands if c.path == wanted or c.path.startswith(wanted + " ")]
        if not chosen:
            raise UserError(f"There's no command `/{wanted[:40]}` you can run. Try `/help`.")
        cards = tuple(
            Card(
                title=f"/{c.path}",
                body=c.description,
                fields=tuple(
                    CardField(
                        o.name + ("" if o.required else " (optional)"), o.description, inline=False
                    )
                    for o in c.options
                ),
            )
            for c in chosen
        )
        return Reply(cards=cards, ephemeral=True)
