"""Replies within Discord's limits, whatever the core says: cut with an ellipsis, never refused."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import discord

from adapters.discord.components import ActionButton, FormModal
from adapters.discord.inbound import form_values
from adapters.discord.render import render
from bot.kernel.messages import (
    Attachment,
    Button,
    ButtonStyle,
    Card,
    CardField,
    Form,
    FormField,
    Reply,
)


def total(embeds: list[discord.Embed]) -> int:
    return sum(len(e) for e in embeds)


def test_short_text_is_the_content_and_cards_are_embeds() -> None:
    card = Card("#1 Title", "Body", (CardField("Tags", "python"),), "https://example.org", "saved")
    message = render(Reply("Hello", cards=(card,)))
    assert message.content == "Hello"
    [embed] = message.embeds
    assert (embed.title, embed.description, embed.url) == (
        "#1 Title",
        "Body",
        "https://example.org",
    )
    assert [(f.name, f.value) for f in embed.fields] == [("Tags", "python")]
    assert embed.footer.text == "saved"


def test_long_text_moves_into_an_embed_and_is_cut_at_4096() -> None:
    message = render(Reply("x" * 5000))
    assert message.content is None
    [embed] = message.embeds
    assert embed.description is not None and len(embed.description) == 4096
    assert embed.description.endswith("…")


def test_embeds_respect_every_limit() -> None:
    fields = tuple(CardField("n" * 300, "v" * 2000) for _ in range(30))
    cards = tuple(Card("t" * 300, "b" * 5000, fields) for _ in range(12))
    embeds = render(Reply(cards=cards)).embeds
    assert len(embeds) <= 10
    assert total(embeds) <= 6000
    for embed in embeds:
        assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
        assert len(embed.fields) <= 25
        assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in embed.fields)


def test_a_link_that_is_not_http_is_left_out() -> None:
    [embed] = render(Reply(cards=(Card("t", link="javascript:alert(1)"),))).embeds
    assert embed.url is None


def test_an_empty_reply_still_says_something() -> None:
    assert render(Reply()).content == "Done."


def test_buttons_are_persistent_five_a_row_at_most_25() -> None:
    buttons = tuple(Button(f"Button {i}" + "!" * 90, "library.upvote", str(i)) for i in range(30))
    view = render(Reply("pick", buttons=buttons)).view
    assert view is not None and view.is_persistent()
    rows = view.to_components()
    assert len(rows) == 5 and all(len(r["components"]) == 5 for r in rows)
    first = rows[0]["components"][0]
    assert first["custom_id"] == "library.upvote:0" and len(first["label"]) == 80


def test_a_repeated_custom_id_is_left_out() -> None:
    view = render(Reply(buttons=(Button("A", "x.y", "1"), Button("B", "x.y", "1")))).view
    assert view is not None and [c.custom_id for c in view.children] == ["x.y:1"]  # type: ignore[attr-defined]


def test_a_button_custom_id_parses_back_to_the_action() -> None:
    match = ActionButton.__discord_ui_compiled_template__.fullmatch("library.list:10|python|top")
    assert match is not None and (match["action"], match["value"]) == (
        "library.list",
        "10|python|top",
    )


def test_a_form_becomes_a_modal_and_its_submit_becomes_values() -> None:
    form = Form(
        "Your profile" * 5,
        "profile.save",
        "Save",
        (
            FormField("bio", "About you", "hi", multiline=True, max_length=5000),
            FormField("tz", "Timezone"),
        ),
        value="3",
    )
    modal = FormModal(form)
    payload = modal.to_dict()
    assert payload["custom_id"] == "profile.save:3" and len(payload["title"]) <= 45
    bio = payload["components"][0]["component"]
    assert (bio["custom_id"], bio["style"], bio["max_length"], bio["value"]) == (
        "bio",
        2,
        4000,
        "hi",
    )
    submitted = [
        {"type": 18, "component": {"type": 4, "custom_id": "bio", "value": "new"}},
        {"type": 1, "components": [{"type": 4, "custom_id": "tz", "value": "UTC"}]},
    ]
    assert form_values(submitted) == {"bio": "new", "tz": "UTC"}


def test_attachments_become_files() -> None:
    message = render(
        Reply("here", attachments=(Attachment("data.json", b"{}", "application/json"),))
    )
    assert [f.filename for f in message.files] == ["data.json"]


GOLDEN = Path(__file__).parent / "golden" / "render.json"


def payload(reply: Reply) -> dict[str, Any]:
    if reply.form is not None:
        return {"modal": FormModal(reply.form).to_dict()}
    message = render(reply)
    return {
        "content": message.content,
        "embeds": [e.to_dict() for e in message.embeds],
        "components": message.view.to_components() if message.view else [],
        "files": [f.filename for f in message.files],
    }


def test_rendering_is_pinned_by_a_golden_file() -> None:
    """What Discord receives for typical replies; regenerate after an intended change with
    `UPDATE_GOLDEN=1 ./dev test tests/discord/test_render.py` and review the diff."""
    resource = Card(
        "#7 Fluent Python",
        "The book on idiomatic Python.",
        (
            CardField("Tags", "python, books"),
            CardField("Votes", "3"),
            CardField("Saved by", "Alice"),
        ),
        "https://example.org/fluent",
        "saved 2026-01-05",
    )
    replies = {
        "resource": Reply(
            cards=(resource,),
            buttons=(Button("Upvote", "library.upvote", "7", ButtonStyle.PRIMARY),),
            ephemeral=True,
        ),
        "page": Reply(
            "The library, newest first (page 2):",
            buttons=(
                Button("Previous", "library.list", "0||new"),
                Button("Next", "library.list", "10||new"),
            ),
        ),
        "confirm": Reply(
            "This erases everything.",
            buttons=(
                Button("Erase my data", "privacy.erase", "4", ButtonStyle.DANGER),
                Button("Cancel", "privacy.cancel"),
            ),
        ),
        "form": Reply(
            form=Form(
                "Your profile",
                "profile.save",
                "Save profile",
                (
                    FormField(
                        "skills", "Topics you can teach", "python", placeholder="python, sql"
                    ),
                    FormField("bio", "About you", multiline=True, max_length=500),
                ),
                value="2",
            )
        ),
        "export": Reply("Here it is.", attachments=(Attachment("library.md", b"# Library\n"),)),
    }
    actual = (
        json.dumps({k: payload(r) for k, r in replies.items()}, indent=2, sort_keys=True) + "\n"
    )
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(actual)
    assert actual == GOLDEN.read_text()


def test_a_role_is_mentioned_first_and_only_it_may_ping() -> None:
    message = render(
        Reply(cards=(Card("This week's prompt", "What did you learn?"),), mention="42")
    )
    assert message.content == "<@&42>"
    allowed = message.send_kwargs()["allowed_mentions"]
    assert allowed.everyone is False and [r.id for r in allowed.roles] == [42]
    plain = render(Reply("hi", mention="S0ABC"))  # not a role id: nothing to mention
    assert plain.content == "hi" and "allowed_mentions" not in plain.send_kwargs()
