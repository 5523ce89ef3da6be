-- Partitions of partitioned tables with their bounds and an estimate of their rows.
SELECT parent.relname AS parent_table,
       child.relname AS name,
       pg_get_expr(child.relpartbound, child.oid) AS bound,
       child.reltuples::bigint AS estimated_rows
FROM pg_inherits inh
JOIN pg_class parent ON parent.oid = inh.inhparent
JOIN pg_class child ON child.oid = inh.inhrelid
JOIN pg_namespace n ON n.oid = parent.relnamespace
WHERE n.nspname = :schema
  AND parent.relkind = 'p'
ORDER BY parent.relname, child.relname
