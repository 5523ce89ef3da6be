-- Indexes of tables and partition parents; constraint_name is set when a PK/UNIQUE/EXCLUDE owns it.
SELECT t.relname AS "table",
       i.relname AS name,
       pg_get_indexdef(ix.indexrelid) AS definition,
       am.amname AS method,
       ix.indisunique AS is_unique,
       ix.indisprimary AS is_primary,
       ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k.ord::int, true)
             FROM generate_series(1, ix.indnkeyatts) AS k(ord)
             ORDER BY k.ord)::text[] AS key_columns,
       pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
       con.conname AS constraint_name,
       obj_description(i.oid, 'pg_class') AS comment
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.conrelid = t.oid AND con.contype IN ('p', 'u', 'x')
WHERE n.nspname = :schema
  AND t.relkind IN ('r', 'p')
  AND NOT t.relispartition
ORDER BY t.relname, i.relname
