"""`/privacy export` and `/privacy erase`, both generated from what every capability
declares it keeps about a member (`Catalog.keeps_personal_data`, `bot.kernel.personal`).

Export reads every kind it may show; erase erases every kind as its declaration says,
newest capability first, in one unit of work; both go through the one storage mapping of
each kind. Once the erase has committed, the store scrubs what it left on disk.
"""

from __future__ import annotations

import json

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import Attachment, Button, ButtonStyle, Reply
from bot.kernel.personal import Erasure

LEAVE = "leave"  # the erase button's choice to leave what the member shared
NOTHING = "copbot keeps nothing about you here."


def register(catalog: Catalog) -> None:
    privacy = Privacy(catalog)
    catalog.group(
        "privacy", "A copy of what copbot keeps about you, or erasing it", "/privacy export"
    )
    catalog.command("privacy export", "Get a copy of everything copbot keeps about you")(
        privacy.export
    )
    catalog.command("privacy erase", "Erase everything copbot keeps about you")(ask_to_erase)
    catalog.action("privacy.erase")(privacy.erase)
    catalog.action("privacy.cancel")(cancel)


class Privacy:
    """The handlers, over the personal data every capability of `catalog` declared."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def export(self, context: Context) -> Reply:
        context.leave_no_trace()
        member = await context.uow.members.by_user(context.actor.user_id)
        if member is None:  # looking must not make a record to show
            return Reply(NOTHING, ephemeral=True)
        document = json.dumps(await self.document(context, member), indent=2, ensure_ascii=False)
        attachment = Attachment(
            f"copbot-data-{member.id}.json", (document + "\n").encode(), "application/json"
        )
        return Reply(
            "Here is everything copbot keeps about you.", attachments=(attachment,), ephemeral=True
        )

    async def document(self, context: Context, member: Member) -> dict[str, object]:
        """Each capability's kinds under their names; what others' records keep about the
        member, and so isn't shown, is named with the reason."""
        data: dict[str, object] = {
            "exported_at": context.now.isoformat(),
            "community": {
                "platform": context.actor.community.platform,
                "id": context.actor.community.id,
            },
        }
        not_shown: dict[str, dict[str, str]] = {}
        for part in self.catalog.personal_data:
            kinds: dict[str, object] = {}
            for kind in part.kinds:
                if kind.exported:
                    kinds[kind.name] = await context.uow.personal.export(
                        part.capability, kind.name, member
                    )
                else:
                    not_shown[f"{part.capability}.{kind.name}"] = {
                        "holds": kind.holds,
                        "why": kind.why,
                    }
            data[part.capability] = kinds
        data["not_exported"] = not_shown
        return data

    async def erase(self, context: Context) -> Reply:
        assert context.action is not None
        context.leave_no_trace()  # erased, they are not welcomed as someone new
        member_id, _, choice = context.action.value.partition(":")
        found = await context.uow.members.by_user(context.actor.user_id)
        if found is None or member_id != str(found.id):
            raise UserError("This button isn't for you, or your data is already erased.")
        erasure = Erasure(context.now, leave_shared=choice == LEAVE)
        for handler in self.catalog.erasing_handlers:
            await handler(context, found)
        for part in reversed(self.catalog.personal_data):
            for kind in part.kinds:
                await context.uow.personal.erase(part.capability, kind.name, found, erasure)
        context.after_commit(context.store.scrub)
        return Reply("Done: your data is erased.", ephemeral=True)


async def ask_to_erase(context: Context) -> Reply:
    context.leave_no_trace()
    member = await context.uow.members.by_user(context.actor.user_id)
    if member is None:
        return Reply(f"There's nothing to erase: {NOTHING}", ephemeral=True)
    return Reply(
        "This erases everything copbot keeps about you here. What others rely on stays, "
        "with a former member in your place and none of your words: a library entry others "
        "voted for keeps its link, a match stays in the other side's history, the audit log "
        "keeps what moderators did. To leave the title and note of what you shared (library "
        "entries, approved prompts) for the community, choose “Erase, leave what I shared”. "
        "This can't be undone.",
        buttons=(
            Button("Erase my data", "privacy.erase", str(member.id), ButtonStyle.DANGER),
            Button("Erase, leave what I shared", "privacy.erase", f"{member.id}:{LEAVE}"),
            Button("Cancel", "privacy.cancel"),
        ),
        ephemeral=True,
    )


async def cancel(context: Context) -> Reply:
    context.leave_no_trace()
    return Reply("Nothing was erased.", ephemeral=True)
