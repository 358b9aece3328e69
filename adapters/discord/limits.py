"""Discord's limits on what a message, an embed, a component and a modal may hold, and the
one way copbot keeps within them: cut with an ellipsis, never fail."""

from __future__ import annotations

CONTENT = 2000
EMBEDS = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBEDS_TOTAL = 6000
BUTTONS_PER_ROW = 5
ROWS = 5
BUTTON_LABEL = 80
MODAL_TITLE = 45
MODAL_INPUTS = 5
INPUT_LABEL = 45
INPUT_PLACEHOLDER = 100
INPUT_VALUE = 4000
CHOICE = 100  # an autocomplete choice's name and value
STRING_OPTION = 6000  # the longest string option
THREAD_NAME = 100
NONCE = 25  # a message nonce


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
