"""`/privacy export` and `/privacy erase`: a member's own data, out or gone.

Every capability declares what it keeps with `Catalog.keeps_personal_data`; export asks
each one, erase asks each one (newest capability first) and then anonymises the member
record itself, so what other members' records reference stays but names no one.
"""

from __future__ import annotations

import json

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.messages import Attachment, Button, ButtonStyle, Reply


def register(catalog: Catalog) -> None:
    privacy = Privacy(catalog)
    catalog.group(
        "privacy", "A copy of what copbot keeps about you, or erasing it", "/privacy export"
    )
    catalog.command("privacy export", "Get a copy of everything copbot keeps about you")(
        privacy.export
    )
    catalog.command("privacy erase", "Erase everything copbot keeps about you")(
        privacy.ask_to_erase
    )
    catalog.action("privacy.erase")(privacy.erase)
    catalog.action("privacy.cancel")(cancel)


class Privacy:
    """The handlers, over the personal data every capability of `catalog` declared."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def export(self, context: Context) -> Reply:
        member = await context.member()
        data: dict[str, object] = {
            "exported_at": context.now.isoformat(),
            "community": {
                "platform": context.actor.community.platform,
                "id": context.actor.community.id,
            },
        }
        for part in self.catalog.personal_data:
            data[part.name] = await part.export(context, member)
        document = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        attachment = Attachment(
            f"copbot-data-{member.id}.json", document.encode(), "application/json"
        )
        await context.chat.send_dm(
            context.actor.community,
            context.actor.user_id,
            Reply("Here is everything copbot keeps about you.", attachments=(attachment,)),
        )
        return Reply("I've sent your data to you in a direct message.", ephemeral=True)

    async def ask_to_erase(self, context: Context) -> Reply:
        member = await context.member()
        kinds = ", ".join(part.name for part in self.catalog.personal_data)
        return Reply(
            f"This erases everything copbot keeps about you here ({kinds}). Things others "
            "saved that mention you stay, without your name. This can't be undone.",
            buttons=(
                Button("Erase my data", "privacy.erase", str(member.id), ButtonStyle.DANGER),
                Button("Cancel", "privacy.cancel"),
            ),
            ephemeral=True,
        )

    async def erase(self, context: Context) -> Reply:
        assert context.action is not None
        found = await context.uow.members.by_user(context.actor.user_id)
        if found is None or context.action.value != str(found.id):
            raise UserError("This button isn't for you, or your data is already erased.")
        for part in reversed(self.catalog.personal_data):
            if part.erase is not None:
                await part.erase(context, found)
        await context.uow.members.erase(found, context.now)
        return Reply("Done: your data is erased.", ephemeral=True)


async def cancel(context: Context) -> Reply:
    return Reply("Nothing was erased.", ephemeral=True)
