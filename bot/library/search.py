"""Search words: the one tokenizer for indexing and for queries, on every engine.

Both SQLite FTS5 and PostgreSQL index text this module already split into plain words,
and queries are built only from such words: so both engines match the same resources,
and nothing a member types is ever read as query syntax.
"""

from __future__ import annotations

import re
import unicodedata

from bot.common.errors import UserError

MAX_WORD = 40
MAX_QUERY_WORDS = 8
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lowercase words without accents: `Ünïcode-Ready C++` -> [`unicode`, `ready`, `c`]."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return [w[:MAX_WORD] for w in _WORD.findall(plain)]


def search_text(text: str) -> str:
    return " ".join(words(text))


def query_words(query: str) -> list[str]:
    """Distinct words of a member's query, in order; refuses a query with none."""
    found = list(dict.fromkeys(words(query)))
    if not found:
        raise UserError("Search for at least one word or number.")
    if len(found) > MAX_QUERY_WORDS:
        raise UserError(f"Search for at most {MAX_QUERY_WORDS} words at a time.")
    return found
