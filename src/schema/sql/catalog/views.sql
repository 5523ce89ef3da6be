-- Views of the schema with their definitions and comments.
SELECT c.relname AS name,
       pg_get_viewdef(c.oid, true) AS definition,
       obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema
  AND c.relkind = 'v'
ORDER BY c.relname
