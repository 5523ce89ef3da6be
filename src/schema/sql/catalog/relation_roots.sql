-- Every table and index of the application schemas with the root of its partition tree (itself when
-- not a partition), so a plan naming audit_logs_p202501_created_at_idx is read as the parent's
-- index ix_audit_logs_created_at, and a partition scan as a scan of its parent table.
SELECT c.relname AS name,
       root.relname AS root
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class root ON root.oid = coalesce(pg_partition_root(c.oid), c.oid)
WHERE c.relkind IN ('r', 'p', 'i', 'I')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg_temp%'
