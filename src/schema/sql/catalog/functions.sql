-- Functions and procedures of the schema (none belongs to an extension on the embedded server).
SELECT p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result,
       l.lanname AS language,
       p.provolatile AS volatility_code,
       obj_description(p.oid, 'pg_proc') AS comment,
       p.prosecdef AS security_definer,
       coalesce(p.proconfig, '{}') AS settings
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
WHERE n.nspname = :schema
  AND d.objid IS NULL
ORDER BY p.proname, arguments
