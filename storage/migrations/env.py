"""Alembic environment: copbot always hands Alembic an open connection (`storage.migrate`)."""

from alembic import context

from storage.schema import declared_here, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=declared_here,
)
with context.begin_transaction():
    context.run_migrations()
