"""A `Reply` as plain lines: how the console (and golden tests) show what copbot says."""

from __future__ import annotations

import re

from bot.kernel.messages import Attachment, Card, Form, Reply

_TEXT_TYPES = ("application/json", "text/")
# Control characters (a terminal runs escape codes: colours, cursor moves, a new title),
# the bidirectional overrides that reorder what a line shows, and lone surrogates, which
# can't be written out at all; a tab is harmless.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(line: str) -> str:
    """`line` as the terminal should show it: what it would run or hide, escaped
    (`\\x1b[31m` is shown as those characters)."""
    return _UNPRINTABLE.sub(lambda m: m[0].encode("unicode_escape").decode(), line)


def render(reply: Reply) -> list[str]:
    lines = reply.text.splitlines()
    for card in reply.cards:
        lines += _card(card)
    if reply.buttons:
        lines.append(" ".join(f"[{b.label}]" for b in reply.buttons))
    if reply.form is not None:
        lines += _form(reply.form)
    for attachment in reply.attachments:
        lines += _attachment(attachment)
    return lines or ["(empty reply)"]


def _card(card: Card) -> list[str]:
    lines = [f"┌ {card.title}"]
    lines += [f"│ {line}" for line in card.body.splitlines()]
    lines += [f"│ {field.name}: {field.value}" for field in card.fields]
    if card.link:
        lines.append(f"│ {card.link}")
    lines.append(f"└ {card.footer}" if card.footer else "└")
    return lines


def _form(form: Form) -> list[str]:
    lines = [f"form “{form.title}”: change what you like, then press [{form.submit_label}]"]
    for field in form.fields:
        need = " (required)" if field.required else ""
        lines.append(f"  {field.name}{need} — {field.label}: {field.default or '…'}")
    return lines


def _attachment(attachment: Attachment) -> list[str]:
    lines = [f"📎 {attachment.filename} ({len(attachment.content)} bytes)"]
    if attachment.media_type.startswith(_TEXT_TYPES):
        lines += [f"  {line}" for line in attachment.content.decode().splitlines()]
    return lines
