"""Links: only plain http(s), stored in one canonical form so the library never holds a
link twice."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.common.errors import UserError

MAX_URL_LENGTH = 2000
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|"
    r"_hsenc|_hsmi|mkt_tok|ref_src|si)$",
    re.IGNORECASE,
)
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f<>\"\\^`{|}]")
# A link in chat text, bare or as the platforms wrap it: Discord's `<url>` (no preview) and
# Slack's `<url>` or `<url|label>`.
_LINK = re.compile(r"<?(https?://[^\s<>|]+)(?:\|([^<>]*))?>?", re.IGNORECASE)
_TRAILING = ".,;:!?'\"”’»"  # punctuation after a link, not part of it
READABLE = 80  # characters of a link shown as a title
# A DNS label: letters, digits and inner hyphens (RFC 1123), after IDNA encoding.
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_url(raw: str) -> str:
    """Lowercase scheme and host, no default port, no fragment, no tracking parameters,
    sorted query, no trailing slash except the root."""
    url = raw.strip()
    if not url:
        raise UserError("Give a link, such as https://example.org/guide.")
    if len(url) > MAX_URL_LENGTH:
        raise UserError(f"That link is {len(url)} characters; at most {MAX_URL_LENGTH} fit.")
    if _UNSAFE.search(url):
        raise UserError("That link has spaces or characters links can't hold.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UserError("That doesn't look like a link.") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UserError("Only http:// and https:// links can be saved.")
    if parts.username is not None or parts.password is not None:
        raise UserError("Links with a user name or password in them can't be saved.")
    host = (parts.hostname or "").rstrip(".")
    if not host or ("." not in host and host != "localhost"):
        raise UserError("That link has no host name.")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UserError("That link's host name isn't valid.") from None
    if not _valid_host(host):
        raise UserError("That link's host name isn't valid.")
    if port == 0:
        raise UserError("That link's port isn't valid.")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    if path != "/":
        path = path.rstrip("/") or "/"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(key)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def _valid_host(host: str) -> bool:
    """An IPv4 address, or DNS labels whose last (the top-level domain) isn't a number."""
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        labels = host.split(".")
        return all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def first_link(text: str) -> tuple[str, str] | None:
    """The canonical form of the first link in chat text that can be saved, and the text
    around it (a Slack link's label kept in its place); None when there is none."""
    for found in _LINK.finditer(text):
        raw = found.group(1)
        while raw[-1] in _TRAILING or (raw[-1] == ")" and raw.count("(") < raw.count(")")):
            raw = raw[:-1]
        try:
            url = normalise_url(raw)
        except UserError:
            continue
        end = found.start(1) + len(raw) if found.end(1) == found.end() else found.end()
        return url, text[: found.start()] + (found.group(2) or "") + text[end:]
    return None


def readable(url: str) -> str:
    """A link as a title: `https://www.example.org/guide/` reads `example.org/guide`."""
    shown = url.split("://", 1)[-1].removeprefix("www.").rstrip("/")
    return shown if len(shown) <= READABLE else shown[: READABLE - 1] + "…"
