"""The audit-trail guard reads the trail's partitions without locking them.

Business purpose: SEC-024's event trigger ``evt_audit_trail_ddl_guard`` (revision 010) runs
``audit_trail_protection_problems()`` after every ALTER TABLE, CREATE TABLE, CREATE TRIGGER and
ALTER TRIGGER on the application or partitions schema, whatever table the command touched. The
function found the trail's partitions with ``pg_partition_tree()``, which opens every partition of
audit_logs and admin_activity_logs in ACCESS SHARE mode and keeps the locks until commit. So DDL on
any application table:

- waited for every transaction holding a stronger lock on any audit partition (an index build, a
  REINDEX, partition maintenance moving DEFAULT's rows, the volume seed's load of audit_logs),
  although it has nothing to do with the trail; measured at medium scale: deferring
  analytics_events' foreign keys to quotes and policies made its load wait for the whole audit_logs
  load of the other lane, 132 s instead of 78 s;
- and then held ACCESS SHARE on every audit partition until its own commit, so partition
  maintenance (ACCESS EXCLUSIVE to detach or attach) queued behind an unrelated migration, and
  every audit insert behind the maintenance.

What changes: only the body of ``audit_trail_protection_problems()``. The partitions below each
trail parent are read from ``pg_inherits`` by a recursive query (the catalog, like every other
read of this function: pg_class, pg_trigger), not by ``pg_partition_tree()``; the members are the
same: each parent, every partition below it that is not itself partitioned (pg_partition_tree's
``isleaf``), every archive. Every message, the order and the rows are 010's.

Why reading the catalog without the partitions' locks is still sound: the function judges the
catalog as the DDL's transaction sees it, after the command. A command that could remove a
protection (DROP or ALTER TRIGGER on a partition, DETACH, a partition CREATEd without its triggers)
fires the guard in its own transaction and is judged there; the locks of 010 protected nothing
that command does not lock itself.

Existing rows: none is read or changed, no rule is added or widened: no preflight.

Lock safety: ``CREATE OR REPLACE FUNCTION`` takes no table lock and rewrites nothing; the next
event trigger call uses the new body. It names the function's attributes again (LANGUAGE sql STABLE,
SET search_path; CREATE OR REPLACE resets what it does not name); comment, owner and grants stay.

Self-contained: imports only the standard library and alembic; both bodies are constants below
(CONTRIBUTING.md). Downgrade restores 010's body exactly.

Revision ID: 016
Revises: 015
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "016"
down_revision: str | None = "015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "audit_trail_protection_problems()"
# The function's attributes, as revision 010 created it: CREATE OR REPLACE must name them again.
ATTRIBUTES = "RETURNS SETOF text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp"

BODY_010 = r"""
WITH guards (family, trigger_name, function_name) AS (VALUES ('audit_logs', 'trg_audit_logs_append_only', 'forbid_audit_mutation'), ('audit_logs', 'trg_audit_logs_no_truncate', 'forbid_audit_mutation'), ('audit_logs', 'trg_audit_logs_acting_identity', 'require_acting_identity'), ('admin_activity_logs', 'trg_admin_activity_logs_append_only', 'forbid_admin_activity_log_change'), ('admin_activity_logs', 'trg_admin_activity_logs_acting_identity', 'require_acting_identity'), ('partition_archive_ledger', 'trg_partition_archive_ledger_append_only', 'forbid_audit_mutation'), ('partition_archive_ledger', 'trg_partition_archive_ledger_no_truncate', 'forbid_audit_mutation')),
families AS (SELECT DISTINCT family, to_regclass('public.' || family) AS parent FROM guards),
archives AS (
    -- Tables that were partitions of the trail (they carry its TRUNCATE guard, which stays with a
    -- table when it is detached) and are attached to nothing now.
    SELECT c.oid AS rel, format('%I.%I', n.nspname, c.relname) AS qualified
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'partitions' AND c.relkind = 'r' AND NOT c.relispartition
      AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'trg_audit_logs_no_truncate')
),
members AS (
    SELECT f.family, f.parent AS rel FROM families f WHERE f.parent IS NOT NULL
    UNION
    SELECT f.family, t.relid FROM families f CROSS JOIN LATERAL pg_partition_tree(f.parent) AS t
    WHERE f.parent IS NOT NULL AND t.isleaf
    UNION
    SELECT 'audit_logs', a.rel FROM archives a
)
SELECT format('%s lacks its enabled trigger %s executing %s()', m.rel::regclass, g.trigger_name, g.function_name)
FROM members m JOIN guards g ON g.family = m.family
WHERE NOT EXISTS (
    SELECT 1 FROM pg_trigger t
    WHERE t.tgrelid = m.rel AND t.tgname = g.trigger_name AND t.tgenabled IN ('O', 'A')
      AND t.tgfoid = to_regprocedure('public.' || g.function_name || '()'))
