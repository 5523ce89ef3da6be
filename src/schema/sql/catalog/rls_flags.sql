-- Tables of the schema with row-level security enabled or forced.
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity)
ORDER BY 1
