"""Typed command lines read against the catalog: the grammar of the console and of Slack's
`/cop`, so that a line means the same on both.

    /library add https://example.org/guide "A guide" python, sql note:Read this first
    /profile set py Europe/Berlin

- `name:value` gives an option by name. Other values go by type or else in order: one that
  reads as a timezone, an `@member` or a `#channel` goes to the command's option of that
  kind (and is asked about when that option is given already; a later one is kept for
  it); any other fills the next option not given yet (options marked `in_order=False`
  are given by name only).
- Quotes, straight or curly (as phones and Slack's clients type them), make several words
  one value; a quote inside a word (don't) is a letter, and a value ending in a comma goes
  on (`topics:python, sql`).
- Free text needs no quotes: a text option given by name, and the command's last text
  option given in order, take the rest of the line, up to the next option given by name
  (or a value that reads as the kind of a later option, such as a timezone after a time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from bot.common.errors import UserError
from bot.kernel.catalog import Catalog, Command, Option, OptionType

_MAX_LINE = 4000
_SPACE = re.compile(r"[ \t\r\n]+")
_WORD = re.compile(r"[^ \t\r\n]+")
# Each opening quote and the quotes that close it: straight ones, and the curly ones that
# phones and Slack's clients put in for them (English, and German „...“).
_QUOTES = {'"': '"', "'": "'", "“": "”“", "”": "”", "„": "“”", "‘": "’", "’": "’"}
_MENTION = {
    OptionType.MEMBER: re.compile(r"^@[\w.-]{1,64}$"),
    OptionType.CHANNEL: re.compile(r"^#[\w.-]{1,64}$"),
}


@dataclass(frozen=True)
class _Word:
    text: str  # the value, unquoted
    start: int
    end: int
    quoted: bool = False


def split_command_line(catalog: Catalog, line: str) -> tuple[str, dict[str, str]]:
    """The command path and its options as the line gives them, by name."""
    if len(line) > _MAX_LINE:
        raise UserError(f"That command is too long (at most {_MAX_LINE} characters).")
    text = line.strip().removeprefix("/")
    plain = [_Word(m[0], m.start(), m.end()) for m in _WORD.finditer(text)]
    named = next((i for i, w in enumerate(plain) if _name(w.text)), len(plain))
    path = [w.text for w in plain[:named]]
    command = _longest_path(catalog, path)
    if command is None:
        return " ".join(path), {}
    depth = len(command.path.split(" "))
    start = plain[depth].start if len(plain) > depth else len(text)
    return command.path, _Reader(command, text).options(start)


class _Reader:
    """One command's options, read from `text` word by word."""

    def __init__(self, command: Command, text: str) -> None:
        self.command = command
        self.text = text
        self.given: dict[str, str] = {}
        texts = [o for o in command.options if _is_free_text(o) and o.in_order]
        self.last_text = texts[-1].name if texts else None

    def options(self, start: int) -> dict[str, str]:
        at = self._skip_space(start)
        while at < len(self.text):
            word = self._plain(at)
            name = _name(word.text)
            if name is not None:
                at = self._named(name, at + len(name) + 1)
            else:
                option = self._slot(word)
                at = self._value(option, at, by_name=False)
            at = self._skip_space(at)
        return self.given

    def _named(self, name: str, at: int) -> int:
        if name in self.given:
            raise UserError(f"The option `{name}` is given twice.")
        option = next((o for o in self.command.options if o.name == name), None)
        if option is None:  # the core names the options there are
            word = self._word(at)
            self.given[name] = word.text
            return word.end
        return self._value(option, at, by_name=True)

    def _slot(self, word: _Word) -> Option:
        """The option a value without a name goes to: by its kind, or the next one free."""
        free = [o for o in self.command.options if o.name not in self.given and o.in_order]
        kind = _kind(word.text)
        if kind is not None:
            of_kind = [o for o in self.command.options if o.type is kind]
            fitting = [o for o in free if o.type is kind]
            if fitting:
                return fitting[0]
            if of_kind:
                raise UserError(
                    f"`{word.text[:60]}` looks like a {kind.value}, but `{of_kind[0].name}` is "
                    f"given already. Which option is it for? Write it as `name:{word.text[:60]}`."
                )
        claimed = {_kind(m[0]) for m in _WORD.finditer(self.text, word.end)}
        free = [o for o in free if o.type not in claimed] or free  # `#weekly` comes later
        if not free:
            raise UserError(
                f"`/{self.command.path}` got more values than it has options at "
                f"`{word.text[:40]}`: name them (`name:value`) or put quotes around text "
                "with spaces."
            )
        return free[0]

    def _value(self, option: Option, at: int, *, by_name: bool) -> int:
        """Read `option`'s value from `at`; returns where the value ends."""
        if at < len(self.text) and self.text[at] in _QUOTES:
            word = self._word(at)
            self.given[option.name] = word.text
            return word.end
        if _is_free_text(option) and (by_name or option.name == self.last_text):
            end = self._end_of_text(option, at)
            self.given[option.name] = self.text[at:end].strip()
            return end
        word = self._word(at)
        value, end = word.text, word.end
        while value.endswith(","):  # a list goes on: `python, sql`
            after = self._skip_space(end)
            if after >= len(self.text) or _name(self._plain(after).text):
                break
            more = self._word(after)
            value, end = f"{value} {more.text}", more.end
        self.given[option.name] = value
        return end

    def _end_of_text(self, option: Option, at: int) -> int:
        """Where free text from `at` stops: at the next option given by name, or at a value
        that reads as the kind of a later option that is not given yet."""
        names = {o.name for o in self.command.options}
        index = self.command.options.index(option)
        later = {o.type for o in self.command.options[index + 1 :] if o.name not in self.given}
        for match in _WORD.finditer(self.text, at):
            word = match[0]
            if _name(word) in names or (match.start() > at and _kind(word) in later):
                return match.start()
        return len(self.text)

    def _plain(self, at: int) -> _Word:
        match = _WORD.match(self.text, at)
        assert match is not None  # `at` is never on a space
        return _Word(match[0], at, match.end())

    def _word(self, at: int) -> _Word:
        """One value from `at`: a quoted one, or the word there (possibly empty)."""
        closing = _QUOTES.get(self.text[at : at + 1])
        if closing is None:
            match = _WORD.match(self.text, at)
            return _Word(match[0] if match else "", at, match.end() if match else at)
        value, i = [], at + 1
        while i < len(self.text):
            char, after = self.text[i], self.text[i + 1 : i + 2]
            if char == "\\" and after and after in closing + "\\":  # ("" is in any string)
                value.append(after)
                i += 2
                continue
            if char in closing and (i + 1 == len(self.text) or self.text[i + 1] in " \t\r\n"):
                return _Word("".join(value), at, i + 1, quoted=True)
            value.append(char)
            i += 1
        raise UserError("A quote in that command isn't closed.")

    def _skip_space(self, at: int) -> int:
        match = _SPACE.match(self.text, at)
        return match.end() if match else at


