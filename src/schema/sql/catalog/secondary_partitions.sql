-- Partitions that are not monthly (DEFAULT and other fixed partitions), with their comments: the
-- whole-schema dump lists these, while the date-named monthly ones are created by maintenance.
SELECT parent.relname AS parent_table,
       pn.nspname AS schema_name,
       child.relname AS name,
       pg_get_expr(child.relpartbound, child.oid) AS bound,
       obj_description(child.oid, 'pg_class') AS comment
FROM pg_inherits inh
JOIN pg_class parent ON parent.oid = inh.inhparent
JOIN pg_class child ON child.oid = inh.inhrelid
JOIN pg_namespace n ON n.oid = parent.relnamespace
JOIN pg_namespace pn ON pn.oid = child.relnamespace
WHERE n.nspname = :schema
  AND parent.relkind = 'p'
  AND child.relname !~ '_p[0-9]{6}$'
ORDER BY parent.relname, child.relname
