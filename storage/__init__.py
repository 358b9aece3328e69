"""Persistence: the core's `Store` port on SQLite (default) or PostgreSQL."""

from storage.store import SqlStore, open_store

__all__ = ["SqlStore", "open_store"]
