"""Option values, checked once in the core whatever platform they came from."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.common.cadence import MAX_EVERY, WEEKDAYS, WEEKS_OF_MONTH, Cadence
from bot.common.errors import UserError
from bot.common.numbers import MAX_ID, whole_number
from bot.common.tags import LANGUAGE_ALIASES, parse_tags
from bot.common.timezones import canonical_timezone
from bot.kernel.catalog import Command, Option, OptionType

# Unicode's controls (Cc), format characters (Cf: zero-width and direction marks, word
# joiner, soft hyphen, byte order mark...), line and paragraph separators (Zl, Zp) and lone
# surrogates (Cs): invisible or broken, never meaningful in a command. By category, so no
# invisible character slips through a list. The two joiners are kept: they shape what is
# seen (Persian and Indic words, emoji such as 👩‍💻).
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_JOINERS = "\u200c\u200d"
_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}
_ID = re.compile(r"^[\w.-]{1,64}$")
# A role or user group: its id (2-20 capital letters or digits), or its mention as the
# platform puts it in a typed option (Discord `<@&id>`, Slack `<!subteam^id|@name>`).
_GROUP = re.compile(
    r"^(?:<@&([0-9]{2,20})>|<!subteam\^([A-Z0-9]{2,20})(?:\|[^<>]*)?>|@?([A-Z0-9]{2,20}))$"
)


def id_option(name: str, description: str, *, autocomplete: str | None = None) -> Option:
    """A required record number (a prompt, a resource, a match...), within what the
    database's integer columns hold."""
    return Option(
        name,
        description,
        OptionType.INTEGER,
        required=True,
        min_value=1,
        max_value=MAX_ID,
        autocomplete=autocomplete,
    )


# A time every week, as `/prompt schedule` and `/mentor round schedule` take it.
WEEKLY = (
    Option("day", "Day of the week", required=True, choices=WEEKDAYS),
    Option("time", "Local time, 24-hour HH:MM", required=True, max_length=5),
    Option(
        "timezone",
        "The schedule's IANA timezone",
        OptionType.TIMEZONE,
        required=True,
        autocomplete="timezones",
        max_length=64,
    ),
)


# Beyond every week, as `/prompt schedule` also takes it.
EVERY_FEW_WEEKS = (
    Option(
        "every",
        "Every how many weeks (1 is weekly)",
        OptionType.INTEGER,
        min_value=1,
        max_value=MAX_EVERY,
    ),
    Option(
        "week",
        "Monthly instead: that day's first, second ... or last of the month",
        choices=tuple(WEEKS_OF_MONTH),
    ),
)


def cadence(options: Mapping[str, Any], now: datetime) -> Cadence:
    """The cadence the `WEEKLY` options give (with `EVERY_FEW_WEEKS`, where a command has
    them), counted from `now`."""
    raw = options["time"]
    hour, colon, minute = raw.strip().partition(":")
    hours, minutes = whole_number(hour, 23), whole_number(minute, 59)
    if not colon or len(minute) != 2 or hours is None or minutes is None:
        raise UserError(f"`{raw[:10]}` isn't a time: use 24-hour HH:MM, such as 09:00.")
    every, week = options.get("every", 1), options.get("week")
    if week is not None and every > 1:
        raise UserError("Give `every` (weeks) or `week` (of the month), not both.")
    weekly = Cadence(
        WEEKDAYS.index(options["day"]),
        hours,
        minutes,
        options["timezone"],
        week_of_month=WEEKS_OF_MONTH[week] if week else None,
    )
    return weekly.every_few_weeks(every, now)


def parse_options(command: Command, raw: Mapping[str, Any]) -> dict[str, Any]:
    return parse_fields(command.path, command.options, raw)


def parse_fields(path: str, options: Sequence[Option], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values for the options given; absent optional options are left out, blank
    ones clear the value."""
    names = {o.name for o in options}
    unknown = sorted(set(raw) - names)
    if unknown:
        known = ", ".join(f"`{n}`" for n in sorted(names)) or "none"
        raise UserError(f"`/{path}` has no option `{unknown[0]}`. Its options: {known}.")
    values: dict[str, Any] = {}
    for option in options:
        value = raw.get(option.name)
        if value is None or (option.required and str(value).strip() == ""):
            if option.required:
                raise UserError(f"`/{path}` needs `{option.name}`: {option.description}")
            continue
        try:
            values[option.name] = parse_value(option, value)
        except UserError as error:
            raise UserError(f"`{option.name}`: {error.message}") from None
    return values


def parse_value(option: Option, value: Any) -> Any:
    if option.type is OptionType.INTEGER:
        return _integer(option, value)
    if option.type is OptionType.BOOLEAN:
        return _boolean(value)
    text = _text(option, value)
    match option.type:
        case OptionType.TAGS:
            return parse_tags(text, max_items=option.max_items)
        case OptionType.LANGUAGES:
            return parse_tags(text, max_items=option.max_items, aliases=LANGUAGE_ALIASES)
        case OptionType.TIMEZONE:
            return canonical_timezone(text) if text else None
        case OptionType.GROUP:
            found = _GROUP.match(text)
            if found is None:
                raise UserError(
                    f"`{text[:40]}` isn't a role or user group: pick it from the list as you "
                    "type @, or give its id."
                )
            return next(part for part in found.groups() if part)
        case OptionType.MEMBER | OptionType.CHANNEL:
            ident = text.removeprefix("@" if option.type is OptionType.MEMBER else "#")
            if not _ID.match(ident):
                raise UserError(f"`{text[:40]}` doesn't look like a {option.type.value}.")
            return ident
    if option.choices:
        return _choice(option, text)
    return text


def _text(option: Option, value: Any) -> str:
    text = str(value)
    allowed = _JOINERS + ("\t\n" if option.multiline else "\t")
    if any(c not in allowed and unicodedata.category(c) in _INVISIBLE for c in text):
        breaks = "" if option.multiline else " and line breaks"
        raise UserError(f"control characters, invisible characters{breaks} aren't allowed here.")
    text = text.strip()
    if len(text) > option.max_length:
        raise UserError(f"that's {len(text)} characters; at most {option.max_length} fit.")
    return text


def _integer(option: Option, value: Any) -> int:
    if isinstance(value, bool):
        raise UserError("expected a whole number.")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UserError(f"`{str(value)[:20]}` isn't a whole number.") from None
    if option.min_value is not None and number < option.min_value:
        raise UserError(f"must be at least {option.min_value}.")
    if option.max_value is not None and number > option.max_value:
        raise UserError(f"must be at most {option.max_value}.")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().casefold()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise UserError("answer yes or no.")


def _choice(option: Option, text: str) -> str:
    for choice in option.choices:
        if choice.casefold() == text.casefold():
            return choice
    raise UserError(f"choose one of {', '.join(f'`{c}`' for c in option.choices)}.")
