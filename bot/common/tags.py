"""Tags: one spelling per topic so that `Py`, `python ` and `#Python` all mean `python`."""

from __future__ import annotations

import re
import unicodedata

from bot.common.errors import UserError

MAX_TAG_LENGTH = 40

# Common short forms; the canonical tag is what profiles, matching and search store.
ALIASES: dict[str, str] = {
    "py": "python",
    "python3": "python",
    "js": "javascript",
    "ecmascript": "javascript",
    "ts": "typescript",
    "golang": "go",
    "k8s": "kubernetes",
    "postgres": "postgresql",
    "pg": "postgresql",
    "ml": "machine-learning",
    "ai": "artificial-intelligence",
    "ux": "user-experience",
    "ui": "user-interface",
    "db": "databases",
    "devops": "dev-ops",
    "cpp": "c++",
    "csharp": "c#",
    "rb": "ruby",
    "rs": "rust",
    "node": "node.js",
    "nodejs": "node.js",
    "react.js": "react",
    "reactjs": "react",
}

LANGUAGE_ALIASES: dict[str, str] = {
    "en": "english",
    "de": "german",
    "deutsch": "german",
    "fr": "french",
    "français": "french",
    "es": "spanish",
    "español": "spanish",
    "pt": "portuguese",
    "it": "italian",
    "nl": "dutch",
    "pl": "polish",
    "ja": "japanese",
    "zh": "chinese",
    "hi": "hindi",
    "ar": "arabic",
    "ru": "russian",
    "uk": "ukrainian",
    "tr": "turkish",
    "sv": "swedish",
}

_ALLOWED = re.compile(r"^[\w+#.&/-]+$")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_SEPARATORS = re.compile(r"[,;\n]")


def normalise_tag(raw: str, aliases: dict[str, str] = ALIASES) -> str:
    """Lowercase, NFKC, `#` dropped, inner spaces as `-`, then aliases applied."""
    tag = unicodedata.normalize("NFKC", raw).strip().lstrip("#").strip().casefold()
    tag = re.sub(r"[\s_]+", "-", tag)
    if not tag:
        raise UserError("a tag can't be empty.")
    if len(tag) > MAX_TAG_LENGTH:
        raise UserError(f"the tag `{tag[:20]}…` is too long (at most {MAX_TAG_LENGTH} characters).")
    if not _ALLOWED.match(tag):
        raise UserError(
            f"the tag `{tag}` has characters tags can't hold; use letters, digits and + # . & / -."
        )
    if not _LETTER_OR_DIGIT.search(tag):  # search finds tags by their letters and digits
        raise UserError(f"the tag `{tag}` needs a letter or digit, such as `c++` or `c#`.")
    return aliases.get(tag, tag)


def parse_tags(raw: str, *, max_items: int, aliases: dict[str, str] = ALIASES) -> tuple[str, ...]:
    """Split a comma-separated list into distinct normalised tags, in the order given."""
    tags: list[str] = []
    for part in _SEPARATORS.split(raw):
        if part.strip():
            tag = normalise_tag(part, aliases)
            if tag not in tags:
                tags.append(tag)
    if len(tags) > max_items:
        raise UserError(f"that's {len(tags)} tags; at most {max_items} fit here.")
    return tuple(tags)
