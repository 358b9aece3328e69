"""`/profile set`, `/profile edit` (a form) and `/profile show`, and one's profile at a
glance."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from bot.common.errors import UserError
from bot.common.timezones import local_time
from bot.kernel.catalog import Catalog, Option, OptionType, ProfileFact
from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.kernel.messages import Button, ButtonStyle, Card, CardField, Form, FormField, Reply
from bot.kernel.options import parse_fields

MAX_BIO = 280
TAG_LIST_LENGTH = 400
PROFILE_OPTIONS = (
    Option(
        "skills",
        "Topics you can teach, comma-separated",
        OptionType.TAGS,
        autocomplete="tags",
        max_length=TAG_LIST_LENGTH,
    ),
    Option(
        "interests",
        "Topics you want to learn, comma-separated",
        OptionType.TAGS,
        autocomplete="tags",
        max_length=TAG_LIST_LENGTH,
    ),
    Option(
        "timezone",
        "Your IANA timezone, e.g. Europe/Berlin",
        OptionType.TIMEZONE,
        autocomplete="timezones",
        max_length=64,
    ),
    Option(
        "languages",
        "Languages you speak, comma-separated",
        OptionType.LANGUAGES,
        max_items=10,
        max_length=200,
    ),
    Option("bio", "A line or two about you", max_length=MAX_BIO, multiline=True),
    Option(
        "listed",
        "Show you in the /who directory of who knows what?",
        OptionType.BOOLEAN,
        in_order=False,
    ),
)
LISTED_QUESTION = (
    "Members find you there by what you know. Only what you teach, what you did on a "
    "topic, your local time and whether you have room to mentor show; you can change it "
    "with `/profile set listed:no`."
)


def register(catalog: Catalog) -> None:
    facts = catalog.profile_facts  # filled in as the capabilities after this one register
    catalog.command(
        "profile set", "Set what you teach, want to learn, your timezone and more", *PROFILE_OPTIONS
    )(partial(set_profile, facts=facts))
    catalog.command("profile edit", "Edit your whole profile in a form")(edit_profile)
    catalog.action("profile.save")(partial(save_profile_form, facts=facts))
    catalog.action("profile.listed")(choose_listing)
    catalog.command(
        "profile show",
        "Show your profile or another member's",
        Option("member", "Whose profile (you if left out)", OptionType.MEMBER),
        reads=True,
    )(partial(show_profile, facts=facts))
    catalog.action("profile.edit")(open_profile_form)
    catalog.home_section(partial(own_profile, facts=facts))


async def set_profile(context: Context, *, facts: list[ProfileFact]) -> Reply:
    if not context.options:
        raise UserError(
            "Tell me what to change, e.g. `/profile set skills:python timezone:Europe/Berlin`, "
            "or use `/profile edit` for a form."
        )
    member = await context.member()
    saved = await context.uow.members.save(replace(member, **context.options), context.now)
    return await saved_reply(context, saved, facts)


async def edit_profile(context: Context) -> Reply:
    member = await context.member()
    return Reply(
        form=Form(
            title="Your profile",
            action_id="profile.save",
            submit_label="Save profile",
            value=str(member.version),
            fields=(
                FormField(
                    "skills",
                    "Topics you can teach",
                    ", ".join(member.skills),
                    max_length=TAG_LIST_LENGTH,
                    placeholder="python, sql",
                ),
                FormField(
                    "interests",
                    "Topics you want to learn",
                    ", ".join(member.interests),
                    max_length=TAG_LIST_LENGTH,
                    placeholder="rust, public speaking",
                ),
                FormField(
                    "timezone",
                    "Timezone",
                    member.timezone or "",
                    max_length=64,
                    placeholder="Europe/Berlin",
                ),
                FormField(
                    "languages",
                    "Languages",
                    ", ".join(member.languages),
                    max_length=200,
                    placeholder="english, german",
                ),
                FormField("bio", "About you", member.bio, multiline=True, max_length=MAX_BIO),
            ),
        ),
        ephemeral=True,
    )


async def save_profile_form(context: Context, *, facts: list[ProfileFact]) -> Reply:
    """A submitted profile form; the form carries the version it was opened at, so a
    second form opened before the first was saved can't silently overwrite it."""
    assert context.action is not None
    changes = parse_fields("profile edit", PROFILE_OPTIONS, context.options)
    member = await context.member()
    if context.action.value != str(member.version):
        raise UserError(
            "Your profile changed after you opened this form, so I saved nothing. "
            "Open `/profile edit` again to see the latest."
        )
    saved = await context.uow.members.save(replace(member, **changes), context.now)
    return await saved_reply(context, saved, facts)


