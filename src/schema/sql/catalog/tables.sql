-- Ordinary and partitioned tables of the schema (partitions are listed under their parent).
SELECT c.relname AS name,
       c.relkind = 'p' AS is_partitioned,
       obj_description(c.oid, 'pg_class') AS comment,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
ORDER BY c.relname
