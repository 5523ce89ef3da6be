"""Monthly partitions of the time series (audit_logs, analytics_events): the job and its guards.

The work itself is the database function run_partition_maintenance(), installed by the revisions
(004's frozen SQL beside it in ``alembic/versions/sql/``, and any later revision that replaces it),
so that cron, the CLI, a notebook and the tests run the very same code in one transaction; this
module is the thin Python side: call it and report what it did. The revisions carry their own DDL
and downgrade guards: what they install must not change when this module does.

Partitions live in the ``partitions`` schema, beside the application schema: the application
only ever names the parent, and tools that look at the application schema (alembic's model
comparison, the lint, the handbook's table list) see the designed tables, not one table per month.
Partitions detached by retention stay there as archives; they are never dropped by the job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database

SCHEMA = "partitions"


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


# One registered table's maintenance, with its policy, as run_partition_maintenance() runs it for each.
MAINTAIN_TABLE_SQL = """
SELECT pp.parent_table::text AS parent_table, m.action, m.partition_name, m.detail || format(' [%s]', pp.rule_id) AS detail
FROM partition_policies AS pp
CROSS JOIN LATERAL maintain_partitions(CAST(quote_ident(pp.parent_table) AS regclass), pp.months_ahead, pp.retention_months, false) AS m
WHERE pp.parent_table = :table
"""
POLICY_EXISTS_SQL = "SELECT EXISTS (SELECT 1 FROM partition_policies WHERE parent_table = :table)"


def maintain_table(conn: sa.Connection, table: str) -> list[Action]:
    """The maintenance of one registered table only, in the caller's transaction: for a caller
    that must not lock the other partitioned tables (the volume seed, whose other lane may be
    loading one of them). The quote-number sequences ahead are run_partition_maintenance()'s."""
    if not conn.execute(sa.text(POLICY_EXISTS_SQL), {"table": table}).scalar_one():
        raise ValueError(f"{table} has no partition policy (partition_policies): nothing maintains its partitions")
    rows = conn.execute(sa.text(MAINTAIN_TABLE_SQL), {"table": table})
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
