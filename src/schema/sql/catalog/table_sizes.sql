-- Bytes on disk (heap, TOAST, indexes) and estimated rows of every table of the schema, a
-- partitioned table counted with all its partitions. pg_partition_tree returns nothing for a plain
-- table, hence the UNION with the table itself (which also dedups the root of a partitioned one).
SELECT c.relname AS table_name,
       sum(pg_total_relation_size(p.oid))::bigint AS bytes,
       sum(greatest(p.reltuples, 0))::bigint AS estimated_rows
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (SELECT relid FROM pg_partition_tree(c.oid) UNION SELECT c.oid) t
JOIN pg_class p ON p.oid = t.relid
WHERE n.nspname = :schema
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
GROUP BY c.relname
