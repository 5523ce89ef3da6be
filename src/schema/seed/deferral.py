"""Load like pg_restore: a table's secondary indexes and foreign keys built after its rows, not per row.

pg_restore of a dump loads each table's data first, then builds its indexes, then adds its foreign
keys (which checks every row at once). The volume generator does the same per table, inside the
transaction that loads the table, so that the database stays the judge and a crash changes nothing:

- before the first row: the table's secondary indexes (those no constraint owns and no foreign key
  leans on) and, where asked, its outgoing foreign keys are dropped, as read from the catalog
  (schema.catalog, the one reader of pg_catalog): definition and comment;
- after the last row: every index is created again from its definition (``CREATE UNIQUE INDEX``
  refuses duplicate keys by index name), then every foreign key is added again from its definition,
  which validates it over every loaded row (a row without its parent fails the seed naming the
  constraint), then the comments are put back. The objects are the ones read before, byte for
  byte (the seed's test compares the catalog and the schema dump before and after);
- all of it commits with the rows or not at all: a SIGKILL mid-load rolls back the drop too, so
  the schema is never left without an index or a key.

What is never deferred: primary keys, UNIQUE and EXCLUDE constraints (foreign keys refer to them;
they judge rows as they arrive), CHECKs and row triggers (they stay on for every row).

Index builds run with ``maintenance_work_mem`` and ``max_parallel_maintenance_workers`` sized to the
machine (``build_settings``): on 2 cores a B-tree build sorts with a second process.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import sqlalchemy as sa

from schema import catalog, machine

# Memory one index build may sort in: a sixteenth of the machine's memory (the seed runs two lanes
# and the server has shared_buffers and the other lane's build to hold too), between these bounds.
MAINTENANCE_MEMORY_MIN_MB = 64
MAINTENANCE_MEMORY_MAX_MB = 1024
MAINTENANCE_MEMORY_SHARE = 16
# A comment is put back with the server's own quoting (format %I/%L), never spliced by us.
COMMENT_SQL = "SELECT format('COMMENT ON {kind} %I IS %L', CAST(:name AS text), CAST(:comment AS text))"
# CREATE INDEX refuses a table with pending trigger events ("cannot CREATE INDEX ... because it has
# pending trigger events"): the deferred constraint triggers of the loaded rows (QUO-017's version
# chain check of every requote) judge them first, over the rows exactly as loaded, which is what
# they would judge at commit: nothing changes those rows between the rebuild and the commit.
FIRE_DEFERRED_SQL = "SET CONSTRAINTS ALL IMMEDIATE"
# How PostgreSQL gives an index's definition back (the catalog reader's source of Index.definition).
INDEX_DEFINITION_SQL = "SELECT pg_get_indexdef(CAST(CAST(:name AS text) AS regclass))"
PROBE = "deferral_probe"
PROBE_SAVEPOINT = f"SAVEPOINT {PROBE}"
CONSTRAINT_COMMENT_SQL = (
    "SELECT format('COMMENT ON CONSTRAINT %I ON %I IS %L', CAST(:name AS text), CAST(:table AS text), CAST(:comment AS text))"
)


class DeferralError(RuntimeError):
    """A deferred object could not be built over the loaded rows: the message names it and why."""


@dataclass(frozen=True)
class Deferral:
    """What one table's load drops first and builds again after its rows."""

    table: str
    indexes: tuple[catalog.Index, ...]
    foreign_keys: tuple[catalog.Constraint, ...]

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.indexes] + [c.name for c in self.foreign_keys]


def build_settings() -> dict[str, str]:
    """``SET LOCAL`` values for the index builds of a load, from this machine's memory and cores.

    The seed runs against the embedded server or a server of the developer's machine, so the
    client's machine is the server's; against a remote DATABASE_URL these are a floor, not a fit.
    """
    memory_gib = machine.memory_gib()
    if math.isnan(memory_gib):
        raise DeferralError("this machine's memory is unknown (no MemTotal in /proc/meminfo): cannot size maintenance_work_mem")
    memory_mb = int(memory_gib * 1024 / MAINTENANCE_MEMORY_SHARE)
    memory_mb = max(MAINTENANCE_MEMORY_MIN_MB, min(MAINTENANCE_MEMORY_MAX_MB, memory_mb))
    workers = max(0, (os.cpu_count() or 1) - 1)  # the leader sorts too: cores - 1 helpers
    return {"maintenance_work_mem": f"{memory_mb}MB", "max_parallel_maintenance_workers": str(workers)}


