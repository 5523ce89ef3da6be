-- User-defined triggers (not the internal ones that implement foreign keys).
SELECT c.relname AS "table",
       t.tgname AS name,
       pg_get_triggerdef(t.oid) AS definition,
       p.proname AS function_name,
       obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
WHERE n.nspname = :schema
  AND NOT t.tgisinternal
  AND NOT c.relispartition
  AND t.tgparentid = 0
ORDER BY c.relname, t.tgname
