"""Core replies as Block Kit, within Slack's limits: too long is cut with an ellipsis, too
many blocks end with a note of how many were left out; rendering never fails.

Buttons carry the core's `action_id:value` in their Slack `value` (Slack wants action ids
unique within a block, the core doesn't), so a press works after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from adapters.slack.state import ModalState, button_value
from bot.kernel.catalog import Command, Option, OptionType
from bot.kernel.messages import Button, ButtonStyle, Card, CardField, Form, Reply

Block = dict[str, Any]

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
CONTEXT_TEXT = 2000
BUTTON_TEXT = 75
BUTTONS_PER_BLOCK = 25
FALLBACK_TEXT = 3000
MODAL_TITLE = 24
INPUT_LABEL = 2000
INPUT_TEXT = 3000
PLACEHOLDER = 150
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS_PER_SELECT = 100
ERROR_TEXT = 2000

BUTTON_ACTION = re.compile(r"^cop:\d+$")
COMMAND_MODAL = "cop.command"  # a command's missing options
FORM_MODAL = "cop.form"  # a core `Form`
INPUT = "value"  # every input element's action id; its block id names the option or field
YES, NO = "yes", "no"

# Slack reads <...> as links and mentions (<!channel> pings everyone): user text can't
# make them; the core's own channel and user mentions stay.
_MENTION = re.compile(r"(<[#@][A-Z0-9]{2,20}>)")
_GROUP = re.compile(r"^[A-Z0-9]{2,20}$")  # a user group's id
# The core names commands `/path`; Slack has one command that carries them all. Slashes in
# links and words (`https://x/y`, `and/or`) stay.
_COMMAND = re.compile(r"(?:^|(?<=[\s`(“\"]))/(?=[a-z])")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Core text as mrkdwn: Slack's control characters escaped, commands under `/cop`."""
    parts = _MENTION.split(text)
    escaped = "".join(part if n % 2 else _escape_all(part) for n, part in enumerate(parts))
    return _COMMAND.sub("/cop ", escaped)


def _escape_all(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit) or " "}


def fallback(reply: Reply) -> str:
    """The notification and screen-reader text of a message."""
    first = reply.text or next((c.title for c in reply.cards), "") or "copbot"
    return clip(_mention(reply) + escape(first), FALLBACK_TEXT)


def blocks(reply: Reply, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    mention = _mention(reply)
    content = [_section(mention.rstrip())] if mention else []
    content += [_section(chunk) for chunk in _chunks(escape(reply.text), SECTION_TEXT)]
    for card in reply.cards:
        content += _card(card)
    actions = _actions(reply.buttons)
    room = limit - len(actions)
    if len(content) > room:
        left_out = len(content) - room + 1
        content = [*content[: room - 1], _context(f"…and {left_out} more blocks not shown.")]
    return content + actions


def _mention(reply: Reply) -> str:
    """The user group the message notifies, as Slack writes it, with a space after."""
    group = reply.mention
    return f"<!subteam^{group}> " if group and _GROUP.match(group) else ""


def _section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text, CONTEXT_TEXT)]}


def _chunks(text: str, size: int) -> Iterable[str]:
    """Whole lines up to `size` characters; a longer line is cut."""
    chunk = ""
    for line in text.splitlines():
        candidate = f"{chunk}\n{line}" if chunk else line
        if len(candidate) <= size:
            chunk = candidate
            continue
        if chunk:
            yield chunk
        chunk = clip(line, size)
    if chunk.strip():
        yield chunk


def _card(card: Card) -> list[Block]:
    title = escape(card.title)
    link = _escape_all(card.link or "").replace("|", "%7C")
    heading = f"*<{link}|{title}>*" if link else f"*{title}*"
    parts = [_section(f"{heading}\n{escape(card.body)}" if card.body else heading)]
    inline = [f for f in card.fields if f.inline]
    for start in range(0, len(inline), FIELDS_PER_SECTION):
        row = inline[start : start + FIELDS_PER_SECTION]
        parts.append({"type": "section", "fields": [mrkdwn(_field(f), FIELD_TEXT) for f in row]})
    parts += [_section(_field(f)) for f in card.fields if not f.inline]
    if card.footer:
        parts.append(_context(escape(card.footer)))
    return parts


def _field(field: CardField) -> str:
    return f"*{escape(field.name)}*\n{escape(field.value)}"


