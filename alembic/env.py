"""Alembic environment: one database resolution, one lock, one transaction per migration.

- The URL comes from schema.database (DATABASE_URL, else the embedded server); pytest-alembic
  hands us its own connection through ``config.attributes["connection"]``.
- A session advisory lock serializes concurrent ``alembic upgrade head`` runs: the second waits,
  then finds the database at head and does nothing.
- lock_timeout and statement_timeout bound how long a migration may block production traffic;
  ``-x lock-timeout=...`` / ``-x statement-timeout=...`` override them.
- Offline mode (``alembic upgrade --sql``) renders the SQL that Squawk lints.
"""

from __future__ import annotations

import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from schema import database
from schema.models import metadata

config = context.config
if config.config_file_name is not None and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = metadata

# Any 64-bit key unique to this project: hash of the string 'insurance-schema-workbench'.
MIGRATION_LOCK_KEY = 7_281_349_102_554_871_133

x_args = context.get_x_argument(as_dictionary=True)
LOCK_TIMEOUT = x_args.get("lock-timeout", "5s")
STATEMENT_TIMEOUT = x_args.get("statement-timeout", "15min")


def _configure(connection: Connection | None = None, **kwargs: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        transaction_per_migration=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Render SQL without a server (for review and for Squawk)."""
    url = config.get_main_option("sqlalchemy.url") or "postgresql+psycopg://offline/render"
    _configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    # The same session limits the online path sets, so a reviewed script runs as safely (and
    # Squawk sees them).
    context.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    context.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
    with context.begin_transaction():
        context.run_migrations()


def _run_locked(connection: Connection) -> None:
    if connection.in_transaction():
        # The caller owns the transaction (pytest-alembic's rollback-based checks): lock and time
        # out within it, commit nothing; alembic sees the external transaction and follows it.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    # Session-level advisory lock, taken before any timeout is set: waiting for another
    # migrator is expected and must not be cut short by lock_timeout.
    connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
    try:
        connection.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        connection.exec_driver_sql(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
        connection.commit()
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.exec_driver_sql("RESET lock_timeout")
        connection.exec_driver_sql("RESET statement_timeout")
        connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
        connection.commit()


def run_migrations_online() -> None:
    supplied = config.attributes.get("connection")
    if isinstance(supplied, Connection):  # schema.migrations hands over a live connection
        _run_locked(supplied)
        return
    if supplied is not None:  # pytest-alembic: an engine, or a connection wrapped as one
        with supplied.connect() as connection:
            _run_locked(connection)
        return
    try:
        engine = database.engine()
        database.check_server(engine)
    except database.DatabaseError as exc:
        sys.exit(f"alembic: {exc}")
    try:
        with engine.connect() as connection:
            _run_locked(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
