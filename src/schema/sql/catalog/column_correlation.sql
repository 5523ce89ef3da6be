-- Average physical-order correlation of one column over a table and its partitions (pg_stats):
-- near 1 means rows sit on disk in that column's order, which is what a BRIN index relies on.
SELECT avg(s.correlation)::float AS correlation
FROM pg_partition_tree(CAST(:table AS regclass)) t
JOIN pg_class c ON c.oid = t.relid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = :column
WHERE t.isleaf
