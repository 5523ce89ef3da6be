"""Monthly partitions of the time series (audit_logs, analytics_events): the job and its guards.

The work itself is the database function run_partition_maintenance() (SQL in
``sql/partitions/``), so that cron, the CLI, a notebook and the tests run the very same code in one
transaction; this module is the thin Python side: call it, report what it did, and give the
revisions the DDL and downgrade guards they share.

Partitions live in the ``partitions`` schema, beside the application schema: the application
only ever names the parent, and tools that look at the application schema (alembic's model
comparison, the lint, the handbook's table list) see the designed tables, not one table per month.
Partitions detached by retention stay there as archives; they are never dropped by the job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database

SCHEMA = "partitions"


@cache
def sql(name: str) -> str:
    """A partition-maintenance SQL file by name (without .sql)."""
    return resources.files("schema").joinpath("sql", "partitions", f"{name}.sql").read_text()


@dataclass(frozen=True)
class Action:
    """One thing maintenance did (or, in a dry run, would do)."""

    parent_table: str
    action: str  # create | move | detach
    partition: str
    detail: str

    def __str__(self) -> str:
        return f"{self.parent_table}: {self.action} {self.partition} {self.detail}"


def maintain(conn: sa.Connection, dry_run: bool = False) -> list[Action]:
    """Run the maintenance of every registered table in the caller's transaction."""
    rows = conn.execute(sa.text("SELECT * FROM run_partition_maintenance(:dry_run)"), {"dry_run": dry_run})
    return [Action(r.parent_table, r.action, r.partition_name, r.detail) for r in rows]


def maintain_database(url: URL | None = None, dry_run: bool = False) -> list[Action]:
    """Maintain the resolved database (or ``url``): committed, or rolled back for a dry run."""
    eng = database.engine(url)
    try:
        database.check_server(eng)
        with eng.connect() as conn:
            with conn.begin() as trans:
                actions = maintain(conn, dry_run=dry_run)
                if dry_run:
                    trans.rollback()
            return actions
    finally:
        eng.dispose()


def archives(conn: sa.Connection, parent: str) -> list[str]:
    """Archived (detached) monthly partitions of ``parent``, oldest first."""
    query = f"SELECT c.relname {ARCHIVES_FROM} WHERE {archive_filter(parent)} ORDER BY c.relname"
    return list(conn.execute(sa.text(query)).scalars())


ARCHIVES_FROM = "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
PLAIN_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,54}$")


def archive_filter(parent: str) -> str:
    """WHERE clause (over pg_class c, pg_namespace n) matching the archives of ``parent``: tables
    of the partitions schema named <parent>_pYYYYMM that are no longer attached."""
    if not PLAIN_IDENTIFIER.match(parent):
        raise ValueError(f"{parent!r} is not a plain lower-case table name")
    prefix = f"{parent}_p"
    return (
        f"n.nspname = '{SCHEMA}' AND c.relkind = 'r' AND NOT c.relispartition "
        f"AND left(c.relname, {len(prefix)}) = '{prefix}' AND substr(c.relname, {len(prefix) + 1}) ~ '^[0-9]{{6}}$'"
    )


# --- DDL the revisions share --------------------------------------------------------------------


def create_default_partition(parent: str) -> None:
    """The DEFAULT partition that guarantees no insert is ever refused (SEC-016)."""
    from alembic import op

    op.execute(f"CREATE TABLE {SCHEMA}.{parent}_default PARTITION OF {parent} DEFAULT")
    op.execute(
        f"COMMENT ON TABLE {SCHEMA}.{parent}_default IS 'DEFAULT partition of {parent}: rows no monthly partition "
        "covers yet; maintain_partitions() moves them into the month it creates for them.'"
    )


def register_and_create(parent: str, months_ahead: int, retention_months: int, rule_id: str) -> None:
    """Register ``parent`` in partition_policies and create its partitions now (current month
    through ``months_ahead``), with the same function the scheduled job runs."""
    from alembic import op

    op.execute(
        "INSERT INTO partition_policies (parent_table, months_ahead, retention_months, rule_id) "
        f"VALUES ('{parent}', {months_ahead}, {retention_months}, '{rule_id}')"
    )
    op.execute(f"SELECT count(*) FROM maintain_partitions('{parent}'::regclass, {months_ahead}, {retention_months})")


def guard_archives(parent: str) -> None:
    """Refuse a downgrade while archived partitions of ``parent`` hold history (they would be
    dropped with the partitions schema), unless the operator allowed data loss."""
    from alembic import op

    from schema.revision_ops import data_loss_allowed

    if data_loss_allowed():
        return
    op.execute(
        f"""
DO $guard$
DECLARE
    found text;
BEGIN
    SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO found
    {ARCHIVES_FROM} WHERE {archive_filter(parent)};
    IF found IS NOT NULL THEN
        RAISE EXCEPTION 'downgrade refused: archived partitions of {parent} hold history and would be dropped: %', found
            USING HINT = 'Back them up, then run: alembic -x allow-data-loss=true downgrade <revision>',
                  ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$guard$"""
    )


def drop_archives(parent: str) -> None:
    """Drop the archived partitions of ``parent`` (reached only when guard_archives let it)."""
    from alembic import op

    op.execute(
        f"""
DO $drop$
DECLARE
    archive text;
BEGIN
    FOR archive IN
        SELECT format('%I.%I', n.nspname, c.relname) {ARCHIVES_FROM} WHERE {archive_filter(parent)}
    LOOP
        EXECUTE 'DROP TABLE ' || archive;
    END LOOP;
END
$drop$"""
    )
