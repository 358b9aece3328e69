"""`/help`: the commands this member may run, or one command's options."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog, Choice, Command, Option
from bot.kernel.context import Context
from bot.kernel.core import may_run
from bot.kernel.messages import Card, CardField, Reply


def register(catalog: Catalog) -> None:
    guide = Help(catalog)
    catalog.source("commands")(guide.command_names)
    catalog.command(
        "help",
        "List the commands you can run, or explain one",
        Option("command", "A command or group, e.g. `profile set`", autocomplete="commands"),
    )(guide.show)


class Help:
    """The handlers, over the commands of `catalog`."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def command_names(self, context: Context, partial: str) -> list[Choice]:
        paths = [c.path for c in self.catalog if may_run(context.actor, c)]
        return [Choice(f"/{p}", p) for p in paths if partial.casefold().strip("/ ") in p]

    async def show(self, context: Context) -> Reply:
        commands = [c for c in self.catalog if may_run(context.actor, c)]
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
        return Reply(cards=tuple(_card(c) for c in chosen), ephemeral=True)


def _card(command: Command) -> Card:
    """A command and its options, the optional ones marked."""
    return Card(
        title=f"/{command.path}",
        body=command.description,
        fields=tuple(
            CardField(o.name + ("" if o.required else " (optional)"), o.description, inline=False)
            for o in command.options
        ),
    )
