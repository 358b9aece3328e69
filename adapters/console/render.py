"""A `Reply` as plain lines: how the console (and golden tests) show what copbot says."""

from __future__ import annotations

from bot.kernel.messages import Attachment, Card, Form, Reply

_TEXT_TYPES = ("application/json", "text/")


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
