"""copbot's web pages: the community in a browser, read through the core like any chat.

A browser signs in with a `/web` link (through the kernel's `Gate`) and then acts as that
member of that one community: each page is a command or a button run by the core, its
`Reply` rendered as HTML by autoescaping Jinja2 templates. No rule lives here."""

from adapters.web.pages import WebPages

__all__ = ["WebPages"]
