"""`/audit`: what moderators changed with their rights, newest first.

The core writes every entry (`Core._run`), in the unit of work of the change itself: each
moderators' command and button is covered, including those added later, and nothing is
logged that didn't commit or that only read."""

from __future__ import annotations

from bot.common.errors import UserError
from bot.common.numbers import whole_number
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import Button, Reply
from bot.kernel.personal import Erased, Kept

PAGE = 15
KEPT = (
    Kept(
        "moderator_changes",
        "what you changed as a moderator, and what you gave each command",
        Erased.ANONYMISED,
        "the entries stay, as the community's record of what moderators did, with a former "
        "member in your place and without anything you typed",
    ),
    Kept(
        "named_in_changes",
        "other moderators' entries whose options named you",
        Erased.KEPT,
        "their record: it stays, naming a former member where it named your platform id",
    ),
)


def register(catalog: Catalog) -> None:
    catalog.group("audit", "What moderators changed with their rights", "/audit")
    catalog.command(
        "audit",
        "What moderators changed, newest first",
        Option("member", "Only this moderator's changes", OptionType.MEMBER),
        access=Access.MODERATOR,
    )(show)
    catalog.action("audit.page", access=Access.MODERATOR)(more)
    catalog.keeps_personal_data("audit", *KEPT)


async def show(context: Context) -> Reply:
    user_id = context.options.get("member")
    moderator = await context.uow.members.by_user(user_id) if user_id else None
    if user_id and moderator is None:
        raise UserError("I don't know that member yet.")
    return await _page(context, moderator, 0)


async def more(context: Context) -> Reply:
    offset_text, _, member_text = (context.action.value if context.action else "").partition("|")
    offset, member_id = whole_number(offset_text), whole_number(member_text or "0")
    if offset is None or member_id is None:
        raise UserError("That button has expired; run `/audit` again.")
    moderator = (await context.uow.members.by_ids([member_id])).get(member_id)
    return await _page(context, moderator, offset)


async def _page(context: Context, moderator: Member | None, offset: int) -> Reply:
    member_id = moderator.id if moderator else None
    entries = await context.uow.audit.recent(PAGE + 1, offset, member_id)
    whose = f" by {moderator.display_name}" if moderator else ""
    if not entries:
        return Reply(f"No moderator has changed anything{whose} yet.", ephemeral=True)
    people = await context.uow.members.by_ids([e.member_id for e in entries])
    lines = []
    for entry in entries[:PAGE]:
        who = people[entry.member_id].display_name if entry.member_id in people else "someone"
        detail = f" ({entry.detail})" if entry.detail else ""
        lines.append(f"{entry.created_at:%Y-%m-%d %H:%M} UTC · {who} · `{entry.what}`{detail}")
    state = f"|{member_id}" if member_id else ""
    buttons = []
    if offset > 0:
        buttons.append(Button("Newer", "audit.page", f"{max(0, offset - PAGE)}{state}"))
    if len(entries) > PAGE:
        buttons.append(Button("Older", "audit.page", f"{offset + PAGE}{state}"))
    return Reply(
        f"Moderators' changes{whose} (page {offset // PAGE + 1}):\n" + "\n".join(lines),
        buttons=tuple(buttons),
        ephemeral=True,
    )