def _name(word: str) -> str | None:
    """The option a `name:value` word names; None for a plain value (a URL included)."""
    name, colon, value = word.partition(":")
    named = (
        bool(colon)
        and name.replace("-", "").isalnum()
        and name.islower()
        and not value.startswith("//")  # a bare URL is a value, not option `https`
    )
    return name if named else None


def _kind(word: str) -> OptionType | None:
    """The kind of option a value reads as, if any: a timezone, a member, a channel."""
    for kind, pattern in _MENTION.items():
        if pattern.match(word):
            return kind
    area, slash, _ = word.partition("/")
    if (slash and area.casefold() in _timezone_areas()) or word.casefold() == "utc":
        return OptionType.TIMEZONE  # misspelt too (`Europe/Berln`), to be told the right one
    return None


@cache
def _timezone_areas() -> frozenset[str]:
    """The first parts of IANA names (`europe`, `america`...): what marks a word such as
    `Europe/Berlin` as a timezone and not a tag such as `ci/cd`."""
    return frozenset(n.partition("/")[0].casefold() for n in available_timezones() if "/" in n)


def _is_free_text(option: Option) -> bool:
    return option.type is OptionType.TEXT and not option.choices


def _longest_path(catalog: Catalog, words: list[str]) -> Command | None:
    for end in range(min(len(words), 3), 0, -1):
        command = catalog.get(" ".join(words[:end]).casefold())
        if command is not None:
            return command
    return None
