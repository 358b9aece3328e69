"""Persistence: the core's `Store` port on SQLite (default) or PostgreSQL (`storage.store`).

Nothing is imported here, so that `storage.check` loads without SQLAlchemy."""
