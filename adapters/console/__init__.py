"""The console adapter: copbot in a terminal, no tokens needed."""

from adapters.console.session import ConsoleSession

__all__ = ["ConsoleSession"]