async def saved_reply(context: Context, saved: Member, facts: list[ProfileFact]) -> Reply:
    """The saved profile; until the member has said whether to be listed in `/who`, asked."""
    card = await profile_card(saved, context, facts)
    if saved.listed is not None:
        return Reply("Your profile is saved.", cards=(card,), ephemeral=True)
    question = Card("Show you in the /who directory?", LISTED_QUESTION)
    return Reply(
        "Your profile is saved.",
        cards=(card, question),
        buttons=(
            Button("Yes, list me", "profile.listed", "yes", ButtonStyle.PRIMARY),
            Button("No, thanks", "profile.listed", "no"),
        ),
        ephemeral=True,
    )


async def choose_listing(context: Context) -> Reply:
    assert context.action is not None
    if context.action.value not in ("yes", "no"):
        raise UserError("That button has expired; use `/profile set listed:yes` or `listed:no`.")
    listed = context.action.value == "yes"
    member = await context.member()
    if member.listed != listed:
        await context.uow.members.save(replace(member, listed=listed), context.now)
    if listed:
        return Reply(
            "You're listed in `/who`: members can find you by what you know.", ephemeral=True
        )
    return Reply("You're not listed in `/who`; nobody finds you there.", ephemeral=True)


async def show_profile(context: Context, *, facts: list[ProfileFact]) -> Reply:
    user_id = context.options.get("member")
    if user_id is None or user_id == context.actor.user_id:
        member = await context.member()
        if not member.has_profile:
            return Reply(
                "Your profile is empty. Fill it in with `/profile set` or `/profile edit`.",
                buttons=(Button("Edit profile", "profile.edit"),),
                ephemeral=True,
            )
    else:
        found = await context.uow.members.by_user(user_id)
        if found is None or not found.has_profile:
            raise UserError("That member hasn't set up a profile yet.")
        member = found
    return Reply(cards=(await profile_card(member, context, facts),), ephemeral=True)


async def open_profile_form(context: Context) -> Reply:
    return await edit_profile(context)


async def own_profile(context: Context, *, facts: list[ProfileFact]) -> Reply:
    member = await context.member()
    edit = (Button("Edit profile", "profile.edit"),)
    if not member.has_profile:
        return Reply("Your profile is empty: fill it in to be matched.", buttons=edit)
    return Reply(cards=(await profile_card(member, context, facts),), buttons=edit)


async def profile_card(member: Member, context: Context, facts: list[ProfileFact]) -> Card:
    fields = [
        CardField("Teaches", ", ".join(member.skills) or "—"),
        CardField("Learning", ", ".join(member.interests) or "—"),
        CardField("Languages", ", ".join(member.languages) or "—"),
    ]
    if member.timezone:
        now = local_time(context.now, member.timezone)
        fields.append(CardField("Timezone", f"{member.timezone} (now {now:%a %H:%M})"))
    if member.user_id == context.actor.user_id:  # one's own choice, not shown to others
        listing = {True: "yes", False: "no", None: "not chosen yet"}[member.listed]
        fields.append(CardField("Listed in /who", listing))
    for fact in facts:
        field = await fact(context, member)
        if field is not None:
            fields.append(field)
    return Card(title=member.display_name, body=member.bio, fields=tuple(fields))
