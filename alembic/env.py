"""Alembic environment: one database resolution, one lock, one transaction per migration.

- The URL comes from schema.database (DATABASE_URL, else the embedded server); pytest-alembic
  hands us its own connection through ``config.attributes["connection"]``.
- A session advisory lock serializes concurrent ``alembic upgrade head`` runs: the second waits,
  then finds the database at head and does nothing.
- lock_timeout and statement_timeout bound how long a migration may block production traffic;
  ``-x lock-timeout=...`` / ``-x statement-timeout=...`` override them.
- Offline mode (``alembic upgrade --sql``) renders the SQL that Squawk lints.
- SEC-043: online, each revision's transaction starts with ``SET LOCAL app.migration_revision =
  '<rev>'``, so the DDL audit trail (revision 011, ddl_audit_log) tells a reviewed migration from a
  change made by hand. Offline scripts do not carry it (their SQL is checksummed per released
  revision in alembic/released.toml): DDL applied from a rendered script is recorded without a
  revision.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, RevisionStep
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


# SEC-043: the custom setting the DDL audit's event trigger reads (revision 011).
MIGRATION_REVISION_SETTING = "app.migration_revision"
MARK_REVISION_SQL = "SELECT set_config(%(setting)s, %(revision)s, true)"


def _marked(step: RevisionStep, connection: Connection) -> Callable[..., Any]:
    """The step's upgrade/downgrade, preceded by ``SET LOCAL app.migration_revision`` in the
    revision's own transaction (transaction_per_migration), so every DDL statement it runs is
    recorded as that revision's."""
    run = step.migration_fn
    revision = step.revision.revision

    @functools.wraps(run)
    def marked(**kw: Any) -> Any:
        connection.exec_driver_sql(MARK_REVISION_SQL, {"setting": MIGRATION_REVISION_SETTING, "revision": revision})
        return run(**kw)

    return marked


def _mark_revisions(migration_context: MigrationContext, connection: Connection) -> None:
    """Wrap the plan alembic's command handed to the context so each revision step is marked.

    Alembic has no hook before a revision runs (on_version_apply comes after); the plan function
    is the one place that sees every step first. ``_migrations_fn`` is alembic's attribute for it
    (alembic 1.x); tests/test_ddl_audit.py fails if a release moves it.
    """
    plan = migration_context._migrations_fn
    if plan is None:
        return

    def marking_plan(heads: Any, ctx: MigrationContext) -> Iterator[Any]:
        for step in plan(heads, ctx):
            if isinstance(step, RevisionStep):
                step.migration_fn = _marked(step, connection)
            yield step

    migration_context._migrations_fn = marking_plan


def _configure(connection: Connection | None = None, **kwargs: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        transaction_per_migration=True,
        **kwargs,
    )
    if connection is not None:
        _mark_revisions(context.get_context(), connection)


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
