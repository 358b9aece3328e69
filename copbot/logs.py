"""A serving process's log lines, on stderr: for a terminal (rich), or one JSON object a
line for a log collector (`log_format = "json"`). Either way no secret of the config gets
into a line: the tokens, the signing secret and the database's password are masked."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from pythonjsonlogger.json import JsonFormatter

MASK = "***"
CHATTY = ("alembic", "apscheduler")  # libraries that narrate every step


class Redacted(logging.Filter):
    """Masks each secret in a record's message, once it is formatted (a token passed as an
    argument is masked too), and in its traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self._masked(record.getMessage()), None
            if record.exc_info:  # formatted here, masked, and only that one shown
                exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
                record.exc_text, record.exc_info = self._masked(exc_text), None
        return True

    def _masked(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def json_formatter() -> logging.Formatter:
    """Standard fields: time (ISO 8601, UTC), level, logger, message; exc_info when an
    exception is logged, and whatever a call passed in `extra`."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


def configure(level: str, *, json_lines: bool = False, secrets: Iterable[str] = ()) -> None:
    handler: logging.Handler
    if json_lines:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(json_formatter())
    else:
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(console=Console(stderr=True), show_path=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(Redacted(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(logging.WARNING)
