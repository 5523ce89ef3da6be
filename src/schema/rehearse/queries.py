"""The catalog queries of a rehearsal, as named constants (psycopg ``%(name)s`` parameters).

Relations are named by their designed object: a partition by its partitioned table, a
partition's index by its table's root, so a lock on audit_logs_p202611 is reported on audit_logs.
"""

from __future__ import annotations

# A relation -> (its name, kind, the designed table it belongs to). For an index: its table's root.
_ROOT = """
    CASE WHEN c.relkind IN ('i', 'I')
         THEN (SELECT coalesce(pg_partition_root(x.indrelid), x.indrelid)::regclass::text
               FROM pg_index x WHERE x.indexrelid = c.oid)
         ELSE coalesce(pg_partition_root(c.oid), c.oid)::regclass::text END
"""

# The migrating session's own relation locks (run on its own connection: exact, in its transaction).
OWN_LOCKS = f"""
SELECT c.oid, c.relname, c.relkind, {_ROOT} AS root, l.mode
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid() AND l.granted AND n.nspname = %(schema)s
"""

# Storage of every table and index: a changed relfilenode is a rewrite (or an index rebuild).
# Only (oid, relfilenode): naming hundreds of partitions on every statement would cost more than
# the statement; the few that changed are named afterwards (DESCRIBE).
RELFILENODES = """
SELECT c.oid, c.relfilenode
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'i', 'm') AND c.relfilenode <> 0
"""

DESCRIBE = f"""
SELECT c.oid, c.relname, c.relkind, {_ROOT} AS root
FROM pg_class c WHERE c.oid = ANY(%(oids)s)
"""

# Rows this session has read and written, per table (the pg_stat_get_xact_* counters), partitions
# summed into their root. Every table of the schema, not only the ones this session holds locks
# on: since PostgreSQL 15 these counters are the backend's pending statistics, which can still
# carry counts of earlier transactions; a table that entered the snapshot only after a statement
# took its lock would be charged with all of those.
# Read = the table's own heap reads (sequential and bitmap) plus the entries its indexes returned
# (their root's, for a partition's index). An index-only scan of an all-visible table fetches no
# heap tuple: validating a foreign key over an indexed column reads the whole index and no row,
# and counted on the heap alone that scan, which grows with the table, would look like catalog
# work (whether it happens depends on when autovacuum last set the visibility map). An index scan's
# heap fetches are counted on the index (idx_tup_fetch), never more than the entries it returned,
# so the entries alone count each visit once. Tables untouched since the counters were last flushed
# are left out (the probe reads a missing table as nothing read): naming only the touched ones keeps
# the snapshot, which runs inside the migration's transaction, as cheap as it was.
XACT_TUPLES = """
SELECT coalesce(pg_partition_root(s.tab), s.tab)::regclass::text AS root, sum(s.read)::bigint AS read,
       sum(s.written)::bigint AS written
FROM (SELECT coalesce(x.indrelid, c.oid) AS tab,
             CASE WHEN c.relkind = 'i' THEN pg_stat_get_xact_tuples_returned(c.oid)
                  ELSE pg_stat_get_xact_tuples_returned(c.oid) + pg_stat_get_xact_tuples_fetched(c.oid) END AS read,
             CASE WHEN c.relkind = 'i' THEN 0
                  ELSE pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)
                       + pg_stat_get_xact_tuples_deleted(c.oid) END AS written
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_index x ON x.indexrelid = c.oid
      WHERE n.nspname IN (%(schema)s, 'partitions') AND c.relkind IN ('r', 'm', 'i')) s
WHERE s.read > 0 OR s.written > 0
GROUP BY 1
"""

# The three above in one round trip (the probe runs inside the migration's transaction, so every
# millisecond it takes is a millisecond longer that the migration holds its locks).
SNAPSHOT = f"""
SELECT (SELECT coalesce(json_agg(json_build_array(relname, mode, relkind, root)), '[]') FROM ({OWN_LOCKS}) l),
       (SELECT coalesce(json_agg(json_build_array(oid, relfilenode)), '[]') FROM ({RELFILENODES}) r),
       (SELECT coalesce(json_agg(json_build_array(root, read, written)), '[]') FROM ({XACT_TUPLES}) t)
"""

# From the sampling session: the migrating backend's relation locks, and what it is doing.
SAMPLE_MIGRATOR = f"""
SELECT c.relname, c.relkind, {_ROOT} AS root, l.mode, l.granted
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.locktype = 'relation' AND l.pid = %(pid)s AND n.nspname = %(schema)s
"""

# From the sampling session: every backend of this database waiting for a lock, who blocks it,
# on which relation, and for how long so far (server clock: no clock skew with the client).
SAMPLE_WAITERS = f"""
SELECT a.pid, pg_blocking_pids(a.pid) AS blockers, left(a.query, 200) AS query,
       extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS waited_s,
       extract(epoch FROM a.query_start)::float8 AS query_started,
       c.relname, {_ROOT} AS root, l.mode
FROM pg_stat_activity a
JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted AND l.locktype = 'relation'
LEFT JOIN pg_class c ON c.oid = l.relation
WHERE a.wait_event_type = 'Lock' AND a.datname = current_database() AND a.pid <> pg_backend_pid()
"""

TABLE_WRITTEN_FKS = """
SELECT DISTINCT confrelid::regclass::text AS parent
FROM pg_constraint
WHERE contype = 'f' AND conrelid::regclass::text = ANY(%(tables)s)
"""
