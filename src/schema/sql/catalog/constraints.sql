-- Constraints declared on tables (not inherited copies on partitions).
SELECT c.relname AS "table",
       con.conname AS name,
       con.contype AS kind,
       pg_get_constraintdef(con.oid) AS definition,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS columns,
       ref.relname AS referred_table,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS referred_columns,
       con.confdeltype AS on_delete_code,
       con.convalidated AS validated,
       obj_description(con.oid, 'pg_constraint') AS comment
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class ref ON ref.oid = con.confrelid
WHERE n.nspname = :schema
  AND NOT c.relispartition
  AND con.contype IN ('p', 'f', 'u', 'c', 'x')
  AND (con.contype <> 'f' OR con.conparentid = 0)
ORDER BY c.relname, con.conname
