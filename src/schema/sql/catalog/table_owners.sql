-- The owner of each table of the schema: RLS policies written TO CURRENT_USER name it, and the
-- whole-schema dump prints it as CURRENT_USER so the file does not depend on who migrated.
SELECT c.relname AS table_name,
       pg_get_userbyid(c.relowner) AS owner
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema
  AND c.relkind IN ('r', 'p', 'v')
ORDER BY c.relname
