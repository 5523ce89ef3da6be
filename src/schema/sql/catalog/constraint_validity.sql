-- Every constraint of the given schemas and whether it is validated, named by the table's schema
-- (not pg_constraint.connamespace: a foreign key cloned onto a partition keeps its parent's namespace
-- in the source but gets the partition's when pg_restore re-adds it).
SELECT n.nspname || '.' || t.relname || ' ' || c.conname AS name, c.contype::text AS kind, c.convalidated
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = ANY(:schemas)
ORDER BY 1