UNION ALL
SELECT format('%s was detached from audit_logs without a record in partition_archive_ledger (only maintain_partitions() detaches, SEC-023)', a.qualified)
FROM archives a
WHERE NOT EXISTS (SELECT 1 FROM public.partition_archive_ledger l WHERE l.partition_name = a.qualified AND l.event IN ('detach', 'adopted'))
ORDER BY 1
"""

BODY_016 = r"""
WITH RECURSIVE guards (family, trigger_name, function_name) AS (VALUES ('audit_logs', 'trg_audit_logs_append_only', 'forbid_audit_mutation'), ('audit_logs', 'trg_audit_logs_no_truncate', 'forbid_audit_mutation'), ('audit_logs', 'trg_audit_logs_acting_identity', 'require_acting_identity'), ('admin_activity_logs', 'trg_admin_activity_logs_append_only', 'forbid_admin_activity_log_change'), ('admin_activity_logs', 'trg_admin_activity_logs_acting_identity', 'require_acting_identity'), ('partition_archive_ledger', 'trg_partition_archive_ledger_append_only', 'forbid_audit_mutation'), ('partition_archive_ledger', 'trg_partition_archive_ledger_no_truncate', 'forbid_audit_mutation')),
families AS (SELECT DISTINCT family, to_regclass('public.' || family) AS parent FROM guards),
archives AS (
    -- Tables that were partitions of the trail (they carry its TRUNCATE guard, which stays with a
    -- table when it is detached) and are attached to nothing now.
    SELECT c.oid AS rel, format('%I.%I', n.nspname, c.relname) AS qualified
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'partitions' AND c.relkind = 'r' AND NOT c.relispartition
      AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'trg_audit_logs_no_truncate')
),
tree (family, rel, depth) AS (
    SELECT f.family, f.parent, 0 FROM families f WHERE f.parent IS NOT NULL
    UNION ALL
    SELECT t.family, i.inhrelid, t.depth + 1 FROM tree t JOIN pg_inherits i ON i.inhparent = t.rel
),
members AS (
    SELECT f.family, f.parent AS rel FROM families f WHERE f.parent IS NOT NULL
    UNION
    -- Every partition below the parent, read from pg_inherits (revision 016; 010 called
    -- pg_partition_tree(), which locks each partition in ACCESS SHARE mode until commit).
    SELECT t.family, t.rel FROM tree t JOIN pg_class c ON c.oid = t.rel WHERE t.depth > 0 AND c.relkind <> 'p'
    UNION
    SELECT 'audit_logs', a.rel FROM archives a
)
SELECT format('%s lacks its enabled trigger %s executing %s()', m.rel::regclass, g.trigger_name, g.function_name)
FROM members m JOIN guards g ON g.family = m.family
WHERE NOT EXISTS (
    SELECT 1 FROM pg_trigger t
    WHERE t.tgrelid = m.rel AND t.tgname = g.trigger_name AND t.tgenabled IN ('O', 'A')
      AND t.tgfoid = to_regprocedure('public.' || g.function_name || '()'))
UNION ALL
SELECT format('%s was detached from audit_logs without a record in partition_archive_ledger (only maintain_partitions() detaches, SEC-023)', a.qualified)
FROM archives a
WHERE NOT EXISTS (SELECT 1 FROM public.partition_archive_ledger l WHERE l.partition_name = a.qualified AND l.event IN ('detach', 'adopted'))
ORDER BY 1
"""


def _replace_body(body: str) -> None:
    """CREATE OR REPLACE keeps the function's comment, owner and grants; the body changes, and the
    attributes are named again so that they stay."""
    op.execute(f"CREATE OR REPLACE FUNCTION {SIGNATURE} {ATTRIBUTES} AS $fn${body}$fn$")


def upgrade() -> None:
    _replace_body(BODY_016)


def downgrade() -> None:
    _replace_body(BODY_010)