def plan(cat: catalog.Catalog, table: str, *, keep_keys_to: frozenset[str] = frozenset()) -> Deferral:
    """The secondary indexes of ``table`` and its outgoing foreign keys, but those to ``keep_keys_to``.

    An index that a foreign key refers to (a unique index on the referred columns) stays: the key
    cannot exist without it. A key to the table itself stays (its rows refer to rows of the same
    load). A key to a table of ``keep_keys_to`` stays: dropping a foreign key takes ACCESS
    EXCLUSIVE on the referred table until commit, and a load running at the same time on another
    connection whose rows check keys against that table (RI triggers lock the referred rows) would
    wait for this whole load.
    """
    t = cat.table(table)
    referred = {frozenset(c.referred_columns) for c in cat.referenced_by(table)}
    indexes = tuple(i for i in t.indexes if i.constraint_name is None and not (i.is_unique and frozenset(i.key_columns) in referred))
    keys = tuple(c for c in t.foreign_keys if c.referred_table != table and c.referred_table not in keep_keys_to)
    return Deferral(table, indexes, keys)


def drop(conn: sa.Connection, deferral: Deferral) -> Deferral:
    """Drop the deferred objects in the caller's transaction (foreign keys first, then indexes);
    returns what was dropped, which is what ``rebuild`` must build again.

    Before its table is loaded, each index is first built once from its own definition (the table
    is empty: instant) and kept in place if PostgreSQL does not give that definition back byte for
    byte (a partial index whose predicate is a varchar IN list is deparsed as a cast of an array,
    and the deparsed text parses into another tree): rebuilt from it after the load, it would differ
    from the revision's index. Such an index is maintained row by row, as before.
    """
    for key in deferral.foreign_keys:
        conn.exec_driver_sql(f'ALTER TABLE "{key.table}" DROP CONSTRAINT "{key.name}"')
    dropped = []
    for index in deferral.indexes:
        conn.exec_driver_sql(PROBE_SAVEPOINT)
        conn.exec_driver_sql(f'DROP INDEX "{index.name}"')
        conn.exec_driver_sql(_index_ddl(index).replace("%", "%%"))
        if conn.execute(sa.text(INDEX_DEFINITION_SQL), {"name": index.name}).scalar_one() != index.definition:
            conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {PROBE}")  # the revision's index, untouched
            continue
        conn.exec_driver_sql(f'DROP INDEX "{index.name}"')
        conn.exec_driver_sql(f"RELEASE SAVEPOINT {PROBE}")
        dropped.append(index)
    return Deferral(deferral.table, tuple(dropped), deferral.foreign_keys)


def _index_ddl(index: catalog.Index) -> str:
    # A partitioned parent's index reads "ON ONLY parent" in pg_get_indexdef (the form pg_dump
    # uses before attaching the partitions' indexes one by one); built over the rows of every
    # partition, it is created without ONLY, which builds and attaches each partition's index.
    return index.definition.replace(" ON ONLY ", " ON ", 1)


def _describe(exc: sa.exc.DBAPIError) -> str:
    diag = getattr(exc.orig, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(exc.orig).splitlines()[0]
    detail = getattr(diag, "message_detail", None)
    return primary + (f" ({detail})" if detail else "")


def _comment(conn: sa.Connection, query: str, params: dict[str, str]) -> None:
    statement = conn.execute(sa.text(query), params).scalar_one()
    conn.exec_driver_sql(statement.replace("%", "%%"))


def rebuild(conn: sa.Connection, deferral: Deferral) -> None:
    """Build every deferred object again over the loaded rows, in the caller's transaction.

    The deferred checks of the loaded rows first (FIRE_DEFERRED_SQL), then the indexes (the foreign
    keys' validation then reads the table once each), then the keys. A refusal raises DeferralError
    naming the table, the object and PostgreSQL's reason.
    """
    try:
        conn.exec_driver_sql(FIRE_DEFERRED_SQL)
    except sa.exc.DBAPIError as exc:
        raise DeferralError(f"{deferral.table}: a deferred check refused the loaded rows: {_describe(exc)}") from exc
    for name, value in build_settings().items():
        conn.exec_driver_sql(f"SET LOCAL {name} = '{value}'")
    for index in deferral.indexes:
        try:
            conn.exec_driver_sql(_index_ddl(index).replace("%", "%%"))
        except sa.exc.DBAPIError as exc:
            raise DeferralError(f"{deferral.table}: index {index.name} refused the loaded rows: {_describe(exc)}") from exc
        if index.comment is not None:
            _comment(conn, COMMENT_SQL.format(kind="INDEX"), {"name": index.name, "comment": index.comment})
    for key in deferral.foreign_keys:
        try:
            conn.exec_driver_sql(f'ALTER TABLE "{key.table}" ADD CONSTRAINT "{key.name}" {key.definition}'.replace("%", "%%"))
        except sa.exc.DBAPIError as exc:
            raise DeferralError(f"{deferral.table}: foreign key {key.name} refused the loaded rows: {_describe(exc)}") from exc
        if key.comment is not None:
            _comment(conn, CONSTRAINT_COMMENT_SQL, {"name": key.name, "table": key.table, "comment": key.comment})