def _actions(buttons: Sequence[Button]) -> list[Block]:
    elements = [_button(n, b) for n, b in enumerate(buttons)]
    return [
        {"type": "actions", "elements": elements[start : start + BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def _button(number: int, button: Button) -> Block:
    element: Block = {
        "type": "button",
        "action_id": f"cop:{number}",
        "text": plain(button.label, BUTTON_TEXT),
        "value": button_value(button.action_id, button.value),
    }
    if button.style is not ButtonStyle.SECONDARY:
        element["style"] = button.style.value
    return element


def home(sections: Sequence[Reply]) -> dict[str, Any]:
    """App Home: each capability's section, divided, within the view's block limit."""
    shown: list[Block] = [_section("*Your community at a glance*")]
    for reply in sections:
        part = [{"type": "divider"}, *blocks(reply, VIEW_BLOCKS)]
        if len(shown) + len(part) > VIEW_BLOCKS:
            break
        shown += part
    return {"type": "home", "blocks": shown}


def form_modal(form: Form, state: ModalState) -> dict[str, Any]:
    inputs = []
    for field in form.fields:
        element: Block = {"type": "plain_text_input", "action_id": INPUT}
        element["multiline"] = field.multiline
        if field.max_length:
            element["max_length"] = min(field.max_length, INPUT_TEXT)
        if field.default:
            element["initial_value"] = clip(field.default, element.get("max_length", INPUT_TEXT))
        if field.placeholder:
            element["placeholder"] = plain(field.placeholder, PLACEHOLDER)
        inputs.append(_input(field.name, field.label, element, optional=not field.required))
    return _modal(FORM_MODAL, form.title, form.submit_label, inputs, state)


def command_modal(command: Command, given: Mapping[str, str], state: ModalState) -> dict[str, Any]:
    """A modal asking for a command's options, typed as the catalog declares them, with
    what the member already typed filled in."""
    inputs = [
        _input(o.name, o.description, _option_element(o, given.get(o.name)), not o.required)
        for o in command.options
    ]
    return _modal(COMMAND_MODAL, f"/cop {command.path}", "Run", inputs, state)


def _modal(
    callback_id: str, title: str, submit: str, inputs: list[Block], state: ModalState
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE),
        "submit": plain(submit, MODAL_TITLE),
        "close": plain("Cancel", MODAL_TITLE),
        "private_metadata": state.encode(),
        "blocks": inputs[:VIEW_BLOCKS],
    }


def _input(name: str, label: str, element: Block, optional: bool) -> Block:
    return {
        "type": "input",
        "block_id": name,
        "optional": optional,
        "label": plain(label, INPUT_LABEL),
        "element": element,
    }


def _option_element(option: Option, given: str | None) -> Block:
    if option.choices or option.type is OptionType.BOOLEAN:
        choices = option.choices or (YES, NO)
        element: Block = {
            "type": "static_select",
            "action_id": INPUT,
            "options": [_choice(c, c) for c in choices[:OPTIONS_PER_SELECT]],
        }
        chosen = next((c for c in choices if given and c.casefold() == given.casefold()), None)
        if chosen:
            element["initial_option"] = _choice(chosen, chosen)
        return element
    if option.type is OptionType.MEMBER:
        element = {"type": "users_select", "action_id": INPUT}
        if given:
            element["initial_user"] = given.removeprefix("@")
        return element
    if option.type is OptionType.CHANNEL:
        element = {
            "type": "conversations_select",
            "action_id": INPUT,
            "default_to_current_conversation": not given,
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }
        if given:
            element["initial_conversation"] = given.removeprefix("#")
        return element
    if option.autocomplete and option.type not in (OptionType.TAGS, OptionType.LANGUAGES):
        element = {"type": "external_select", "action_id": INPUT, "min_query_length": 0}
        if given:
            element["initial_option"] = _choice(given, given)
        return element
    if option.type is OptionType.INTEGER:
        element = {"type": "number_input", "action_id": INPUT, "is_decimal_allowed": False}
        for bound in ("min_value", "max_value"):
            if (limit := getattr(option, bound)) is not None:
                element[bound] = str(limit)
        if given and given.isdecimal():
            element["initial_value"] = given
        return element
    element = {
        "type": "plain_text_input",
        "action_id": INPUT,
        "multiline": option.multiline,
        "max_length": min(option.max_length, INPUT_TEXT),
    }
    if given:
        element["initial_value"] = clip(given, element["max_length"])
    return element


def _choice(label: str, value: str) -> Block:
    return {"text": plain(label, OPTION_TEXT), "value": clip(value, OPTION_VALUE)}


def choices(found: Iterable[tuple[str, str]]) -> list[Block]:
    """Options for an external select (autocomplete), as (label, value) pairs."""
    return [_choice(label, value) for label, value in found][:OPTIONS_PER_SELECT]
