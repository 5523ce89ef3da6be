-- Every plain table (leaf) of the given schemas, partitions and archives included: what holds rows.
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = ANY(:schemas)
ORDER BY 1, 2
