"""`/help`: the command groups this member can use, each with a line to try; one group's
commands; or one command's options."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog, Choice, Command, Option
from bot.kernel.commandline import split_command_line
from bot.kernel.context import Context
from bot.kernel.core import may_run
from bot.kernel.messages import Card, CardField, Reply


def register(catalog: Catalog) -> None:
    guide = Help(catalog)
    catalog.source("commands")(guide.command_names)
    catalog.group("help", "What you can do here", "/help profile set")
    catalog.command(
        "help",
        "List what you can do, a group's commands, or explain one",
        Option(
            "command",
            "A group or a command, e.g. `mentor` or `profile set`",
            autocomplete="commands",
        ),
    )(guide.show)


class Help:
    """The handlers, over the commands of `catalog`."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def command_names(self, context: Context, partial: str) -> list[Choice]:
        wanted = partial.casefold().strip("/ ")
        paths = [c.path for c in await self._for(context)]
        groups = sorted({p.split(" ")[0] for p in paths if " " in p})
        return [Choice(f"/{p}", p) for p in [*groups, *paths] if wanted in p]

    async def show(self, context: Context) -> Reply:
        wanted = " ".join(context.options.get("command", "").strip("/ ").casefold().split())
        if not wanted:
            return self._overview(await self._for(context))
        command = self.catalog.get(wanted)
        if command is not None and may_run(context.actor, command):
            return Reply(cards=(_card(command),), ephemeral=True)
        inside = [c for c in await self._for(context) if c.path.startswith(wanted + " ")]
        if not inside:
            raise UserError(f"There's no command `/{wanted[:40]}` you can run. Try `/help`.")
        lines = [f"`/{c.path}` {c.description}" for c in inside]
        lines.append(f"Ask `/help {inside[0].path}` for one's options.")
        return Reply("\n".join(lines), ephemeral=True)

    async def _for(self, context: Context) -> list[Command]:
        """The commands this member may run and is one of those they are for (mentors'
        commands for mentors)."""
        roles: dict[str, bool] = {}
        shown = []
        for command in self.catalog:
            if not may_run(context.actor, command):
                continue
            if command.role is not None and command.role not in roles:
                roles[command.role] = await self.catalog.has_role(context, command.role)
            if command.role is None or roles[command.role]:
                shown.append(command)
        return shown

    def _overview(self, commands: list[Command]) -> Reply:
        """One line per group, in the order capabilities declared them, with a line to try."""
        by_group: dict[str, list[Command]] = {}
        for command in commands:
            by_group.setdefault(command.path.split(" ")[0], []).append(command)
        declared = [g for g in self.catalog.groups if g in by_group]
        lines = []
        for name in declared + sorted(set(by_group) - set(declared)):
            inside = by_group[name]
            group = self.catalog.groups.get(name)
            about = group.description if group else inside[0].description
            subcommands = ", ".join(c.path.partition(" ")[2] for c in inside if " " in c.path)
            line = f"`/{name}` {about}" + (f" ({subcommands})" if subcommands else "")
            example = self._example(group.examples if group else (), inside)
            lines.append(line + (f". Try `{example}`" if example else ""))
        return Reply(
            "Here's what you can do:\n" + "\n".join(lines) + f"\n{_explain(commands)}",
            ephemeral=True,
        )

    def _example(self, examples: tuple[str, ...], commands: list[Command]) -> str | None:
        """The first example that runs one of `commands` (the member's own)."""
        paths = {c.path for c in commands}
        return next((e for e in examples if split_command_line(self.catalog, e)[0] in paths), None)


def _explain(commands: list[Command]) -> str:
    """How to ask for more, with a command of the member's own as the example."""
    deeper = next((c.path for c in commands if " " in c.path), None)
    if deeper is None:
        return "Ask `/help` with a command's name for its options."
    group = deeper.split(" ")[0]
    return f"Ask `/help {group}` for a group's commands, `/help {deeper}` for one's options."


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
