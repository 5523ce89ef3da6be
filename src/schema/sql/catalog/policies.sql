-- Row-level security policies.
SELECT tablename AS "table",
       policyname AS name,
       permissive,
       roles::text[] AS roles,
       cmd AS command,
       qual AS using_expression,
       with_check AS check_expression
FROM pg_policies
WHERE schemaname = :schema
ORDER BY tablename, policyname
