-- Bytes on disk (heap, TOAST, indexes) and estimated rows of every table of the schema, a
-- partitioned table counted with all its partitions (pg_partition_tree).
SELECT c.relname AS table_name,
       sum(pg_total_relation_size(t.relid))::bigint AS bytes,
       sum(greatest(p.reltuples, 0))::bigint AS estimated_rows
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL pg_partition_tree(c.oid) t
JOIN pg_class p ON p.oid = t.relid
WHERE n.nspname = :schema
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
GROUP BY c.relname
