"""Block Kit rendering within Slack's limits, checked by the same rules the fake applies."""

from __future__ import annotations

from adapters.slack import render
from adapters.slack.inbound import submitted
from adapters.slack.state import ModalState, button_target
from bot.app import build_catalog
from bot.kernel.messages import Button, ButtonStyle, Card, CardField, Form, FormField, Reply
from tests.slack.fake_slack import MESSAGE_BLOCKS, VIEW_BLOCKS, block_problems


def test_a_card_renders_as_sections_fields_and_a_context() -> None:
    card = Card(
        "#3 Rust book",
        "Worth it",
        (CardField("Tags", "rust"), CardField("Note", "long", inline=False)),
        link="https://doc.rust-lang.org/book/?a=1&b=2",
        footer="saved 2026-01-05",
    )
    blocks = render.blocks(Reply("Saved.", cards=(card,)))
    assert blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Saved."}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*<https://doc.rust-lang.org/book/?a=1&amp;b=2|#3 Rust book>*\nWorth it",
            },
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Tags*\nrust"}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Note*\nlong"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "saved 2026-01-05"}]},
    ]


def test_buttons_carry_the_core_action_and_stay_unique_in_their_block() -> None:
    buttons = tuple(Button(f"Approve #{n}", "prompt.approve", str(n)) for n in range(30))
    blocks = render.blocks(
        Reply("Waiting:", buttons=(*buttons, Button("x" * 90, "a", style=ButtonStyle.DANGER)))
    )
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 6]
    first = actions[0]["elements"][0]
    assert button_target(first["value"]) == ("prompt.approve", "0")
    last = actions[1]["elements"][-1]
    assert len(last["text"]["text"]) == 75 and last["style"] == "danger"
    assert block_problems(blocks, MESSAGE_BLOCKS) == []


def test_long_replies_are_cut_never_refused() -> None:
    text = "\n".join(f"line {n} " + "x" * 90 for n in range(200)) + "\n" + "y" * 5000
    cards = tuple(
        Card(f"Card {n}", "z" * 4000, (CardField("f", "v" * 3000),) * 12) for n in range(40)
    )
    blocks = render.blocks(
        Reply(text, cards=cards, buttons=(Button("Next", "library.list", "5|x"),))
    )
    assert len(blocks) == MESSAGE_BLOCKS
    assert blocks[-1]["type"] == "actions"  # the buttons survive the cut
    assert blocks[-2]["elements"][0]["text"].endswith("more blocks not shown.")
    assert block_problems(blocks, MESSAGE_BLOCKS) == []
    home = render.home([Reply(text, cards=cards)] * 3)
    assert block_problems(home["blocks"], VIEW_BLOCKS) == []


def test_member_text_cannot_ping_or_spoof_links_but_core_mentions_stay() -> None:
    shown = render.escape("<!channel> see <http://evil|good> in <#C0GENERAL> for <@U0BOB> & co")
    assert shown == (
        "&lt;!channel&gt; see &lt;http://evil|good&gt; in <#C0GENERAL> for <@U0BOB> &amp; co"
    )
    assert render.escape("Try `/profile set` or https://a.b/c and/or") == (
        "Try `/cop profile set` or https://a.b/c and/or"
    )


def test_every_command_modal_fits_slack() -> None:
    state = ModalState("x", "C1", "https://hooks.slack.com/" + "r" * 200)
    for command in build_catalog():
        modal = render.command_modal(command, {}, state)
        assert len(modal["title"]["text"]) <= 24
        assert block_problems(modal["blocks"], VIEW_BLOCKS) == [], command.path
        assert ModalState.decode(modal["private_metadata"]) == state


def test_a_form_modal_prefills_and_reads_back() -> None:
    form = Form(
        "A very long form title beyond Slack's limit",
        "profile.save",
        "Save",
        (
            FormField("bio", "About you", "Hi", multiline=True, max_length=280),
            FormField("tz", "Zone"),
        ),
        value="4",
    )
    modal = render.form_modal(form, ModalState("profile.save", "C1", None, "4"))
    assert modal["title"]["text"] == "A very long form title …"
    bio = modal["blocks"][0]
    assert bio["element"] == {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": 280,
        "initial_value": "Hi",
    }
    state = {
        "values": {
            "bio": {"value": {"type": "plain_text_input", "value": "Hello"}},
            "tz": {"value": {"type": "plain_text_input", "value": None}},
        }
    }
    assert submitted({"state": state}) == {"bio": "Hello", "tz": None}


def test_a_user_group_is_mentioned_first_and_in_the_notification() -> None:
    reply = Reply(cards=(Card("This week's prompt", "What did you learn?"),), mention="S0ABC")
    assert render.blocks(reply)[0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "<!subteam^S0ABC>"},
    }
    assert render.fallback(reply) == "<!subteam^S0ABC> This week's prompt"
    unsafe = Reply("hi", mention="<!channel>")  # never from the core; rendered as nothing
    assert render.fallback(unsafe) == "hi" and len(render.blocks(unsafe)) == 1
