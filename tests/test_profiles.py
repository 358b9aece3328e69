"""Profiles through the core, on a real SQLite file."""

from __future__ import annotations

from bot.kernel.ports import MemberInfo
from tests.fakes import FakeChat, Talk


def fields(reply) -> dict[str, str]:
    return {f.name: f.value for f in reply.cards[0].fields}


async def test_set_then_show_normalises_tags_and_timezone(talk: Talk) -> None:
    saved = await talk(
        "alice",
        '/profile set skills:"Py, #SQL,  machine learning" '
        "interests:JS languages:en,de timezone:europe/berlin "
        'bio:"Data engineer"',
    )
    assert saved.ephemeral and saved.text == "Your profile is saved."

    shown = await talk("bob", "/profile show member:alice")
    card = shown.cards[0]
    assert card.title == "Alice" and card.body == "Data engineer"
    assert fields(shown) == {
        "Teaches": "python, sql, machine-learning",
        "Learning": "javascript",
        "Languages": "english, german",
        "Timezone": "Europe/Berlin (now Mon 10:00)",
    }


async def test_only_given_options_change(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python timezone:Asia/Tokyo")
    await talk("alice", "/profile set bio:hi")
    shown = fields(await talk("alice", "/profile show"))
    assert shown["Teaches"] == "python" and shown["Timezone"].startswith("Asia/Tokyo")


async def test_blank_values_clear(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python timezone:Asia/Tokyo bio:hi")
    await talk("alice", '/profile set skills:"" timezone:""')
    shown = await talk("alice", "/profile show")
    assert fields(shown)["Teaches"] == "—" and "Timezone" not in fields(shown)


async def test_unknown_timezone_is_refused_with_a_suggestion_and_changes_nothing(
    talk: Talk,
) -> None:
    await talk("alice", "/profile set timezone:Europe/Paris skills:go")
    refused = await talk("alice", "/profile set timezone:Europe/Berln skills:rust")
    assert refused.ephemeral
    assert "Did you mean `Europe/Berlin`?" in refused.text
    assert fields(await talk("alice", "/profile show"))["Teaches"] == "go"


async def test_new_member_timezone_is_prefilled_from_the_platform(
    talk: Talk, chat: FakeChat
) -> None:
    chat.users["carol"] = MemberInfo("Carol", timezone="America/Chicago")
    await talk("carol", "/profile set skills:python")
    assert fields(await talk("carol", "/profile show"))["Timezone"].startswith("America/Chicago")


async def test_empty_profile_points_to_the_form(talk: Talk) -> None:
    reply = await talk("alice", "/profile show")
    assert "empty" in reply.text and [b.label for b in reply.buttons] == ["Edit profile"]
    form = await talk.press("alice", "Edit profile")
    assert form.form is not None and form.form.title == "Your profile"


async def test_someone_without_a_profile(talk: Talk) -> None:
    reply = await talk("alice", "/profile show member:nobody")
    assert reply.ephemeral and "hasn't set up a profile" in reply.text


async def test_set_without_options_explains_itself(talk: Talk) -> None:
    reply = await talk("alice", "/profile set")
    assert reply.ephemeral and "/profile edit" in reply.text


async def test_form_is_prefilled_and_saves(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python,sql timezone:Europe/Berlin")
    opened = await talk("alice", "/profile edit")
    assert opened.form is not None
    defaults = {f.name: f.default for f in opened.form.fields}
    assert defaults["skills"] == "python, sql" and defaults["timezone"] == "Europe/Berlin"

    saved = await talk.press("alice", "Save profile", on=opened, interests="k8s", bio="Hello")
    assert saved.text == "Your profile is saved."
    shown = await talk("alice", "/profile show")
    assert fields(shown)["Learning"] == "kubernetes" and shown.cards[0].body == "Hello"


async def test_second_concurrent_edit_is_refused_and_changes_nothing(talk: Talk) -> None:
    """Two forms opened at once: the second save would overwrite the first unseen."""
    first = await talk("alice", "/profile edit")
    second = await talk("alice", "/profile edit")
    await talk.press("alice", "Save profile", on=first, bio="first")
    refused = await talk.press("alice", "Save profile", on=second, bio="second")
    assert refused.ephemeral and "changed after you opened this form" in refused.text
    assert (await talk("alice", "/profile show")).cards[0].body == "first"


async def test_bad_form_values_change_nothing(talk: Talk) -> None:
    opened = await talk("alice", "/profile edit")
    refused = await talk.press("alice", "Save profile", on=opened, timezone="Mars/Base")
    assert refused.ephemeral and "isn't a timezone" in refused.text
    reopened = await talk("alice", "/profile edit")
    assert reopened.form is not None and reopened.form.value == opened.form.value


async def test_display_name_follows_the_platform(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python")
    talk.names["alice"] = "Alice Liddell"
    assert (await talk("bob", "/profile show member:alice")).cards[0].title == "Alice"
    await talk("alice", "/profile show")
    assert (await talk("bob", "/profile show member:alice")).cards[0].title == "Alice Liddell"


async def test_autocomplete_offers_tags_in_use_and_timezones(talk: Talk) -> None:
    await talk("alice", "/profile set skills:python,postgresql")
    await talk("bob", "/profile set interests:python")
    actor = talk.actor("carol")
    tags = await talk.core.autocomplete(actor, "profile set", "skills", "rust, p")
    assert [c.value for c in tags] == ["rust, python", "rust, postgresql"]
    assert tags[0].name == "rust, python (2)"
    zones = await talk.core.autocomplete(actor, "profile set", "timezone", "berl")
    assert [c.value for c in zones] == ["Europe/Berlin"]
    assert await talk.core.autocomplete(actor, "profile set", "bio", "x") == []
