-- Every partition in the given schemas with its parent and bound (the partition tree as attached).
SELECT p.relname AS parent, cn.nspname || '.' || c.relname AS partition, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_class p ON p.oid = i.inhparent
WHERE c.relkind IN ('r', 'p') AND cn.nspname = ANY(:schemas)
ORDER BY 1, 2
